"""The owner history of customers: every claim, assignment, release, return and handover,
with who, when and why; and what happens whenever a customer leaves its owner."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

import peewee

from core.identity.models import User
from plugins.customers.collaborators_models import Collaborator
from plugins.customers.followups_models import FollowupPlan
from plugins.customers.models import Customer
from plugins.customers.pool_common import iso, utcnow
from plugins.customers.pool_models import OwnerChange, Pool, PoolNotice, PoolState

KIND_LABELS = {
    "claim": ("Claimed from the pool", "从公海领取"),
    "assign": ("Assigned", "分配"),
    "release": ("Put back into the pool", "退回公海"),
    "return": ("Returned to the pool automatically", "自动回收到公海"),
    "handover": ("Handed over", "移交"),
    "edit": ("Owner changed", "更改负责人"),
}
RULE_LABELS = {
    "no_followup": ("no follow-up for {days} days", "{days} 天未跟进"),
    "no_deal": ("no new deal for {days} days", "{days} 天无新商机"),
    "no_won_deal": ("no won deal for {days} days", "{days} 天未成交"),
}


def rule_reason(kind: str, days: int, zh: bool = False) -> str:
    english, chinese = RULE_LABELS[kind]
    return (chinese if zh else english).format(days=days)


def ensure_states(customer_ids: Iterable[int]) -> None:
    """Make sure each customer has its pool-state row (created lazily, never twice)."""
    for ids in chunks(list(customer_ids)):
        query = PoolState.select(PoolState.customer).where(PoolState.customer.in_(ids))
        have = {c for (c,) in query.tuples()}
        rows = [{"customer": c} for c in ids if c not in have]
        if rows:
            PoolState.insert_many(rows).on_conflict_ignore().execute()


def state_of(customer: Customer) -> PoolState:
    ensure_states([customer.id])
    return PoolState.get(PoolState.customer == customer.id)


def record(customer_id: int, kind: str, *, from_user: int | None, to_user: int | None,
           actor: User | None, pool: Pool | int | None = None, reason: str = "",
           rule_kind: str = "", rule_days: int | None = None, at: dt.datetime | None = None) -> OwnerChange:
    return OwnerChange.create(
        customer=customer_id, kind=kind, from_user=from_user, to_user=to_user,
        actor=getattr(actor, "id", actor), pool=getattr(pool, "id", pool), reason=reason or "",
        rule_kind=rule_kind, rule_days=rule_days, at=at or utcnow(),
    )


def took_over(customer_ids: list[int], now: dt.datetime) -> None:
    """A new owner has these customers: their clocks restart and old warnings go."""
    if not customer_ids:
        return
    ensure_states(customer_ids)
    for chunk in chunks(customer_ids):
        PoolState.update(owned_since=now, warned_at=None, warn_due=None, version=PoolState.version + 1).where(
            PoolState.customer.in_(chunk)).execute()
    resolve_warnings(customer_ids, now)


def left_owner(customer_ids: list[int], previous: dict[int, int | None], now: dt.datetime,
               to_pool: bool) -> None:
    """These customers left their owners (``previous``: id → old owner): the owners' open
    plans for them are cancelled; when they go to the pool (``to_pool``) their collaborators
    lose access too — the next owner chooses their own."""
    if not customer_ids:
        return
    by_owner: dict[int, list[int]] = {}
    for customer_id, owner_id in previous.items():
        if owner_id is not None:
            by_owner.setdefault(owner_id, []).append(customer_id)
    for owner_id, ids in by_owner.items():
        for chunk in chunks(ids):
            FollowupPlan.update(cancelled_at=now).where(
                FollowupPlan.customer.in_(chunk) & (FollowupPlan.user == owner_id)
                & FollowupPlan.done_at.is_null() & FollowupPlan.cancelled_at.is_null()).execute()
    if to_pool:
        for chunk in chunks(customer_ids):
            Collaborator.delete().where(Collaborator.customer.in_(chunk)).execute()


def chunks(ids: list[int], size: int = 500) -> Iterable[list[int]]:
    """Slices of ``ids`` small enough for an IN (…) on every backend."""
    for start in range(0, len(ids), size):
        yield ids[start:start + size]


def resolve_warnings(customer_ids: list[int], now: dt.datetime) -> None:
    """Warnings about these customers no longer apply (followed up, locked, gone, …)."""
    for chunk in chunks(customer_ids):
        PoolNotice.update(resolved_at=now).where(
            PoolNotice.customer.in_(chunk) & (PoolNotice.kind == "pool_warning")
            & PoolNotice.resolved_at.is_null()).execute()


def record_handover(customer_ids: Iterable[int], from_user: Any, to_user: Any, actor: Any = None,
                    reason: str = "", now: dt.datetime | None = None) -> int:
    """Record a handover (done by the customers module) in the owner history.

    Called by the receiver of the customers' handover signal; safe to call inside that
    transaction. Returns the number of history rows written.
    """
    ids = sorted({int(getattr(c, "id", c)) for c in customer_ids})
    if not ids:
        return 0
    now = now or utcnow()
    from_id, to_id = getattr(from_user, "id", from_user), getattr(to_user, "id", to_user)
    OwnerChange.insert_many([
        {"customer": c, "kind": "handover", "from_user": from_id, "to_user": to_id,
         "actor": getattr(actor, "id", actor), "reason": reason or "", "at": now} for c in ids
    ]).execute()
    took_over(ids, now)
    return len(ids)


def owner_history(customer: Customer, limit: int = 200) -> list[dict[str, Any]]:
    """The customer's owner changes, newest first (what ``/customers/<id>/owners`` shows)."""
    rows = list(
        OwnerChange.select().where(OwnerChange.customer == customer.id)
        .order_by(OwnerChange.at.desc(), OwnerChange.id.desc()).limit(limit)
    )
    names = _user_names({i for r in rows for i in (r.from_user_id, r.to_user_id, r.actor_id)})
    pools = dict(Pool.select(Pool.id, Pool.name).tuples())
    return [change_dict(r, names, pools) for r in rows]


def _user_names(ids: set[int | None]) -> dict[int, str]:
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    query = User.select(User.id, User.username, User.display_name).where(User.id.in_(list(ids)))
    return {u.id: (u.display_name or u.username) for u in query}


def change_dict(row: OwnerChange, names: dict[int, str], pools: dict[int, str]) -> dict[str, Any]:
    label, label_zh = KIND_LABELS.get(row.kind, (row.kind, row.kind))
    reason_zh = row.reason
    if row.rule_kind in RULE_LABELS and row.rule_days:
        reason_zh = rule_reason(row.rule_kind, row.rule_days, zh=True)
    return {
        "id": row.id, "kind": row.kind, "label": label, "label_zh": label_zh, "at": iso(row.at),
        "from_user": _person(row.from_user_id, names), "to_user": _person(row.to_user_id, names),
        "actor": _person(row.actor_id, names),
        "pool": {"id": row.pool_id, "name": pools.get(row.pool_id, "")} if row.pool_id else None,
        "reason": row.reason, "reason_zh": reason_zh, "rule": (
            {"kind": row.rule_kind, "days": row.rule_days} if row.rule_kind else None),
    }


def _person(user_id: int | None, names: dict[int, str]) -> dict[str, Any] | None:
    return None if user_id is None else {"id": user_id, "name": names.get(user_id, f"#{user_id}")}


def last_given_up(customer_id: int, user_id: int) -> dt.datetime | None:
    """When ``user_id`` last lost ``customer_id`` to the pool (put back or returned)."""
    return (
        OwnerChange.select(peewee.fn.MAX(OwnerChange.at))
        .where((OwnerChange.customer == customer_id) & (OwnerChange.from_user == user_id)
               & OwnerChange.kind.in_(("release", "return")))
        .scalar()
    )


def note_deal(customer_id: int, at: dt.datetime, won: bool = False) -> None:
    """A deal of the customer was opened (or won) at ``at``: restart that rule's clock and
    withdraw a pending warning. Fed by the funnel's signals; without the funnel, deal rules
    do not count (see :func:`plugins.customers.pool_return.deal_rules_active`)."""
    ensure_states([customer_id])
    column = PoolState.last_won_at if won else PoolState.last_deal_at
    later = column.is_null() | (column < at)
    moved = PoolState.update({column: at, PoolState.warned_at: None, PoolState.warn_due: None,
                              PoolState.version: PoolState.version + 1}).where(
        (PoolState.customer == customer_id) & later).execute()
    if moved:
        resolve_warnings([customer_id], utcnow())
