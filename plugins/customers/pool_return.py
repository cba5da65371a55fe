"""The automatic return: owned customers that nobody follows up go back to their pool.

Run by the periodic task ``customers.pool_return`` (once a day per tenant) or by hand
(``xietong pool return --tenant SLUG``). For each pool with ``auto_return`` and rules:

1. every customer gets a pool-state row and a home pool (:func:`sync_states`);
2. each owned, unlocked customer's *deadline* is the earliest, over the rules that apply to
   its level, of ``max(owner got it, last follow-up / new deal / won deal) + N days``;
3. from ``deadline - warn_days`` on, the owner is warned once (an in-app notice); the customer
   returns once the deadline has passed *and* ``warn_days`` local days have gone by since the
   warning (so nobody loses a customer without notice); ``warn_days = 0`` returns at the
   deadline without a warning;
4. a warning whose customer was followed up, locked or whose rule was relaxed is withdrawn.

It is idempotent: a customer returned or warned once is not returned or warned again. Each
batch re-reads the pool's ``rules_revision`` under a lock and starts over when the rules
changed while the task was running; each customer's state ``version`` and owner are checked
again under that lock, so a follow-up, claim or lock that lands meanwhile wins.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import peewee
from flask import g

from core.identity.models import AuditEntry, User
from core.identity.permissions import department_subtree
from core.settings import get_setting
from plugins.customers import pool_history as history
from plugins.customers.claims import enter_pool
from plugins.customers.models import Customer
from plugins.customers.pool import default_pool, department_ids, live_pools
from plugins.customers.pool_common import announce, day_start, for_update, utcnow, write_transaction
from plugins.customers.pool_models import OwnerChange, Pool, PoolNotice, PoolRule, PoolState
from plugins.customers.pool_signals import customers_returned, customers_warned

log = logging.getLogger(__name__)
BATCH = 500
ATTEMPTS = 5
LEVEL_SETTING = "customers.pool.level_field"
REFERENCE = {"no_followup": "last_followup_at", "no_deal": "last_deal_at", "no_won_deal": "last_won_at"}
DEAL_KINDS = ("no_deal", "no_won_deal")


class RulesChanged(Exception):
    """The pool's rules changed since they were read: evaluate again."""


@dataclass
class Decision:
    customer: int
    owner: int
    version: int
    name: str
    deadline: dt.datetime
    rule: PoolRule
    due: dt.datetime | None = None


@dataclass
class Plan:
    revision: int
    warn: list[Decision] = field(default_factory=list)
    ret: list[Decision] = field(default_factory=list)
    clear: list[int] = field(default_factory=list)


# -- step 1: every customer has a state and a home pool -----------------------------------


def sync_states() -> int:
    """Create missing pool-state rows, start owners' clocks, and give each a home pool.

    Set-based (a few statements whatever the number of customers). Returns rows created.
    """
    missing = Customer.select(Customer.id, peewee.Value(False), peewee.Value(1)).where(
        ~peewee.fn.EXISTS(PoolState.select(PoolState.id).where(PoolState.customer == Customer.id)))
    columns = [PoolState.customer, PoolState.locked, PoolState.version]
    created = PoolState.insert_from(missing, columns).execute()
    owned = Customer.select(Customer.id).where(Customer.owner.is_null(False))
    PoolState.update(
        owned_since=Customer.select(Customer.created_at).where(Customer.id == PoolState.customer)
    ).where(PoolState.owned_since.is_null() & PoolState.customer.in_(owned)).execute()
    for pool in live_pools():
        depts = department_ids(pool)
        if not depts:
            continue
        subtree = {d for dept in depts for d in department_subtree(dept)}
        members = User.select(User.id).where(User.department.in_(sorted(subtree)))
        PoolState.update(pool=pool.id).where(
            PoolState.pool.is_null()
            & PoolState.customer.in_(Customer.select(Customer.id).where(Customer.owner.in_(members)))
        ).execute()
    fallback = default_pool()
    if fallback is not None:
        PoolState.update(pool=fallback.id).where(PoolState.pool.is_null()).execute()
    return created if isinstance(created, int) else 0


# -- step 2 and 3: decide -----------------------------------------------------------------


def _rule_condition(rule: PoolRule, threshold: dt.datetime) -> peewee.Expression:
    reference = getattr(PoolState, REFERENCE[rule.kind])
    return (PoolState.owned_since <= threshold) & (reference.is_null() | (reference <= threshold))


def _level(custom: Any, level_field: str) -> str:
    value = (custom or {}).get(level_field) if isinstance(custom, dict) else None
    return "" if value is None else str(value)


def evaluate(pool: Pool, rules: list[PoolRule], now: dt.datetime) -> Plan:
    """Decide, for one pool, whom to warn, whom to return and whose warning to withdraw."""
    plan = Plan(revision=pool.rules_revision)
    warn_days = pool.warn_days
    notice = dt.timedelta(days=warn_days)
    condition = PoolState.warned_at.is_null(False)
    for rule in rules:
        condition = condition | _rule_condition(rule, now - dt.timedelta(days=rule.days - warn_days))
    level_field = get_setting(LEVEL_SETTING, "level") if any(r.level for r in rules) else ""
    custom = Customer.custom if level_field else peewee.Value(None)  # JSON decoded only when needed
    query = (
        PoolState.select(PoolState.customer, PoolState.version, PoolState.owned_since, PoolState.warned_at,
                         PoolState.last_followup_at, PoolState.last_deal_at, PoolState.last_won_at,
                         Customer.owner, Customer.name, custom)
        .join(Customer, on=(PoolState.customer == Customer.id))
        .where((PoolState.pool == pool.id) & Customer.owner.is_null(False) & Customer.deleted_at.is_null()
               & (PoolState.locked == False) & PoolState.owned_since.is_null(False) & condition)  # noqa: E712
        .order_by(PoolState.customer)
        .tuples()
    )
    due_after_warning: dict[dt.datetime, dt.datetime] = {}
    warn_from_now = day_start(now, warn_days)
    for ident, version, owned_since, warned_at, followup, deal, won, owner, name, custom in query:
        references = {"no_followup": followup, "no_deal": deal, "no_won_deal": won}
        level = _level(custom, level_field) if level_field else ""
        found = None
        for rule in rules:
            if rule.level and rule.level != level:
                continue
            last = references[rule.kind]
            deadline = max(owned_since, last or owned_since) + dt.timedelta(days=rule.days)
            if found is None or deadline < found[0]:
                found = (deadline, rule)
        if found is None or now < found[0] - notice:
            if warned_at is not None:
                plan.clear.append(ident)
            continue
        decision = Decision(ident, owner, version, name, *found)
        if warn_days == 0:
            if now >= decision.deadline:
                plan.ret.append(decision)
        elif warned_at is None:
            decision.due = max(decision.deadline, warn_from_now)
            plan.warn.append(decision)
        else:
            if warned_at not in due_after_warning:
                due_after_warning[warned_at] = day_start(warned_at, warn_days)
            if now >= max(decision.deadline, due_after_warning[warned_at]):
                plan.ret.append(decision)
    return plan


# -- applying -----------------------------------------------------------------------------


def _check_revision(pool_id: int, revision: int) -> None:
    current = for_update(Pool.select(Pool.rules_revision).where(Pool.id == pool_id)).scalar()
    if current != revision:
        raise RulesChanged()


def _still_valid(batch: list[Decision]) -> list[Decision]:
    """The decisions whose customer did not move since it was evaluated (rows locked)."""
    ids = [d.customer for d in batch]
    rows = for_update(
        PoolState.select(PoolState.customer, PoolState.version, PoolState.locked, Customer.owner)
        .join(Customer, on=(PoolState.customer == Customer.id))
        .where(PoolState.customer.in_(ids) & Customer.deleted_at.is_null())
    ).tuples()
    now_seen = {c: (v, locked, owner) for c, v, locked, owner in rows}
    return [d for d in batch if now_seen.get(d.customer) == (d.version, False, d.owner)]


def _warn(pool: Pool, plan: Plan, now: dt.datetime) -> int:
    count = 0
    for start in range(0, len(plan.warn), BATCH):
        with write_transaction():
            _check_revision(pool.id, plan.revision)
            batch = _still_valid(plan.warn[start:start + BATCH])
            by_due: dict[dt.datetime | None, list[int]] = {}
            for d in batch:
                by_due.setdefault(d.due, []).append(d.customer)
            for due, ids in by_due.items():
                PoolState.update(warned_at=now, warn_due=due, version=PoolState.version + 1).where(
                    PoolState.customer.in_(ids)).execute()
            if batch:
                PoolNotice.insert_many([
                    {"user": d.owner, "kind": "pool_warning", "customer": d.customer, "due_at": d.due,
                     "created_at": now, "params": _params(pool, d)} for d in batch
                ]).execute()
        count += len(batch)
        if batch:
            announce(customers_warned, customer_ids=[d.customer for d in batch], pool=pool)
    return count


def _params(pool: Pool, d: Decision) -> dict[str, Any]:
    return {"name": d.name, "pool": pool.name, "rule": d.rule.kind, "days": d.rule.days}


def _return(pool: Pool, plan: Plan, now: dt.datetime) -> int:
    count = 0
    for start in range(0, len(plan.ret), BATCH):
        with write_transaction():
            _check_revision(pool.id, plan.revision)
            batch = _still_valid(plan.ret[start:start + BATCH])
            if batch:
                _apply_returns(pool, batch, now)
        count += len(batch)
        if batch:
            announce(customers_returned, customer_ids=[d.customer for d in batch], pool=pool,
                     previous={d.customer: d.owner for d in batch},
                     reasons={d.customer: history.rule_reason(d.rule.kind, d.rule.days) for d in batch})
    return count


def _apply_returns(pool: Pool, batch: list[Decision], now: dt.datetime) -> None:
    by_owner: dict[int, list[int]] = {}
    for d in batch:
        by_owner.setdefault(d.owner, []).append(d.customer)
    for owner, ids in by_owner.items():
        Customer.update(owner=None, updated_at=now, version=Customer.version + 1).where(
            Customer.id.in_(ids) & (Customer.owner == owner)).execute()
    ids = [d.customer for d in batch]
    enter_pool(ids, pool.id, now)
    history.left_owner(ids, {d.customer: d.owner for d in batch}, now, to_pool=True)
    OwnerChange.insert_many([
        {"customer": d.customer, "kind": "return", "from_user": d.owner, "to_user": None, "actor": None,
         "pool": pool.id, "reason": history.rule_reason(d.rule.kind, d.rule.days), "rule_kind": d.rule.kind,
         "rule_days": d.rule.days, "at": now} for d in batch
    ]).execute()
    PoolNotice.insert_many([
        {"user": d.owner, "kind": "pool_returned", "customer": d.customer, "created_at": now,
         "params": _params(pool, d)} for d in batch
    ]).execute()
    # The audit log's own row shape (core.identity.audit.audit), written in one statement per batch.
    AuditEntry.insert_many([
        {"at": now, "user": None, "username": "", "action": "return", "entity": "customer",
         "record_id": str(d.customer), "address": "", "changes": _changes(d, pool)} for d in batch
    ]).execute()


def _changes(d: Decision, pool: Pool) -> str:
    reason = history.rule_reason(d.rule.kind, d.rule.days)
    changes = {"owner": [d.owner, None], "pool": [None, pool.id], "reason": [None, reason]}
    return json.dumps(changes, ensure_ascii=False, sort_keys=True)


def _clear(pool: Pool, plan: Plan, now: dt.datetime) -> int:
    for chunk in history.chunks(plan.clear):
        with write_transaction():
            _check_revision(pool.id, plan.revision)
            PoolState.update(warned_at=None, warn_due=None, version=PoolState.version + 1).where(
                PoolState.customer.in_(chunk)).execute()
            history.resolve_warnings(chunk, now)
    return len(plan.clear)


# -- the task -----------------------------------------------------------------------------


def deal_rules_active() -> bool:
    """Deal rules count only where the funnel module records deals."""
    tenant = g.get("tenant")
    return tenant is not None and "funnel" in tenant.enabled


@contextmanager
def as_system() -> Iterator[None]:
    """Audit what the task does as the system's, even when a signed-in request runs it."""
    user = g.pop("user", None)
    try:
        yield
    finally:
        if user is not None:
            g.user = user


def process_pool(pool_id: int, now: dt.datetime, deal_rules: bool | None = None) -> dict[str, int]:
    """Warn, return and withdraw warnings in one pool; re-evaluates when its rules change."""
    with as_system():
        return _process_pool(pool_id, now, deal_rules_active() if deal_rules is None else deal_rules)


def _process_pool(pool_id: int, now: dt.datetime, deal_rules: bool) -> dict[str, int]:
    outcome = {"warned": 0, "returned": 0, "cleared": 0, "restarts": 0}
    for _attempt in range(ATTEMPTS):
        pool = Pool.live().where(Pool.id == pool_id).get_or_none()
        if pool is None or not pool.auto_return:
            return outcome
        rules = [r for r in pool.rules.order_by(PoolRule.id) if deal_rules or r.kind not in DEAL_KINDS]
        plan = evaluate(pool, rules, now)
        try:
            outcome["cleared"] += _clear(pool, plan, now)
            outcome["returned"] += _return(pool, plan, now)
            outcome["warned"] += _warn(pool, plan, now)
            return outcome
        except RulesChanged:
            outcome["restarts"] += 1
            log.info("rules of pool %s changed during the return task; evaluating again", pool_id)
    log.warning("rules of pool %s kept changing; the return task leaves it for its next run", pool_id)
    return outcome


def run_returns(now: dt.datetime | None = None, deal_rules: bool | None = None) -> dict[str, Any]:
    """The whole task for the current tenant; returns what it did, per pool and in total."""
    now = now or utcnow()
    sync_states()
    report: dict[str, Any] = {"warned": 0, "returned": 0, "cleared": 0, "pools": {}}
    for pool in live_pools().where(Pool.auto_return == True):  # noqa: E712
        outcome = process_pool(pool.id, now, deal_rules)
        report["pools"][pool.id] = outcome
        for key in ("warned", "returned", "cleared"):
            report[key] += outcome[key]
    return report


def periodic_return(kernel: Any) -> dict[str, Any]:
    """Entry of the periodic task (``core.contrib.PeriodicTask``)."""
    report = run_returns()
    log.info("pool return in %s: %s warned, %s returned, %s warnings withdrawn", g.tenant.slug,
             report["warned"], report["returned"], report["cleared"])
    return report
