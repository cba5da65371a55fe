"""The customers module's record rules, in both forms the permission engine needs.

* **Category visibility** (the seed's "which roles may see which main categories"): a
  top-level category with ``visible_roles`` hides its customers — and those of every
  category below it — from users of other roles. Administrators see every category.
  Check form: a veto (False); list form: a ``restrict`` expression.
* **Contacts follow their customer**: a contact is readable (and exportable) only when its
  customer is readable, and may be created, changed or deleted only when its customer may
  be written. Notes, attachments and transactions use the same test through
  :func:`customer_allows`.

Other rule sets of this plugin (pool, collaborators, schedule) combine with these in
``hooks.py`` (``network_integration.combine_checks`` / ``combine_filters``).
"""

from __future__ import annotations

from typing import Any

import peewee
from flask import g
from peewee import fn

from core.contrib import RowFilter
from core.identity import permissions
from plugins.customers.models import Category, Contact, Customer

READ_LIKE = frozenset({"read", "export"})


def _request_cache() -> dict[str, Any]:
    return g.setdefault("_customers_access", {})


def hidden_categories(user: Any) -> frozenset[int]:
    """Ids of the categories whose customers ``user`` may not see (cached per request)."""
    if user is None or user.is_admin:
        return frozenset()
    cache = _request_cache()
    key = f"hidden:{user.role_id}"
    if key not in cache:
        cache[key] = _hidden_for_role(user.role.key)
    return cache[key]


def _hidden_for_role(role_key: str) -> frozenset[int]:
    rows = list(Category.select(Category.id, Category.parent, Category.visible_roles))
    children: dict[int | None, list[int]] = {}
    for row in rows:
        children.setdefault(row.parent_id, []).append(row.id)
    hidden: set[int] = set()
    stack = [
        r.id for r in rows if r.parent_id is None and r.visible_roles and role_key not in r.visible_roles
    ]
    while stack:
        current = stack.pop()
        if current not in hidden:
            hidden.add(current)
            stack.extend(children.get(current, ()))
    return frozenset(hidden)


def forget() -> None:
    """Drop this request's cached category visibility (after changing categories)."""
    g.pop("_customers_access", None)
    from plugins.customers import fastlist

    fastlist.forget()


def _field(record: Any, name: str) -> Any:
    if isinstance(record, dict):
        return record.get(name, record.get(name.removesuffix("_id")))
    return getattr(record, name, None)


MAX_ID = 2**63 - 1


def record_id(value: Any) -> int | None:
    """``value`` as a database id, or None when it cannot be one (not a whole number, or out of
    the 64-bit range databases store — looking such a value up would be an error, not a miss)."""
    if isinstance(value, bool):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 < number <= MAX_ID else None


def customer_allows(user: Any, action: str, customer_id: Any) -> bool:
    """Whether ``user`` may ``read`` (or ``write``) the live customer ``customer_id`` — the test
    for everything that hangs on a customer (contacts, notes, attachments, transactions)."""
    customer_id = record_id(customer_id)
    customer = Customer.live().where(Customer.id == customer_id).first() if customer_id else None
    if customer is None:
        return False
    return permissions.can(user, "read" if action in READ_LIKE else "write", "customer", customer)


def permission_check(kernel: Any, user: Any, action: str, entity: str, record: Any) -> bool | None:
    if user is None or record is None:
        return None
    if entity == "customer":
        category = _field(record, "category_id")
        if category is not None and category in hidden_categories(user):
            return False
        return None
    if entity == "contact":
        return None if customer_allows(user, action, _field(record, "customer_id")) else False
    return None


def permission_filter(kernel: Any, user: Any, action: str, entity: str, model: Any) -> RowFilter | None:
    if user is None:
        return None
    if entity == "customer" and model is Customer:
        hidden = hidden_categories(user)
        if not hidden:
            return None
        return RowFilter(restrict=Customer.category.is_null() | Customer.category.not_in(sorted(hidden)))
    if entity == "contact" and model is Contact:
        wanted = "read" if action in READ_LIKE else "write"
        # Correlated: each contact probes its own customer. "customer_id IN (every customer the
        # user may see)" made the database list up to a million ids before the first contact.
        own_customer = Customer.select(peewee.SQL("1")).where(Customer.id == Contact.customer)
        readable = permissions.visible(own_customer, user, "customer", Customer, wanted)
        return RowFilter(restrict=fn.EXISTS(readable))
    return None
