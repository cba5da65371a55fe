"""The issue's acceptance run: a tenant with two pools and rules, 10,000 customers whose ages
spread over a year; the return task warns first, then moves exactly the right customers, and
a second run moves nothing. The expectation is computed here independently of the task."""

from __future__ import annotations

import datetime as dt
import random
import time

import pytest

from core.identity.models import AuditEntry
from plugins.customers import pool as pools
from plugins.customers import pool_return
from plugins.customers.models import Customer
from plugins.customers.pool_common import day_start, utcnow
from plugins.customers.pool_models import OwnerChange, PoolNotice, PoolState
from plugins.customers.pool_testing import act_as, bulk_customers, team

pytestmark = pytest.mark.xietong_plugins("plugins.customers:plugin")
DAY = dt.timedelta(days=1)
COUNT = 10_000


def _expected(rows: list[dict], pool_rules: dict[str, tuple[int, list[tuple[int, str]]]], now: dt.datetime,
              warned: set[int], warned_at: dt.datetime | None) -> tuple[set[int], set[int]]:
    """(to warn, to return) at ``now``, by the issue's rules, for rows still owned."""
    warn, back = set(), set()
    for row in rows:
        if row["owner"] is None or row["locked"]:
            continue
        warn_days, rules = pool_rules[row["pool"]]
        reference = max(row["created_at"], row["followup"] or row["created_at"])
        deadlines = [reference + days * DAY for days, level in rules if level in ("", row["custom"]["level"])]
        if not deadlines:
            continue
        deadline = min(deadlines)
        if now < deadline - warn_days * DAY:
            continue
        if row["id"] not in warned:
            warn.add(row["id"])
        elif now >= max(deadline, day_start(warned_at, warn_days)):
            back.add(row["id"])
    return warn, back


def test_ten_thousand_customers_two_pools(kernel, tenant, capsys):
    rng = random.Random(2024)
    with kernel.tenant_context(tenant):
        people = team()
        act_as(people.boss)
        default = pools.update_pool(pools.default_pool(), {
            "warn_days": 5, "rules": [{"kind": "no_followup", "days": 60}]})
        east = pools.create_pool({"name": "East", "departments": [people.east.id], "warn_days": 3, "rules": [
            {"kind": "no_followup", "days": 30}, {"kind": "no_followup", "days": 10, "level": "C"}]})
        pool_rules = {"default": (5, [(60, "")]), "east": (3, [(30, ""), (10, "C")])}
        owners = [people.east1.id, people.east2.id, people.north1.id, people.service1.id, None]
        t0 = utcnow().replace(microsecond=0)
        rows = []
        for i in range(COUNT):
            created = t0 - dt.timedelta(seconds=rng.randrange(365 * 86400))
            owner = rng.choice(owners)
            followup = created + (t0 - created) * rng.random() if rng.random() < 0.4 else None
            rows.append({"name": f"Customer {i:05d}", "owner": owner, "created_at": created,
                         "custom": {"level": rng.choice("ABC")}, "followup": followup,
                         "locked": owner is not None and rng.random() < 0.03,
                         "pool": "east" if owner in (people.east1.id, people.east2.id) else "default"})
        bulk_customers([{k: r[k] for k in ("name", "owner", "created_at", "custom")} for r in rows])
        ids = [c for (c,) in Customer.select(Customer.id).order_by(Customer.id).tuples()]
        for row, ident in zip(rows, ids, strict=True):
            row["id"] = ident
        states = [{"customer": r["id"], "last_followup_at": r["followup"], "locked": r["locked"],
                   "version": 1} for r in rows if r["followup"] or r["locked"]]
        for start in range(0, len(states), 500):
            PoolState.insert_many(states[start:start + 500]).execute()

        # Run 1: warnings only (both pools give notice first).
        want_warn, want_back = _expected(rows, pool_rules, t0, set(), None)
        started = time.perf_counter()
        first = pool_return.run_returns(now=t0)
        first_seconds = time.perf_counter() - started
        warned = {s.customer_id for s in PoolState.select().where(PoolState.warned_at.is_null(False))}
        assert warned == want_warn and not want_back
        assert (first["warned"], first["returned"]) == (len(want_warn), 0)
        by_pool = {row["id"]: row["pool"] for row in rows}
        east_warned = [c for c in warned if by_pool[c] == "east"]
        assert {s.pool_id for s in PoolState.select().where(PoolState.customer.in_(east_warned))} == {east.id}
        notices = PoolNotice.select().where(PoolNotice.kind == "pool_warning").count()
        assert notices == len(want_warn)
        again = pool_return.run_returns(now=t0)
        assert (again["warned"], again["returned"]) == (0, 0)

        # Run 2, five days later: the warned customers go back; newcomers to the window are warned.
        t5 = t0 + 5 * DAY
        new_warn, want_back = _expected(rows, pool_rules, t5, warned, t0)
        started = time.perf_counter()
        second = pool_return.run_returns(now=t5)
        second_seconds = time.perf_counter() - started
        assert want_back == warned  # every warned customer's deadline fell within its notice
        assert second["returned"] == len(want_back) and second["warned"] == len(new_warn)
        now_owned = {c for (c,) in Customer.select(Customer.id).where(Customer.owner.is_null(False)).tuples()}
        assert not (now_owned & want_back)
        assert {r["id"] for r in rows if r["owner"] is not None} - want_back == now_owned
        locked_ids = {r["id"] for r in rows if r["locked"]}
        assert locked_ids <= now_owned
        returns = OwnerChange.select().where(OwnerChange.kind == "return")
        assert {r.customer_id for r in returns} == want_back
        assert AuditEntry.select().where(AuditEntry.action == "return").count() == len(want_back)
        warned_first = {n.customer_id for n in PoolNotice.select().where(
            (PoolNotice.kind == "pool_warning") & (PoolNotice.created_at == t0))}
        assert want_back <= warned_first  # nobody lost a customer without notice
        third = pool_return.run_returns(now=t5)
        assert (third["warned"], third["returned"]) == (0, 0)

        unowned = sum(1 for row in rows if row["owner"] is None)  # they sit in the default pool
        back_east = sum(1 for c in want_back if by_pool[c] == "east")
        assert pools.pool_figures(east, t5)["in_pool"] == back_east
        assert pools.pool_figures(default, t5)["in_pool"] == unowned + len(want_back) - back_east
        assert pools.pool_figures(east, t5)["returned_30d"] == back_east
    with capsys.disabled():
        print(f"\n[pool return, {COUNT} customers] run 1: {first['warned']} warned in {first_seconds:.2f}s; "
              f"run 2: {second['returned']} returned, {second['warned']} warned in {second_seconds:.2f}s")
