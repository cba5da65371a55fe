"""Pools and claiming: visibility by department, claim / assign / release, limits, the re-claim
ban, locks, owner history and audit — through the services, on every backend."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from core.identity.models import AuditEntry
from plugins.customers import claims
from plugins.customers import pool as pools
from plugins.customers import pool_history as history
from plugins.customers.models import Customer
from plugins.customers.pool_common import PoolError, utcnow
from plugins.customers.pool_models import OwnerChange, Pool, PoolState
from plugins.customers.pool_testing import act_as, customer, team

pytestmark = pytest.mark.xietong_plugins("plugins.customers:plugin")


@pytest.fixture
def ctx(kernel, tenant):
    with kernel.tenant_context(tenant):
        people = team()
        act_as(people.boss)
        people.east_pool = pools.create_pool({"name": "East pool", "departments": [people.east.id],
                                              "daily_claims": 2, "max_held": 3, "reclaim_ban_days": 7})
        people.default = pools.default_pool()
        yield people


def test_a_fresh_tenant_has_one_default_pool(ctx):
    assert ctx.default is not None and ctx.default.is_default
    assert Pool.live().where(Pool.is_default == True).count() == 1  # noqa: E712


def test_pools_are_visible_to_their_departments_and_below(ctx):
    west_only = pools.create_pool({"name": "Service pool", "departments": [ctx.service.id]})
    assert pools.visible_pool_ids(ctx.east1) == {ctx.default.id, ctx.east_pool.id}
    assert pools.visible_pool_ids(ctx.north1) == {ctx.default.id}
    assert pools.visible_pool_ids(ctx.service1) == {ctx.default.id, west_only.id}
    assert ctx.east_pool.id in pools.visible_pool_ids(ctx.mgr)  # a manager sees the pools below
    assert pools.visible_pool_ids(ctx.boss) == {ctx.default.id, ctx.east_pool.id, west_only.id}
    assert pools.visible_pool_ids(ctx.fin) == frozenset()  # no right on customer_pool


def test_claim_sets_the_owner_records_history_and_audits(ctx):
    c = customer("Acme")
    got = claims.claim(ctx.east1, c.id)
    assert got.owner_id == ctx.east1.id
    state = PoolState.get(PoolState.customer == c.id)
    assert state.pool_id == ctx.default.id and state.owned_since is not None
    change = OwnerChange.get(OwnerChange.customer == c.id)
    assert (change.kind, change.to_user_id, change.actor_id, change.pool_id) == (
        "claim", ctx.east1.id, ctx.east1.id, ctx.default.id)
    entry = AuditEntry.get((AuditEntry.action == "claim") & (AuditEntry.record_id == str(c.id)))
    assert json.loads(entry.changes)["owner"] == [None, ctx.east1.id]
    assert [h["kind"] for h in history.owner_history(got)] == ["claim"]


def test_claiming_outside_your_pools_is_404_and_owned_is_409(ctx):
    hidden = customer("Hidden")
    PoolState.create(customer=hidden, pool=ctx.east_pool)
    with pytest.raises(PoolError) as err:
        claims.claim(ctx.north1, hidden.id)
    assert err.value.status == 404
    with pytest.raises(PoolError) as err:
        claims.claim(ctx.north1, 999999)
    assert err.value.status == 404
    owned = customer("Owned", owner=ctx.east1)
    with pytest.raises(PoolError) as err:
        claims.claim(ctx.east2, owned.id)
    assert err.value.status == 409
    assert Customer.get_by_id(owned.id).owner_id == ctx.east1.id


def test_claim_needs_the_claim_right(ctx):
    from core.identity.rules import set_right

    set_right("sales", "customer_pool", "claim", None)
    act_as(ctx.east1)
    c = customer("Needs right")
    with pytest.raises(PoolError) as err:
        claims.claim(ctx.east1, c.id)
    assert err.value.status == 403
    assert Customer.get_by_id(c.id).owner_id is None


def test_daily_claim_limit_is_a_clear_409(ctx):
    made = [customer(f"East {i}") for i in range(3)]
    for c in made:
        PoolState.create(customer=c, pool=ctx.east_pool)
    claims.claim(ctx.east1, made[0].id)
    claims.claim(ctx.east1, made[1].id)
    with pytest.raises(PoolError) as err:
        claims.claim(ctx.east1, made[2].id)
    assert err.value.status == 409 and err.value.code == "daily_limit"
    assert "daily claim limit" in err.value.message and "2 a day" in err.value.message
    assert Customer.get_by_id(made[2].id).owner_id is None
    # Tomorrow (tenant-local) the limit starts again.
    tomorrow = utcnow() + dt.timedelta(days=1)
    claims.claim(ctx.east1, made[2].id, now=tomorrow)
    assert Customer.get_by_id(made[2].id).owner_id == ctx.east1.id


def test_held_limit_counts_every_customer_the_user_holds(ctx):
    for i in range(3):
        customer(f"Held {i}", owner=ctx.east2)
    c = customer("One too many")
    PoolState.create(customer=c, pool=ctx.east_pool)
    with pytest.raises(PoolError) as err:
        claims.claim(ctx.east2, c.id)
    assert err.value.code == "held_limit" and "at most 3" in err.value.message
    with pytest.raises(PoolError) as err:  # a manager's assignment respects it too
        claims.assign(ctx.mgr, c.id, {"user": "east2"})
    assert err.value.code == "held_limit"


def test_previous_owner_may_not_reclaim_within_the_ban(ctx):
    c = customer("Boomerang")
    PoolState.create(customer=c, pool=ctx.east_pool)
    claims.claim(ctx.east1, c.id)
    claims.release(ctx.east1, c.id, "not interested")
    with pytest.raises(PoolError) as err:
        claims.claim(ctx.east1, c.id)
    assert err.value.code == "reclaim_ban" and "again from" in err.value.message
    later = utcnow() + dt.timedelta(days=7, minutes=1)
    claims.claim(ctx.east1, c.id, now=later)
    assert Customer.get_by_id(c.id).owner_id == ctx.east1.id
    c2 = customer("Other can")
    PoolState.create(customer=c2, pool=ctx.east_pool)
    claims.claim(ctx.east2, c2.id)
    claims.release(ctx.east2, c2.id, "moving on")
    claims.claim(ctx.east1, c2.id, now=later)  # the ban binds only the previous owner


def test_release_needs_a_reason_and_the_owner_or_a_manager(ctx):
    c = customer("Release me", owner=ctx.east1)
    with pytest.raises(PoolError) as err:
        claims.release(ctx.east1, c.id, "   ")
    assert err.value.status == 422 and "reason" in err.value.fields
    with pytest.raises(PoolError) as err:
        claims.release(ctx.east2, c.id, "mine now?")
    assert err.value.status == 404  # east2 cannot even see it
    released = claims.release(ctx.mgr, c.id, "reorganising East")
    assert released.owner_id is None
    change = OwnerChange.get((OwnerChange.customer == c.id) & (OwnerChange.kind == "release"))
    assert (change.from_user_id, change.actor_id) == (ctx.east1.id, ctx.mgr.id)
    assert change.reason == "reorganising East"
    with pytest.raises(PoolError) as err:
        claims.release(ctx.mgr, c.id, "again")
    assert err.value.status == 409


def test_assign_by_manager_within_their_subtree(ctx):
    c = customer("Assign me")
    with pytest.raises(PoolError) as err:
        claims.assign(ctx.east1, c.id, {"user": "east2"})
    assert err.value.status == 403  # sales have no assign right
    with pytest.raises(PoolError) as err:
        claims.assign(ctx.mgr, c.id, {"user": "service1"})
    assert err.value.status == 422 and "department" in err.value.message
    with pytest.raises(PoolError) as err:
        claims.assign(ctx.mgr, c.id, {"user": "nobody"})
    assert err.value.status == 422 and "user" in err.value.fields
    got = claims.assign(ctx.mgr, c.id, {"user": "north1", "reason": "regional"})
    assert got.owner_id == ctx.north1.id
    moved = claims.assign(ctx.mgr, c.id, {"user": ctx.east1.id})
    assert moved.owner_id == ctx.east1.id
    kinds = [(h["kind"], h["from_user"] and h["from_user"]["id"], h["to_user"]["id"])
             for h in history.owner_history(moved)]
    assert kinds == [("assign", ctx.north1.id, ctx.east1.id), ("assign", None, ctx.north1.id)]
    with pytest.raises(PoolError) as err:
        claims.assign(ctx.mgr, c.id, {"user": "east1"})
    assert err.value.status == 409


def test_lock_is_a_managers_right(ctx):
    c = customer("Key account", owner=ctx.east1)
    with pytest.raises(PoolError) as err:
        claims.set_locked(ctx.east1, c.id, True)
    assert err.value.status == 403
    state = claims.set_locked(ctx.mgr, c.id, True)
    assert state.locked and state.locked_by_id == ctx.mgr.id
    assert AuditEntry.select().where((AuditEntry.action == "lock")
                                     & (AuditEntry.record_id == str(c.id))).exists()
    assert not claims.set_locked(ctx.mgr, c.id, False).locked
    free = customer("In pool")
    with pytest.raises(PoolError) as err:
        claims.set_locked(ctx.mgr, free.id, True)
    assert err.value.status == 409


def test_pool_validation_and_deletion(ctx):
    with pytest.raises(PoolError) as err:
        pools.create_pool({"name": "Bad", "rules": [{"kind": "no_followup", "days": -5}]})
    assert err.value.status == 422 and "rules" in err.value.fields
    with pytest.raises(PoolError) as err:
        pools.create_pool({"name": "Bad", "warn_days": -1})
    assert err.value.status == 422
    with pytest.raises(PoolError) as err:
        pools.create_pool({"name": "Bad", "departments": [987654]})
    assert err.value.status == 422
    with pytest.raises(PoolError) as err:
        pools.create_pool({"name": "Bad", "owner": 1})
    assert err.value.status == 422  # unknown fields are refused
    c = customer("Sits in East")
    PoolState.create(customer=c, pool=ctx.east_pool)
    with pytest.raises(PoolError) as err:
        pools.delete_pool(ctx.east_pool)
    assert err.value.status == 409 and "holds 1 customers" in err.value.message
    with pytest.raises(PoolError) as err:
        pools.delete_pool(ctx.default)
    assert err.value.status == 409
    claims.move(ctx.boss, c.id, ctx.default.id)
    pools.delete_pool(ctx.east_pool)
    assert Pool.get_by_id(ctx.east_pool.id).deleted_at is not None
    assert ctx.east_pool.id not in pools.visible_pool_ids(ctx.boss)


def test_default_pool_switches_and_cannot_be_unset(ctx):
    with pytest.raises(PoolError) as err:
        pools.update_pool(ctx.default, {"is_default": False})
    assert err.value.status == 409
    pools.update_pool(ctx.east_pool, {"is_default": True})
    assert pools.default_pool().id == ctx.east_pool.id
    assert not Pool.get_by_id(ctx.default.id).is_default


def test_rules_replace_and_bump_the_revision(ctx):
    before = Pool.get_by_id(ctx.east_pool.id).rules_revision
    updated = pools.update_pool(ctx.east_pool, {"rules": [{"kind": "no_followup", "days": 30},
                                                          {"kind": "no_deal", "days": 60, "level": "A"}]})
    assert updated.rules_revision == before + 1
    assert sorted((r["kind"], r["days"], r["level"]) for r in pools.pool_dict(updated)["rules"]) == [
        ("no_deal", 60, "A"), ("no_followup", 30, "")]
    with pytest.raises(PoolError) as err:
        pools.update_pool(ctx.east_pool, {"rules": [{"kind": "no_followup", "days": 3},
                                                    {"kind": "no_followup", "days": 9}]})
    assert err.value.status == 422


def test_figures_count_the_pool(ctx):
    in_pool = [customer(f"P{i}") for i in range(3)]
    claims.claim(ctx.east1, in_pool[0].id)
    figures = pools.pool_figures(ctx.default)
    assert figures["in_pool"] == 2 and figures["claimed_today"] == 1 and figures["claimed_30d"] == 1
    assert figures["held"] == 1
