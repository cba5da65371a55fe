"""The automatic return: warnings first, then the return; idempotent; locks, follow-ups, levels,
deal rules, and rules that change while the task runs."""

from __future__ import annotations

import datetime as dt

import pytest

from core.identity.models import AuditEntry
from plugins.customers import claims, collaborators, followups, pool_return
from plugins.customers import pool as pools
from plugins.customers import pool_history as history
from plugins.customers.collaborators_models import Collaborator
from plugins.customers.followups_models import FollowupPlan
from plugins.customers.models import Customer
from plugins.customers.pool_common import utcnow
from plugins.customers.pool_models import OwnerChange, PoolNotice, PoolState
from plugins.customers.pool_testing import act_as, customer, team

pytestmark = pytest.mark.xietong_plugins("plugins.customers:plugin")
DAY = dt.timedelta(days=1)


@pytest.fixture
def ctx(kernel, tenant):
    with kernel.tenant_context(tenant):
        people = team()
        act_as(people.boss)
        people.default = pools.update_pool(pools.default_pool(), {
            "warn_days": 3, "rules": [{"kind": "no_followup", "days": 30}]})
        people.t0 = utcnow()
        yield people


def _owner(c: Customer) -> int | None:
    return Customer.get_by_id(c.id).owner_id


def _warned(c: Customer) -> bool:
    return PoolState.get(PoolState.customer == c.id).warned_at is not None


def test_warn_first_then_return_and_never_twice(ctx):
    t0 = ctx.t0
    overdue = customer("Overdue", owner=ctx.east1, created_at=t0 - 40 * DAY)
    near = customer("Near", owner=ctx.east1, created_at=t0 - 28 * DAY)
    young = customer("Young", owner=ctx.east1, created_at=t0 - 10 * DAY)
    free = customer("Free", created_at=t0 - 300 * DAY)
    collaborators.add(ctx.east1, overdue.id, {"user": "east2"})
    followups.create_plan(ctx.east1, overdue.id, {"due_at": (t0 + 10 * DAY).isoformat() + "Z"})

    report = pool_return.run_returns(now=t0)
    assert (report["warned"], report["returned"]) == (2, 0)
    assert _warned(overdue) and _warned(near) and not _warned(young)
    notices = PoolNotice.select().where((PoolNotice.user == ctx.east1.id)
                                        & (PoolNotice.kind == "pool_warning"))
    assert sorted(n.customer_id for n in notices) == sorted([overdue.id, near.id])
    assert pool_return.run_returns(now=t0)["warned"] == 0  # idempotent

    assert pool_return.run_returns(now=t0 + DAY)["returned"] == 0  # the owner had 3 days' notice
    report = pool_return.run_returns(now=t0 + 3 * DAY)
    assert report["returned"] == 2
    assert _owner(overdue) is None and _owner(near) is None and _owner(young) == ctx.east1.id
    assert _owner(free) is None
    change = OwnerChange.get((OwnerChange.customer == overdue.id) & (OwnerChange.kind == "return"))
    assert (change.from_user_id, change.actor_id, change.rule_kind, change.rule_days) == (
        ctx.east1.id, None, "no_followup", 30)
    assert change.reason == "no follow-up for 30 days"
    audit = AuditEntry.get((AuditEntry.action == "return") & (AuditEntry.record_id == str(overdue.id)))
    assert audit.user is None and "no follow-up for 30 days" in audit.changes
    assert not Collaborator.select().where(Collaborator.customer == overdue.id).exists()
    plan = FollowupPlan.get(FollowupPlan.customer == overdue.id)
    assert plan.cancelled_at is not None
    state = PoolState.get(PoolState.customer == overdue.id)
    assert state.warned_at is None and state.entered_pool_at is not None and state.owned_since is None
    returned = PoolNotice.select().where((PoolNotice.kind == "pool_returned")
                                         & (PoolNotice.user == ctx.east1.id))
    assert returned.count() == 2
    again = pool_return.run_returns(now=t0 + 3 * DAY)
    assert (again["warned"], again["returned"]) == (0, 0)
    assert OwnerChange.select().where(OwnerChange.kind == "return").count() == 2
    kinds = [h["kind"] for h in history.owner_history(Customer.get_by_id(overdue.id))]
    assert kinds == ["return"]


def test_a_followup_withdraws_the_warning_and_restarts_the_clock(ctx):
    t0 = ctx.t0
    c = customer("Saved by a call", owner=ctx.east1, created_at=t0 - 40 * DAY)
    pool_return.run_returns(now=t0)
    assert _warned(c)
    followups.create_followup(ctx.east1, c.id, {"kind": "call", "content": "Still interested"}, now=t0 + DAY)
    assert not _warned(c)
    notice = PoolNotice.get(PoolNotice.customer == c.id)
    assert notice.resolved_at is not None
    report = pool_return.run_returns(now=t0 + 3 * DAY)
    assert (report["warned"], report["returned"]) == (0, 0)
    assert _owner(c) == ctx.east1.id
    # 30 days after that call, minus the 3 days' warning, the owner is warned again.
    assert pool_return.run_returns(now=t0 + 28 * DAY)["warned"] == 1


def test_locked_customers_are_exempt(ctx):
    t0 = ctx.t0
    c = customer("Key account", owner=ctx.east1, created_at=t0 - 200 * DAY)
    pool_return.run_returns(now=t0)
    assert _warned(c)
    claims.set_locked(ctx.mgr, c.id, True, now=t0)
    assert not _warned(c)
    for days in (0, 3, 60):
        report = pool_return.run_returns(now=t0 + days * DAY)
        assert (report["warned"], report["returned"]) == (0, 0)
    assert _owner(c) == ctx.east1.id


def test_no_warning_days_returns_at_the_deadline(ctx):
    pools.update_pool(ctx.default, {"warn_days": 0})
    t0 = ctx.t0
    gone = customer("Gone", owner=ctx.north1, created_at=t0 - 31 * DAY)
    kept = customer("Kept", owner=ctx.north1, created_at=t0 - 29 * DAY)
    report = pool_return.run_returns(now=t0)
    assert (report["warned"], report["returned"]) == (0, 1)
    assert _owner(gone) is None and _owner(kept) == ctx.north1.id


def test_rules_per_level_take_the_earliest_deadline(ctx):
    pools.update_pool(ctx.default, {"rules": [{"kind": "no_followup", "days": 30},
                                              {"kind": "no_followup", "days": 10, "level": "C"}]})
    t0 = ctx.t0
    low = customer("Level C", owner=ctx.east1, created_at=t0 - 12 * DAY, custom={"level": "C"})
    high = customer("Level A", owner=ctx.east1, created_at=t0 - 12 * DAY, custom={"level": "A"})
    pool_return.run_returns(now=t0)
    assert _warned(low) and not _warned(high)
    pool_return.run_returns(now=t0 + 3 * DAY)
    assert _owner(low) is None and _owner(high) == ctx.east1.id
    change = OwnerChange.get(OwnerChange.customer == low.id)
    assert change.rule_days == 10


def test_customers_return_to_their_departments_pool(ctx):
    east_pool = pools.create_pool({"name": "East", "departments": [ctx.east.id], "warn_days": 1,
                                   "rules": [{"kind": "no_followup", "days": 5}]})
    t0 = ctx.t0
    east_c = customer("East customer", owner=ctx.east2, created_at=t0 - 8 * DAY)
    north_c = customer("North customer", owner=ctx.north1, created_at=t0 - 8 * DAY)
    pool_return.run_returns(now=t0)
    assert PoolState.get(PoolState.customer == east_c.id).pool_id == east_pool.id
    assert PoolState.get(PoolState.customer == north_c.id).pool_id == ctx.default.id
    assert _warned(east_c) and not _warned(north_c)  # 8 days is under the default pool's 30
    pool_return.run_returns(now=t0 + DAY)
    assert _owner(east_c) is None
    in_east = [c.id for c in pools.customers_in(east_pool, Customer.id)]
    assert in_east == [east_c.id]


def test_deal_rules_count_only_where_deals_are_recorded(ctx):
    pools.update_pool(ctx.default, {"rules": [{"kind": "no_deal", "days": 30}]})
    t0 = ctx.t0
    dealing = customer("Dealing", owner=ctx.east1, created_at=t0 - 60 * DAY)
    idle = customer("Idle", owner=ctx.east1, created_at=t0 - 60 * DAY)
    history.note_deal(dealing.id, t0 - 5 * DAY)
    assert pool_return.run_returns(now=t0)["warned"] == 0  # no funnel in this tenant: not counted
    report = pool_return.run_returns(now=t0, deal_rules=True)
    assert report["warned"] == 1 and _warned(idle) and not _warned(dealing)
    history.note_deal(idle.id, t0, won=True)  # any deal news withdraws the warning…
    assert not _warned(idle)
    report = pool_return.run_returns(now=t0 + DAY, deal_rules=True)
    assert report["warned"] == 1 and _warned(idle)  # …but a won deal is no new deal: warned again
    history.note_deal(idle.id, t0 + DAY)  # a new deal restarts this rule's clock
    assert pool_return.run_returns(now=t0 + 5 * DAY, deal_rules=True)["warned"] == 0
    assert _owner(idle) == ctx.east1.id


def test_a_rule_changed_while_the_task_runs_is_obeyed(ctx, monkeypatch):
    t0 = ctx.t0
    c = customer("Borderline", owner=ctx.east1, created_at=t0 - 40 * DAY)
    pool_return.sync_states()
    real = pool_return.evaluate
    calls = []

    def evaluate_then_relax(pool, rules, now):
        plan = real(pool, rules, now)
        if not calls:  # an admin relaxes the rule after the task read it
            pools.update_pool(pool, {"rules": [{"kind": "no_followup", "days": 90}]})
        calls.append(plan)
        return plan

    monkeypatch.setattr(pool_return, "evaluate", evaluate_then_relax)
    outcome = pool_return.process_pool(ctx.default.id, t0)
    assert outcome["restarts"] == 1 and outcome["warned"] == 0
    assert len(calls[0].warn) == 1 and calls[1].warn == []  # the first plan was thrown away
    assert not _warned(c)


def test_a_followup_landing_mid_run_wins(ctx, monkeypatch):
    t0 = ctx.t0
    pools.update_pool(ctx.default, {"warn_days": 0})
    busy = customer("Busy", owner=ctx.east1, created_at=t0 - 40 * DAY)
    other = customer("Other", owner=ctx.east1, created_at=t0 - 40 * DAY)
    pool_return.sync_states()
    real = pool_return.evaluate

    def evaluate_then_follow_up(pool, rules, now):
        plan = real(pool, rules, now)
        followups.note_followup(busy.id, now)  # recorded after the task looked
        return plan

    monkeypatch.setattr(pool_return, "evaluate", evaluate_then_follow_up)
    assert pool_return.process_pool(ctx.default.id, t0)["returned"] == 1
    assert _owner(busy) == ctx.east1.id and _owner(other) is None


def test_the_periodic_task_runs_per_tenant(app, kernel, tenant_factory):
    slug = tenant_factory()
    with kernel.tenant_context(slug):
        people = team()
        pools.update_pool(pools.default_pool(), {"warn_days": 0,
                                                 "rules": [{"kind": "no_followup", "days": 7}]})
        c = customer("Old", owner=people.east1, created_at=utcnow() - 9 * DAY)
    plugin, periodic = next((p, t) for p, t in kernel.periodic_tasks if t.name == "customers.pool_return")
    outcome = app.extensions["xietong.queue"].run_periodic(plugin, periodic)
    assert outcome[slug] == "ok"
    with kernel.tenant_context(slug):
        assert _owner(c) is None


def test_the_command_line_runs_the_return(kernel, tenant):
    from click.testing import CliRunner

    from core.cli import main

    with kernel.tenant_context(tenant):
        people = team()
        rules = [{"kind": "no_followup", "days": 7}]
        pools.update_pool(pools.default_pool(), {"warn_days": 0, "rules": rules})
        c = customer("Old", owner=people.east1, created_at=utcnow() - 9 * DAY)
    runner = CliRunner()
    done = runner.invoke(main, ["pool", "return", "--tenant", tenant], obj=kernel, catch_exceptions=False)
    assert done.exit_code == 0 and f"{tenant}: 0 warned, 1 returned" in done.output
    with kernel.tenant_context(tenant):
        assert _owner(c) is None
    unknown = runner.invoke(main, ["pool", "return", "--tenant", "nosuch"], obj=kernel)
    assert unknown.exit_code == 2 and "unknown tenant 'nosuch'" in unknown.output
