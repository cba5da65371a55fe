"""Collaborators: the owner shares a customer with colleagues, read-only or read-write, until an
optional expiry. The permission path treats them like co-owners (see :mod:`.pool_access`):
they see the customer in every list and page; "write" collaborators may also change it;
expired ones get nothing.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import peewee

from core.identity import permissions
from core.identity.audit import audit
from core.identity.errors import IdentityError
from core.identity.models import User
from core.identity.services import find_user
from plugins.customers.collaborators_models import Collaborator
from plugins.customers.followups_schemas import CollaboratorSchema, CollaboratorUpdateSchema
from plugins.customers.models import Customer
from plugins.customers.pool_common import PoolError, announce, as_id, iso, load, utcnow
from plugins.customers.pool_signals import collaborator_added, collaborator_removed


def active(now: dt.datetime | None = None) -> peewee.Expression:
    """Collaborator rows that still give access."""
    return Collaborator.expires_at.is_null() | (Collaborator.expires_at > (now or utcnow()))


def access_of(user: User, customer_id: int) -> str | None:
    """``"read"``, ``"write"`` or None: what ``user`` has on the customer as a collaborator."""
    return (
        Collaborator.select(Collaborator.access)
        .where((Collaborator.customer == customer_id) & (Collaborator.user == user.id) & active())
        .scalar()
    )


def shared_with(user: User, write: bool = False) -> peewee.ModelSelect:
    """Ids of the customers shared with ``user`` (and still in force), for permission filters."""
    query = Collaborator.select(Collaborator.customer).where((Collaborator.user == user.id) & active())
    return query.where(Collaborator.access == "write") if write else query


def may_manage(user: User, customer: Customer) -> bool:
    """The owner, an admin, or whoever's own record scope reaches the customer (a manager) —
    not a collaborator: sharing goes through the people responsible for the customer."""
    if user.is_admin or customer.owner_id == user.id:
        return True
    scope = permissions.scope_of(user, "customer", "write")
    return scope is not None and customer.owner_id is not None and permissions.record_in_scope(
        user, scope, "customer", customer)


def _customer(user: User, customer_id: Any, manage: bool) -> Customer:
    try:
        customer = Customer.live().where(Customer.id == as_id(customer_id)).get_or_none()
    except (TypeError, ValueError):
        customer = None
    if customer is None or not permissions.can(user, "read", "customer", customer):
        raise PoolError(f"no customer {customer_id}", status=404)
    if manage and not may_manage(user, customer):
        raise PoolError("only the owner or a manager may share this customer", status=403)
    return customer


def _user(value: Any) -> User:
    try:
        user = find_user(value)
    except IdentityError as exc:
        raise PoolError(exc.message, field="user") from exc
    if not user.active:
        raise PoolError(f"user {user.username} is not active", field="user")
    return user


def add(actor: User, customer_id: Any, data: Any, now: dt.datetime | None = None) -> Collaborator:
    """Share the customer with ``data["user"]`` (``access``: read|write, ``expires_at``).

    Sharing with someone already sharing changes their access and expiry.
    """
    now = now or utcnow()
    customer = _customer(actor, customer_id, manage=True)
    values = load(CollaboratorSchema(), data)
    user = _user(values["user"])
    if user.id == customer.owner_id:
        raise PoolError(f"{user.username} owns this customer", status=409, field="user")
    if values["expires_at"] is not None and values["expires_at"] <= now:
        raise PoolError("the expiry must be in the future", field="expires_at")
    if not permissions.can(user, "read", "customer"):
        raise PoolError(f"user {user.username} may not work with customers", field="user")
    with Collaborator._meta.database.atomic():
        row = Collaborator.get_or_none(
            (Collaborator.customer == customer.id) & (Collaborator.user == user.id))
        before = None if row is None else {"access": row.access, "expires_at": row.expires_at}
        if row is None:
            row = Collaborator.create(customer=customer.id, user=user.id, access=values["access"],
                                      expires_at=values["expires_at"], added_by=actor.id, created_at=now)
        else:
            row.access, row.expires_at, row.added_by = values["access"], values["expires_at"], actor.id
            row.save()
        audit("share", "customer", customer.id, {"collaborator": [before, {
            "user": user.id, "access": row.access, "expires_at": row.expires_at}]}, actor)
    permissions.forget_cache()
    announce(collaborator_added, customer=customer, collaborator=row, actor=actor)
    return row


def update(actor: User, customer_id: Any, user_id: Any, data: Any,
           now: dt.datetime | None = None) -> Collaborator:
    now = now or utcnow()
    customer = _customer(actor, customer_id, manage=True)
    row = _row(customer, user_id)
    values = load(CollaboratorUpdateSchema(), data, partial=True)
    if values.get("expires_at") is not None and values["expires_at"] <= now:
        raise PoolError("the expiry must be in the future", field="expires_at")
    before = {"access": row.access, "expires_at": row.expires_at}
    for field, value in values.items():
        setattr(row, field, value)
    with Collaborator._meta.database.atomic():
        row.save()
        audit("share", "customer", customer.id, {"collaborator": [before, {
            "user": row.user_id, "access": row.access, "expires_at": row.expires_at}]}, actor)
    permissions.forget_cache()
    return row


def _row(customer: Customer, user_id: Any) -> Collaborator:
    try:
        row = Collaborator.get_or_none(
            (Collaborator.customer == customer.id) & (Collaborator.user == as_id(user_id)))
    except (TypeError, ValueError):
        row = None
    if row is None:
        raise PoolError(f"user {user_id} does not collaborate on this customer", status=404)
    return row


def remove(actor: User, customer_id: Any, user_id: Any) -> None:
    """Stop sharing (the owner or a manager; a collaborator may also remove themselves)."""
    customer = _customer(actor, customer_id, manage=False)
    row = _row(customer, user_id)
    if row.user_id != actor.id and not may_manage(actor, customer):
        raise PoolError("only the owner or a manager may stop sharing this customer", status=403)
    with Collaborator._meta.database.atomic():
        row.delete_instance()
        audit("unshare", "customer", customer.id, {"collaborator": [
            {"user": row.user_id, "access": row.access}, None]}, actor)
    permissions.forget_cache()
    announce(collaborator_removed, customer=customer, user_id=row.user_id, actor=actor)


def listing(actor: User, customer_id: Any, now: dt.datetime | None = None) -> list[dict[str, Any]]:
    customer = _customer(actor, customer_id, manage=False)
    now = now or utcnow()
    rows = (Collaborator.select(Collaborator, User).join(User, on=(Collaborator.user == User.id))
            .where(Collaborator.customer == customer.id).order_by(Collaborator.created_at, Collaborator.id))
    return [collaborator_dict(r, now) for r in rows]


def collaborator_dict(row: Collaborator, now: dt.datetime | None = None) -> dict[str, Any]:
    now = now or utcnow()
    user = row.user
    return {
        "user": {"id": user.id, "username": user.username, "name": user.display_name or user.username},
        "access": row.access, "expires_at": iso(row.expires_at),
        "expired": row.expires_at is not None and row.expires_at <= now,
        "added_by": row.added_by_id, "created_at": iso(row.created_at),
    }
