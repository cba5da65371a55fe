"""The pool endpoints of CONTRACT.md over HTTP: statuses, error shapes, keyset pages, field
rules, concurrent claims (one wins, the other 409) and the module switch."""

from __future__ import annotations

import datetime as dt
import threading
from types import SimpleNamespace

import pytest

from core.identity.rules import create_field_rule
from core.web.testing import bearer
from plugins.customers import pool as pools
from plugins.customers import pool_return
from plugins.customers.models import Customer
from plugins.customers.pool_common import utcnow
from plugins.customers.pool_models import OwnerChange, PoolState
from plugins.customers.pool_testing import act_as, customer, team

pytestmark = pytest.mark.xietong_plugins("plugins.customers:plugin")


@pytest.fixture
def world(kernel, tenant, client):
    with kernel.tenant_context(tenant):
        people = team()
        act_as(people.boss)
        east = pools.create_pool({"name": "East", "departments": [people.east.id], "daily_claims": 1})
        pool_customers = [customer(f"Pooled {i}", phone=f"1380013800{i}") for i in range(4)]
        east_customer = customer("East only")
        PoolState.create(customer=east_customer, pool=east)
        default_id = pools.default_pool().id
    headers = {name: bearer(kernel, tenant, getattr(people, name))
               for name in ("boss", "mgr", "east1", "east2", "north1", "fin")}
    return SimpleNamespace(people=people, h=headers, client=client, kernel=kernel, tenant=tenant,
                           east=east, default_id=default_id, pooled=pool_customers,
                           east_customer=east_customer, url=lambda path: f"/t/{tenant}/api/v1{path}")


def test_pool_list_and_figures(world):
    got = world.client.get(world.url("/pools"), headers=world.h["north1"])
    assert got.status_code == 200 and got.get_json()["next"] is None
    [only] = got.get_json()["items"]
    assert only["id"] == world.default_id and only["figures"]["in_pool"] == 4
    listed = world.client.get(world.url("/pools"), headers=world.h["east1"]).get_json()["items"]
    assert "East" in {p["name"] for p in listed}
    assert world.client.get(world.url("/pools"), headers=world.h["fin"]).status_code == 403
    hidden = world.client.get(world.url(f"/pools/{world.east.id}"), headers=world.h["north1"])
    assert hidden.status_code == 404


def test_pool_writes(world):
    h = world.h["boss"]
    assert world.client.post(world.url("/pools"), json={"name": "X"},
                             headers=world.h["east1"]).status_code == 403
    negative = {"name": "X", "rules": [{"kind": "no_followup", "days": -3}]}
    bad = world.client.post(world.url("/pools"), json=negative, headers=h)
    assert bad.status_code == 422
    body = bad.get_json()["error"]
    assert body["code"] == "validation_error" and "rules" in body["fields"]
    north = {"name": "North", "departments": [world.people.north.id],
             "rules": [{"kind": "no_followup", "days": 20}]}
    made = world.client.post(world.url("/pools"), json=north, headers=h)
    assert made.status_code == 201 and made.get_json()["rules"][0]["days"] == 20
    pool_id = made.get_json()["id"]
    patched = world.client.patch(world.url(f"/pools/{pool_id}"), json={"warn_days": 2}, headers=h)
    assert patched.status_code == 200 and patched.get_json()["warn_days"] == 2
    refused = world.client.delete(world.url(f"/pools/{world.east.id}"), headers=h)
    assert refused.status_code == 409 and "holds 1 customers" in refused.get_json()["error"]["message"]
    assert world.client.delete(world.url(f"/pools/{pool_id}"), headers=h).status_code == 204
    assert world.client.get(world.url(f"/pools/{pool_id}"), headers=h).status_code == 404
    assert world.client.post(world.url("/pools"), data="{", headers={**h, "Content-Type": "application/json"}
                             ).status_code == 400


def test_pool_customers_pages_and_field_rules(world):
    with world.kernel.tenant_context(world.tenant):
        create_field_rule("customer", "phone", "mask", role="sales")
    url = world.url(f"/pools/{world.default_id}/customers")
    first = world.client.get(url, query_string={"limit": 3, "sort": "name"},
                             headers=world.h["north1"]).get_json()
    assert [c["name"] for c in first["items"]] == ["Pooled 0", "Pooled 1", "Pooled 2"]
    assert first["items"][0]["phone"] == "138****8000"
    rest = world.client.get(url, query_string={"limit": 3, "sort": "name", "cursor": first["next"]},
                            headers=world.h["north1"]).get_json()
    assert [c["name"] for c in rest["items"]] == ["Pooled 3"] and rest["next"] is None
    boss = world.client.get(url, query_string={"q": "Pooled 1"}, headers=world.h["boss"]).get_json()
    assert [c["phone"] for c in boss["items"]] == ["13800138001"]
    assert world.client.get(url, query_string={"sort": "phone"}, headers=world.h["boss"]).status_code == 400
    assert world.client.get(world.url(f"/pools/{world.east.id}/customers"),
                            headers=world.h["north1"]).status_code == 404


def test_claim_release_assign_owners(world):
    c = world.pooled[0].id
    got = world.client.post(world.url(f"/customers/{c}/claim"), headers=world.h["east1"])
    assert got.status_code == 200 and got.get_json()["owner_id"] == world.people.east1.id
    again = world.client.post(world.url(f"/customers/{c}/claim"), headers=world.h["east2"])
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "not_in_pool"
    hidden = world.client.post(world.url(f"/customers/{world.east_customer.id}/claim"),
                               headers=world.h["north1"])
    assert hidden.status_code == 404
    absent = world.client.post(world.url("/customers/999999/claim"), headers=world.h["east1"])
    assert absent.status_code == 404
    # The East pool allows one claim a day.
    assert world.client.post(world.url(f"/customers/{world.east_customer.id}/claim"),
                             headers=world.h["east2"]).status_code == 200
    with world.kernel.tenant_context(world.tenant):
        second = customer("East two")
        PoolState.create(customer=second, pool=world.east)
    limited = world.client.post(world.url(f"/customers/{second.id}/claim"), headers=world.h["east2"])
    assert limited.status_code == 409
    error = limited.get_json()["error"]
    assert error["code"] == "daily_limit" and "daily claim limit" in error["message"]
    assert error["details"] == {"claimed_today": 1, "limit": 1}

    no_reason = world.client.post(world.url(f"/customers/{c}/release"), json={}, headers=world.h["east1"])
    assert no_reason.status_code == 422 and "reason" in no_reason.get_json()["error"]["fields"]
    extra = world.client.post(world.url(f"/customers/{c}/release"), json={"reason": "x", "owner_id": 1},
                              headers=world.h["east1"])
    assert extra.status_code == 422
    released = world.client.post(world.url(f"/customers/{c}/release"), json={"reason": "no budget this year"},
                                 headers=world.h["east1"])
    assert released.status_code == 200 and released.get_json()["owner_id"] is None
    assert world.client.post(world.url(f"/customers/{c}/assign"), json={"user": "north1"},
                             headers=world.h["east1"]).status_code == 403
    assigned = world.client.post(world.url(f"/customers/{c}/assign"),
                                 json={"user": "north1", "reason": "region"},
                                 headers=world.h["mgr"])
    assert assigned.status_code == 200 and assigned.get_json()["owner_id"] == world.people.north1.id
    history = world.client.get(world.url(f"/customers/{c}/owners"), headers=world.h["north1"]).get_json()
    assert [h["kind"] for h in history["items"]] == ["assign", "release", "claim"]
    assert history["items"][1]["reason"] == "no budget this year"
    assert history["items"][1]["from_user"]["id"] == world.people.east1.id
    assert history["state"]["pool"]["id"] == world.default_id
    assert world.client.get(world.url(f"/customers/{c}/owners"), headers=world.h["east2"]).status_code == 404


def test_lock_and_move(world):
    c = world.pooled[1].id
    world.client.post(world.url(f"/customers/{c}/claim"), headers=world.h["east1"])
    assert world.client.post(world.url(f"/customers/{c}/lock"), json={"locked": True},
                             headers=world.h["east1"]).status_code == 403
    locked = world.client.post(world.url(f"/customers/{c}/lock"), json={"locked": True},
                               headers=world.h["mgr"])
    assert locked.status_code == 200 and locked.get_json()["locked"] is True
    bad = world.client.post(world.url(f"/customers/{c}/lock"), json={"locked": "yes please"},
                            headers=world.h["mgr"])
    assert bad.status_code == 422
    moved = world.client.post(world.url(f"/customers/{c}/move"), json={"pool": world.east.id},
                              headers=world.h["mgr"])
    assert moved.status_code == 200 and moved.get_json()["pool"]["id"] == world.east.id


def _claim_at_once(app, world, customer_id: int, users: tuple[str, ...]) -> list[int]:
    """Several users claim one customer at the same moment; their statuses."""
    barrier = threading.Barrier(len(users))
    results: list[int] = []

    def claim(user: str) -> None:
        client = app.test_client()
        barrier.wait()
        results.append(client.post(world.url(f"/customers/{customer_id}/claim"),
                                   headers=world.h[user]).status_code)

    threads = [threading.Thread(target=claim, args=(name,)) for name in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_concurrent_claims_one_wins(world):
    app = world.client.application
    for target in world.pooled:
        results = _claim_at_once(app, world, target.id, ("east1", "north1"))
        assert sorted(results) == [200, 409]
        with world.kernel.tenant_context(world.tenant):
            owner = Customer.get_by_id(target.id).owner_id
            assert owner in (world.people.east1.id, world.people.north1.id)
            assert OwnerChange.select().where(OwnerChange.customer == target.id).count() == 1


def test_one_user_cannot_race_past_the_daily_limit(world):
    with world.kernel.tenant_context(world.tenant):
        second = customer("East two")
        PoolState.create(customer=second, pool=world.east)
    app = world.client.application
    barrier = threading.Barrier(2)
    results: list[int] = []

    def claim(customer_id: int) -> None:
        client = app.test_client()
        barrier.wait()
        results.append(client.post(world.url(f"/customers/{customer_id}/claim"),
                                   headers=world.h["east2"]).status_code)

    threads = [threading.Thread(target=claim, args=(c,)) for c in (world.east_customer.id, second.id)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [200, 409]  # the East pool allows one claim a day
    with world.kernel.tenant_context(world.tenant):
        owned = Customer.select().where(Customer.owner == world.people.east2.id).count()
        assert owned == 1


def test_notices_after_a_warning(world):
    with world.kernel.tenant_context(world.tenant):
        pools.update_pool(pools.default_pool(), {"rules": [{"kind": "no_followup", "days": 1}]})
        mine = customer("Old", owner=world.people.north1, created_at=utcnow() - dt.timedelta(days=5))
        pool_return.run_returns()
    url = world.url("/pool-notices")
    got = world.client.get(url, query_string={"unread": "1"}, headers=world.h["north1"])
    [notice] = got.get_json()["items"]
    assert notice["kind"] == "pool_warning" and notice["customer_id"] == mine.id
    read = world.client.post(world.url(f"/pool-notices/{notice['id']}/read"), headers=world.h["north1"])
    assert read.status_code == 200 and read.get_json()["read_at"]
    unread = world.client.get(url, query_string={"unread": "1"}, headers=world.h["north1"])
    assert unread.get_json()["items"] == []
    assert world.client.post(world.url(f"/pool-notices/{notice['id']}/read"),
                             headers=world.h["east2"]).status_code == 404


def test_openapi_describes_the_pool_endpoints(world):
    doc = world.client.get(world.url("/openapi.json"), headers=world.h["boss"]).get_json()
    for path in ("/pools", "/pools/{pool_id}/customers", "/customers/{customer_id}/claim",
                 "/customers/{customer_id}/release", "/customers/{customer_id}/assign",
                 "/customers/{customer_id}/owners", "/customers/{customer_id}/followups",
                 "/customers/{customer_id}/collaborators", "/leads", "/leads/{lead_id}/convert"):
        assert path in doc["paths"], path


def test_a_tenant_without_customers_has_no_pools(kernel, tenant_factory, client):
    slug = tenant_factory(modules=[])
    with kernel.tenant_context(slug):
        from core.identity.services import create_user

        boss = create_user("boss", role="admin")
    headers = bearer(kernel, slug, boss)
    assert client.get(f"/t/{slug}/api/v1/pools", headers=headers).status_code == 404
    assert client.post(f"/t/{slug}/api/v1/customers/1/claim", headers=headers).status_code == 404
