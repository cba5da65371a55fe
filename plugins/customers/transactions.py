"""Transaction records (交易记录): memos of orders, payments and invoices with a date and an
optional amount — a memo, not accounting. Readable with the customer; written by those who
may write the customer (and hold the ``customer_transaction`` right)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import gettext as _
from marshmallow import ValidationError

from core.errors import ApiError
from core.identity import permissions
from core.identity.audit import audit, diff, snapshot
from core.identity.models import utcnow
from plugins.customers import access
from plugins.customers.access import record_id
from plugins.customers.models import Customer, Transaction
from plugins.customers.schemas import TransactionSchema

ENTITY = "customer_transaction"


def _load(data: Any, partial: bool = False) -> dict[str, Any]:
    if not isinstance(data, Mapping):
        raise ApiError(400, "send a JSON object")
    try:
        return TransactionSchema().load(dict(data), partial=partial)
    except ValidationError as exc:
        raise ApiError(
            422,
            _("The transaction is not valid."),
            fields={
                k: [str(m) for m in v] if isinstance(v, list) else [str(v)] for k, v in exc.messages.items()
            },
        ) from None


def _may_write(customer_id: int, user: Any, action: str) -> None:
    permissions.require(user, action, ENTITY)
    if not access.customer_allows(user, "write", customer_id):
        raise ApiError(403, _("You may not change this customer's records."))


def transactions_of(customer: Customer, user: Any, limit: int = 500) -> list[Transaction]:
    """The customer's transaction memos, newest date first."""
    permissions.require(user, "read", ENTITY)
    return list(
        Transaction.live()
        .where(Transaction.customer == customer.id)
        .order_by(Transaction.date.desc(), Transaction.id.desc())
        .limit(limit)
    )


def add_transaction(customer: Customer, user: Any, data: Any) -> Transaction:
    """Record a memo: ``date`` (required), ``kind`` (order, payment, invoice, other), ``memo``,
    ``amount`` (a decimal string, optional)."""
    _may_write(customer.id, user, "create")
    values = _load(data)
    with Transaction._meta.database.atomic():
        item = Transaction.create(customer=customer.id, author=user.id, **values)
        audit("create", ENTITY, item.id, diff(None, snapshot(item)), user)
    return item


def get_transaction(customer: Customer, transaction_id: Any) -> Transaction:
    item = (
        Transaction.live()
        .where((Transaction.id == (record_id(transaction_id) or 0)) & (Transaction.customer == customer.id))
        .first()
    )
    if item is None:
        raise ApiError(404, _("No such transaction."))
    return item


def update_transaction(item: Transaction, user: Any, data: Any) -> Transaction:
    _may_write(item.customer_id, user, "write")
    values = _load(data, partial=True)
    before = snapshot(item)
    for name, value in values.items():
        setattr(item, name, value)
    changes = diff(before, snapshot(item))
    if changes:
        item.version += 1
        item.updated_at = utcnow()
        with Transaction._meta.database.atomic():
            item.save()
            audit("update", ENTITY, item.id, changes, user)
    return item


def delete_transaction(item: Transaction, user: Any) -> None:
    from core.identity.trash import move_to_trash

    _may_write(item.customer_id, user, "delete")
    move_to_trash(ENTITY, item, user)


def transaction_dict(item: Transaction) -> dict[str, Any]:
    return TransactionSchema().dump(item)
