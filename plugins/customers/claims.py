"""Claiming from a pool, assigning, putting back, locking and moving customers.

Every change of owner is one conditional UPDATE (``… WHERE owner IS <what we saw>``): when two
people act on the same customer at once, one wins and the other gets a 409. Limits are
checked while the user's row is locked (PostgreSQL) or the write lock is held (SQLite), so
two claims of one user cannot both slip under a limit.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from core.identity import permissions
from core.identity.audit import audit
from core.identity.errors import IdentityError
from core.identity.models import User
from core.identity.services import find_user
from core.signals import record_updated
from plugins.customers import pool_history as history
from plugins.customers.models import Customer
from plugins.customers.pool import ENTITY, get_visible_pool, home_pool, visible_pool_ids
from plugins.customers.pool_common import (
    PoolError,
    announce,
    as_id,
    day_start,
    for_update,
    load,
    local_date,
    utcnow,
    write_transaction,
)
from plugins.customers.pool_models import OwnerChange, Pool, PoolNotice, PoolState
from plugins.customers.pool_schemas import PoolAssignSchema, PoolReleaseSchema
from plugins.customers.pool_signals import customer_assigned, customer_claimed, customer_released


def _customer(customer_id: Any) -> Customer:
    try:
        customer = Customer.live().where(Customer.id == as_id(customer_id)).get_or_none()
    except (TypeError, ValueError):
        customer = None
    if customer is None:
        raise PoolError(f"no customer {customer_id}", status=404)
    return customer


def _need(user: User, action: str) -> None:
    if not permissions.can(user, action, ENTITY):
        raise PoolError(f"you may not {action} customers of the pools", status=403)


def _readable(user: User, customer: Customer) -> None:
    if not permissions.can(user, "read", "customer", customer):
        raise PoolError(f"no customer {customer.id}", status=404)


def _lock_user(user_id: int) -> None:
    for_update(User.select(User.id).where(User.id == user_id)).execute()


def _owner_changed(customer_id: int, old: int | None, new: int | None, actor: User | None) -> None:
    customer = Customer.get_by_id(customer_id)
    announce(record_updated, entity="customer", record=customer, user=actor,
             changes={"owner": [old, new]}, source="pool")


# -- limits -------------------------------------------------------------------------------


def check_limits(user: User, pool: Pool, customer: Customer | None, now: dt.datetime,
                 claiming: bool = True) -> None:
    """Raise a 409 naming the limit when ``user`` may not take ``customer`` from ``pool``."""
    if claiming and customer is not None and pool.reclaim_ban_days:
        given_up = history.last_given_up(customer.id, user.id)
        if given_up is not None and now < given_up + dt.timedelta(days=pool.reclaim_ban_days):
            until = local_date(given_up + dt.timedelta(days=pool.reclaim_ban_days))
            raise PoolError(
                f"you gave this customer up on {local_date(given_up).isoformat()}; pool "
                f"{pool.name!r} lets a previous owner claim it again from {until.isoformat()}",
                status=409, code="reclaim_ban", details={"until": until.isoformat()})
    if pool.max_held is not None:
        held = Customer.live().where(Customer.owner == user.id).count()
        if held >= pool.max_held:
            who = "you hold" if claiming else f"{user.username} holds"
            raise PoolError(f"{who} {held} customers; pool {pool.name!r} allows at most {pool.max_held}",
                            status=409, code="held_limit", details={"held": held, "limit": pool.max_held})
    if claiming and pool.daily_claims is not None:
        today = claims_today(user, pool, now)
        if today >= pool.daily_claims:
            raise PoolError(
                f"daily claim limit reached: you have claimed {today} customers from pool "
                f"{pool.name!r} today and it allows {pool.daily_claims} a day; try again tomorrow",
                status=409, code="daily_limit", details={"claimed_today": today, "limit": pool.daily_claims})


def claims_today(user: User, pool: Pool, now: dt.datetime | None = None) -> int:
    return OwnerChange.select().where(
        (OwnerChange.to_user == user.id) & (OwnerChange.kind == "claim") & (OwnerChange.pool == pool.id)
        & (OwnerChange.at >= day_start(now or utcnow()))).count()


# -- claim --------------------------------------------------------------------------------


def claim(user: User, customer_id: Any, now: dt.datetime | None = None) -> Customer:
    """``user`` takes a customer from a pool they may see.

    404: no such customer, or not in a pool visible to ``user``; 403: no ``claim`` right;
    409: someone owns it (or claimed it a moment earlier), or a limit says no.
    """
    now = now or utcnow()
    customer = _customer(customer_id)
    state = history.state_of(customer)
    pool = home_pool(customer, state)
    if pool is None or pool.id not in visible_pool_ids(user):
        raise PoolError(f"no customer {customer_id} in a pool you can see", status=404)
    if customer.owner_id is not None:
        mine = customer.owner_id == user.id
        raise PoolError("you already own this customer" if mine else "this customer is no longer "
                        "in the pool: someone has it", status=409, code="not_in_pool")
    _need(user, "claim")
    with write_transaction():
        _lock_user(user.id)
        check_limits(user, pool, customer, now, claiming=True)
        taken = Customer.update(owner=user.id, updated_at=now, version=Customer.version + 1).where(
            (Customer.id == customer.id) & Customer.owner.is_null() & Customer.deleted_at.is_null()
        ).execute()
        if not taken:
            raise PoolError("someone else claimed this customer first", status=409, code="already_claimed")
        PoolState.update(pool=pool.id, locked=False).where(PoolState.customer == customer.id).execute()
        history.took_over([customer.id], now)
        history.record(customer.id, "claim", from_user=None, to_user=user.id, actor=user, pool=pool, at=now)
        audit("claim", "customer", customer.id, {"owner": [None, user.id], "pool": [pool.id, None]}, user)
    _owner_changed(customer.id, None, user.id, user)
    customer = Customer.get_by_id(customer.id)
    announce(customer_claimed, customer=customer, user=user, pool=pool)
    return customer


# -- release ------------------------------------------------------------------------------


def release(user: User, customer_id: Any, reason: Any, now: dt.datetime | None = None) -> Customer:
    """Put a customer back into its pool, with a reason (the owner, or a manager with the
    ``assign`` right who may change the customer)."""
    now = now or utcnow()
    customer = _customer(customer_id)
    _readable(user, customer)
    text = load(PoolReleaseSchema(), {"reason": reason})["reason"]
    if customer.owner_id is None:
        raise PoolError("this customer is already in the pool", status=409, code="not_owned")
    if customer.owner_id != user.id and not (
        permissions.can(user, "write", "customer", customer) and permissions.can(user, "assign", ENTITY)
    ):
        raise PoolError("only its owner or a manager may put this customer back", status=403)
    state = history.state_of(customer)
    pool = home_pool(customer, state)
    if pool is None:
        raise PoolError("there is no pool to put it in; create one first", status=409, code="no_pool")
    old = customer.owner_id
    with write_transaction():
        done = Customer.update(owner=None, updated_at=now, version=Customer.version + 1).where(
            (Customer.id == customer.id) & (Customer.owner == old)).execute()
        if not done:
            raise PoolError("the owner of this customer changed meanwhile; reload", status=409,
                            code="owner_changed")
        enter_pool([customer.id], pool.id, now)
        history.left_owner([customer.id], {customer.id: old}, now, to_pool=True)
        history.record(customer.id, "release", from_user=old, to_user=None, actor=user, pool=pool,
                       reason=text, at=now)
        audit("release", "customer", customer.id, {"owner": [old, None], "pool": [None, pool.id],
                                                   "reason": [None, text]}, user)
    _owner_changed(customer.id, old, None, user)
    customer = Customer.get_by_id(customer.id)
    announce(customer_released, customer=customer, previous=old, actor=user, pool=pool, reason=text)
    return customer


def enter_pool(customer_ids: list[int], pool_id: int, now: dt.datetime) -> None:
    """Pool state of customers that just lost their owner (no lock, no clock, no warning)."""
    history.ensure_states(customer_ids)
    PoolState.update(pool=pool_id, locked=False, locked_by=None, locked_at=None, owned_since=None,
                     warned_at=None, warn_due=None, entered_pool_at=now,
                     version=PoolState.version + 1).where(PoolState.customer.in_(customer_ids)).execute()
    history.resolve_warnings(customer_ids, now)


# -- assign -------------------------------------------------------------------------------


def _target(actor: User, value: Any) -> User:
    try:
        target = find_user(value)
    except IdentityError as exc:
        raise PoolError(exc.message, status=422, field="user") from exc
    if not target.active:
        raise PoolError(f"user {target.username} is not active", field="user")
    if not permissions.can(target, "read", "customer"):
        raise PoolError(f"user {target.username} may not work with customers", field="user")
    if not actor.is_admin and target.id != actor.id and (
        target.department_id not in permissions.department_subtree(actor.department_id)
    ):
        raise PoolError("you may assign customers only to people of your department or below",
                        field="user")
    return target


def assign(actor: User, customer_id: Any, data: Any, now: dt.datetime | None = None) -> Customer:
    """A manager gives a customer (from a pool, or from its owner) to ``data["user"]``.

    Limits of customers held apply to the new owner; the daily claim limit and the re-claim
    ban do not (they limit claiming, and this is a manager's decision).
    """
    now = now or utcnow()
    values = load(PoolAssignSchema(), data)
    customer = _customer(customer_id)
    state = history.state_of(customer)
    pool = home_pool(customer, state)
    if customer.owner_id is None:
        if pool is None or pool.id not in visible_pool_ids(actor):
            raise PoolError(f"no customer {customer_id} in a pool you can see", status=404)
    else:
        _readable(actor, customer)
        if not permissions.can(actor, "write", "customer", customer):
            raise PoolError("you may not change this customer", status=403)
    _need(actor, "assign")
    target = _target(actor, values["user"])
    old = customer.owner_id
    if target.id == old:
        raise PoolError(f"{target.username} already owns this customer", status=409, code="same_owner")
    with write_transaction():
        _lock_user(target.id)
        if pool is not None:
            check_limits(target, pool, customer, now, claiming=False)
        same = Customer.owner.is_null() if old is None else Customer.owner == old
        done = Customer.update(owner=target.id, updated_at=now, version=Customer.version + 1).where(
            (Customer.id == customer.id) & same & Customer.deleted_at.is_null()).execute()
        if not done:
            raise PoolError("the owner of this customer changed meanwhile; reload", status=409,
                            code="owner_changed")
        if old is None and pool is not None:
            PoolState.update(pool=pool.id).where(PoolState.customer == customer.id).execute()
        else:
            history.left_owner([customer.id], {customer.id: old}, now, to_pool=False)
        history.took_over([customer.id], now)
        history.record(customer.id, "assign", from_user=old, to_user=target.id, actor=actor,
                       pool=pool if old is None else None, reason=values["reason"], at=now)
        PoolNotice.create(user=target.id, kind="assigned", customer=customer.id, created_at=now,
                          params={"by": actor.display_name or actor.username, "name": customer.name})
        audit("assign", "customer", customer.id, {"owner": [old, target.id],
                                                  "reason": [None, values["reason"]]}, actor)
    _owner_changed(customer.id, old, target.id, actor)
    customer = Customer.get_by_id(customer.id)
    announce(customer_assigned, customer=customer, user=target, previous=old, actor=actor)
    return customer


# -- lock and move ------------------------------------------------------------------------


def set_locked(actor: User, customer_id: Any, locked: bool, now: dt.datetime | None = None) -> PoolState:
    """Lock (exempt from automatic return) or unlock an owned customer — a manager's right."""
    now = now or utcnow()
    if not isinstance(locked, bool):
        raise PoolError("locked must be true or false", field="locked")
    customer = _customer(customer_id)
    _readable(actor, customer)
    if locked and customer.owner_id is None:
        raise PoolError("only a customer with an owner can be locked", status=409, code="not_owned")
    if not permissions.can(actor, "write", "customer", customer):
        raise PoolError("you may not change this customer", status=403)
    _need(actor, "lock")
    state = history.state_of(customer)
    if state.locked == locked:
        return state
    with write_transaction():
        PoolState.update(locked=locked, locked_by=actor.id if locked else None,
                         locked_at=now if locked else None, warned_at=None, warn_due=None,
                         version=PoolState.version + 1).where(PoolState.customer == customer.id).execute()
        history.resolve_warnings([customer.id], now)
        audit("lock" if locked else "unlock", "customer", customer.id,
              {"locked": [not locked, locked]}, actor)
    return PoolState.get(PoolState.customer == customer.id)


def move(actor: User, customer_id: Any, pool_id: Any) -> PoolState:
    """Make ``pool_id`` the customer's home pool (where it sits, or will return to)."""
    customer = _customer(customer_id)
    state = history.state_of(customer)
    current = home_pool(customer, state)
    if customer.owner_id is None:
        if current is None or current.id not in visible_pool_ids(actor):
            raise PoolError(f"no customer {customer_id} in a pool you can see", status=404)
    else:
        _readable(actor, customer)
        if not permissions.can(actor, "write", "customer", customer):
            raise PoolError("you may not change this customer", status=403)
    _need(actor, "assign")
    try:
        target = get_visible_pool(actor, pool_id)
    except PoolError as exc:
        raise PoolError(exc.message, status=422, field="pool") from exc
    with write_transaction():
        PoolState.update(pool=target.id, version=PoolState.version + 1).where(
            PoolState.customer == customer.id).execute()
        audit("move", "customer", customer.id, {"pool": [getattr(current, "id", None), target.id]}, actor)
    return PoolState.get(PoolState.customer == customer.id)
