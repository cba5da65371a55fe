"""The owner history records every change of owner, whoever makes it: claims and returns (the
pool's), handovers and owner edits (the customers module's), with who, when and why."""

from __future__ import annotations

import datetime as dt

import pytest

from core.errors import ApiError
from plugins.customers import claims, pool_history, services
from plugins.customers.handover import hand_over
from plugins.customers.models import Customer
from plugins.customers.pool_common import utcnow
from plugins.customers.pool_models import OwnerChange, PoolState
from plugins.customers.pool_testing import act_as, customer, team

pytestmark = pytest.mark.xietong_plugins("plugins.customers:plugin")


@pytest.fixture
def ctx(kernel, tenant):
    with kernel.tenant_context(tenant):
        people = team()
        act_as(people.mgr)
        yield people


def test_a_handover_is_in_the_history_and_restarts_the_clock(ctx):
    old = utcnow() - dt.timedelta(days=90)
    mine = [customer(f"Leaver {i}", owner=ctx.east1, created_at=old) for i in range(3)]
    hand_over(ctx.mgr, "east1", "east2", reason="east1 left the company")
    for c in mine:
        [change] = pool_history.owner_history(Customer.get_by_id(c.id))
        people = (change["from_user"]["id"], change["to_user"]["id"], change["actor"]["id"])
        assert change["kind"] == "handover" and people == (ctx.east1.id, ctx.east2.id, ctx.mgr.id)
        assert change["reason"] == "east1 left the company"
        state = PoolState.get(PoolState.customer == c.id)
        assert state.owned_since > old + dt.timedelta(days=80)


def test_a_failed_handover_leaves_no_history(ctx):
    c = customer("Not theirs", owner=ctx.east1)
    with pytest.raises(ApiError):
        hand_over(ctx.mgr, "east2", "north1", customer_ids=[c.id])
    assert not OwnerChange.select().exists()


def test_an_owner_edit_is_in_the_history(ctx):
    c = customer("Edited", owner=ctx.east1)
    services.update_customer(ctx.mgr, Customer.get_by_id(c.id), {"owner_id": ctx.north1.id})
    [change] = pool_history.owner_history(Customer.get_by_id(c.id))
    assert (change["kind"], change["from_user"]["id"], change["to_user"]["id"]) == ("edit", ctx.east1.id,
                                                                                   ctx.north1.id)
    claims.release(ctx.north1, c.id, "not mine")  # the pool's own changes are not recorded twice
    kinds = [h["kind"] for h in pool_history.owner_history(Customer.get_by_id(c.id))]
    assert kinds == ["release", "edit"]
