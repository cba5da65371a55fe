"""Collaborators are treated like co-owners on the one permission path: the record check and
the list filter agree; write only with read-write; expired gives nothing."""

from __future__ import annotations

import datetime as dt

import pytest

from core.identity.permissions import can, visible
from plugins.customers import claims, collaborators
from plugins.customers.collaborators_models import Collaborator
from plugins.customers.models import Customer
from plugins.customers.pool_common import PoolError, utcnow
from plugins.customers.pool_testing import act_as, customer, fresh, team

pytestmark = pytest.mark.xietong_plugins("plugins.customers:plugin")


@pytest.fixture
def ctx(kernel, tenant):
    with kernel.tenant_context(tenant):
        people = team()
        act_as(people.east1)
        people.acme = customer("Acme", owner=people.east1)
        people.other = customer("Other", owner=people.east1)
        yield people


def _listed(user, action="read") -> set[int]:
    fresh()
    return {c.id for c in visible(Customer.select(), user, "customer", Customer, action)}


def _paths_agree(user, record, action) -> bool:
    """The record check and the list filter must give the same answer; returns it."""
    fresh()
    single = can(user, action, "customer", record)
    assert single == (record.id in _listed(user, action)), (user.username, action)
    return single


def test_read_collaborator_reads_but_does_not_write(ctx):
    assert not can(ctx.north1, "read", "customer", ctx.acme)
    collaborators.add(ctx.east1, ctx.acme.id, {"user": "north1", "access": "read"})
    assert _paths_agree(ctx.north1, ctx.acme, "read")
    assert not _paths_agree(ctx.north1, ctx.acme, "export")  # sales have no export right at all
    assert not _paths_agree(ctx.north1, ctx.acme, "write")
    assert ctx.other.id not in _listed(ctx.north1)
    assert not can(ctx.north1, "delete", "customer", ctx.acme)


def test_write_collaborator_writes_on_both_paths(ctx):
    collaborators.add(ctx.east1, ctx.acme.id, {"user": "north1", "access": "write"})
    assert _paths_agree(ctx.north1, ctx.acme, "read")
    assert _paths_agree(ctx.north1, ctx.acme, "write")


def test_expired_collaborators_get_nothing(ctx):
    now = utcnow()
    row = collaborators.add(ctx.east1, ctx.acme.id, {
        "user": "north1", "access": "write",
        "expires_at": (now + dt.timedelta(hours=1)).replace(tzinfo=dt.UTC).isoformat()})
    assert can(ctx.north1, "write", "customer", ctx.acme)
    Collaborator.update(expires_at=now - dt.timedelta(seconds=1)).where(Collaborator.id == row.id).execute()
    fresh()
    assert not can(ctx.north1, "read", "customer", ctx.acme)
    assert ctx.acme.id not in _listed(ctx.north1)
    assert collaborators.listing(ctx.east1, ctx.acme.id)[0]["expired"] is True
    with pytest.raises(PoolError) as err:
        collaborators.add(ctx.east1, ctx.acme.id, {"user": "north1", "expires_at": "2001-01-01T00:00:00Z"})
    assert err.value.status == 422


def test_who_may_share(ctx):
    collaborators.add(ctx.east1, ctx.acme.id, {"user": "north1", "access": "write"})
    with pytest.raises(PoolError) as err:  # a collaborator may not share further
        collaborators.add(ctx.north1, ctx.acme.id, {"user": "east2"})
    assert err.value.status == 403
    with pytest.raises(PoolError) as err:  # nor may someone who cannot see it
        collaborators.add(ctx.east2, ctx.acme.id, {"user": "north1"})
    assert err.value.status == 404
    collaborators.add(ctx.mgr, ctx.acme.id, {"user": "east2"})  # a manager over the owner may
    with pytest.raises(PoolError) as err:
        collaborators.add(ctx.east1, ctx.acme.id, {"user": "east1"})
    assert err.value.status == 409  # the owner is no collaborator
    with pytest.raises(PoolError) as err:
        collaborators.add(ctx.east1, ctx.acme.id, {"user": "ghost"})
    assert err.value.status == 422
    with pytest.raises(PoolError) as err:
        collaborators.add(ctx.east1, ctx.acme.id, {"user": "fin", "access": "admin"})
    assert err.value.status == 422 and "access" in err.value.fields
    names = [c["user"]["username"] for c in collaborators.listing(ctx.east1, ctx.acme.id)]
    assert names == ["north1", "east2"]


def test_changing_and_removing(ctx):
    collaborators.add(ctx.east1, ctx.acme.id, {"user": "north1"})
    collaborators.update(ctx.east1, ctx.acme.id, ctx.north1.id, {"access": "write"})
    assert can(ctx.north1, "write", "customer", ctx.acme)
    collaborators.add(ctx.east1, ctx.acme.id, {"user": "north1", "access": "read"})  # re-sharing changes
    fresh()
    assert not can(ctx.north1, "write", "customer", ctx.acme)
    collaborators.remove(ctx.north1, ctx.acme.id, ctx.north1.id)  # leaving by oneself is allowed
    fresh()
    assert not can(ctx.north1, "read", "customer", ctx.acme)
    with pytest.raises(PoolError) as err:
        collaborators.remove(ctx.east1, ctx.acme.id, ctx.north1.id)
    assert err.value.status == 404


def test_customers_going_to_the_pool_lose_their_collaborators(ctx):
    collaborators.add(ctx.east1, ctx.acme.id, {"user": "north1"})
    claims.release(ctx.east1, ctx.acme.id, "no budget")
    fresh()
    assert not Collaborator.select().where(Collaborator.customer == ctx.acme.id).exists()
    assert ctx.acme.id in _listed(ctx.north1)  # still readable: it is in a pool north1 sees
    assert not can(ctx.north1, "write", "customer", Customer.get_by_id(ctx.acme.id))


def test_pool_members_read_pool_customers_on_both_paths(ctx):
    from plugins.customers import pool as pools
    from plugins.customers.pool_models import PoolState

    act_as(ctx.boss)
    east_pool = pools.create_pool({"name": "East", "departments": [ctx.east.id]})
    in_default = customer("Pooled")
    in_east = customer("East only")
    PoolState.create(customer=in_east, pool=east_pool)
    assert _paths_agree(ctx.service1, in_default, "read")
    assert not _paths_agree(ctx.service1, in_default, "write")
    assert not _paths_agree(ctx.service1, in_east, "read")
    assert _paths_agree(ctx.east2, in_east, "read")
