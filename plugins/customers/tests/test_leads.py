"""Leads: the resource (owner by default, lead pool on request), claiming from the lead pool,
and conversion into customer + contact in one step with a duplicate check."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from core.identity.models import AuditEntry
from core.web.testing import bearer
from plugins.customers import leads
from plugins.customers.leads_models import Lead
from plugins.customers.models import Contact, Customer
from plugins.customers.pool_common import PoolError
from plugins.customers.pool_testing import act_as, team

pytestmark = pytest.mark.xietong_plugins("plugins.customers:plugin")
ACME = {"name": "深圳市极光科技有限公司", "contact_name": "王芳", "title": "采购经理",
        "mobile": "13900139000", "email": "wang@jiguang.example", "source": "exhibition", "region": "广东"}


@pytest.fixture
def world(kernel, tenant, client):
    with kernel.tenant_context(tenant):
        people = team()
        act_as(people.boss)
    headers = {name: bearer(kernel, tenant, getattr(people, name))
               for name in ("boss", "mgr", "east1", "north1")}
    return SimpleNamespace(people=people, h=headers, client=client, kernel=kernel, tenant=tenant,
                           url=lambda path: f"/t/{tenant}/api/v1{path}")


def _create(world, user: str, **data) -> dict:
    got = world.client.post(world.url("/leads"), json={**ACME, **data}, headers=world.h[user])
    assert got.status_code == 201, got.get_json()
    return got.get_json()


def test_a_lead_belongs_to_its_creator_or_to_the_lead_pool(world):
    mine = _create(world, "east1")
    assert mine["owner_id"] == world.people.east1.id and mine["status"] == "new"
    pooled = _create(world, "east1", name="Pool Co", in_pool=True)
    assert pooled["owner_id"] is None
    in_pool = world.client.get(world.url("/leads/pool"), headers=world.h["north1"]).get_json()["items"]
    assert [lead["id"] for lead in in_pool] == [pooled["id"]]
    assert world.client.get(world.url(f"/leads/{mine['id']}"), headers=world.h["north1"]).status_code == 404
    assert world.client.get(world.url(f"/leads/{pooled['id']}"), headers=world.h["north1"]).status_code == 200
    bad = world.client.post(world.url("/leads"), json={"name": "X", "owner_id": 1}, headers=world.h["east1"])
    assert bad.status_code == 422
    bad = world.client.post(world.url("/leads"), json={"name": "X", "source": "pigeon"},
                            headers=world.h["east1"])
    assert bad.status_code == 422


def test_claim_release_assign_in_the_lead_pool(world):
    pooled = _create(world, "east1", name="Pool Co", in_pool=True)
    url = world.url(f"/leads/{pooled['id']}")
    got = world.client.post(f"{url}/claim", headers=world.h["north1"])
    assert got.status_code == 200 and got.get_json()["owner_id"] == world.people.north1.id
    assert world.client.post(f"{url}/claim", headers=world.h["east1"]).status_code == 404  # north1's now
    assert world.client.post(f"{url}/release", json={}, headers=world.h["north1"]).status_code == 422
    back = world.client.post(f"{url}/release", json={"reason": "wrong region"}, headers=world.h["north1"])
    assert back.status_code == 200 and back.get_json()["owner_id"] is None
    refused = world.client.post(f"{url}/assign", json={"user": "east2"}, headers=world.h["east1"])
    assert refused.status_code == 403
    given = world.client.post(f"{url}/assign", json={"user": "east2"}, headers=world.h["mgr"])
    assert given.status_code == 200 and given.get_json()["owner_id"] == world.people.east2.id
    with world.kernel.tenant_context(world.tenant):
        actions = [e.action for e in AuditEntry.select().where(
            (AuditEntry.entity == "lead") & (AuditEntry.record_id == str(pooled["id"]))
        ).order_by(AuditEntry.id)]
    assert actions == ["create", "claim", "release", "assign"]


def test_convert_in_one_step_with_a_duplicate_check(world):
    lead = _create(world, "east1")
    url = world.url(f"/leads/{lead['id']}/convert")
    converted = world.client.post(url, json={}, headers=world.h["east1"])
    assert converted.status_code == 201, converted.get_json()
    body = converted.get_json()
    assert body["lead"]["status"] == "converted" and body["lead"]["customer_id"] == body["customer"]["id"]
    assert body["customer"]["name"] == ACME["name"] and body["customer"]["owner_id"] == world.people.east1.id
    assert body["contact"]["name"] == "王芳" and body["contact"]["mobile"] == "13900139000"
    assert body["deal"] is None
    assert world.client.post(url, json={}, headers=world.h["east1"]).status_code == 409
    patched = world.client.patch(world.url(f"/leads/{lead['id']}"), json={"note": "x"},
                                 headers=world.h["east1"])
    assert patched.status_code == 409

    # The same company again, spelled differently: a likely duplicate.
    twin = _create(world, "north1", name="深圳市 极光科技股份有限公司", mobile="", email="")
    twin_url = world.url(f"/leads/{twin['id']}/convert")
    refused = world.client.post(twin_url, json={}, headers=world.h["north1"])
    assert refused.status_code == 409
    error = refused.get_json()["error"]
    assert error["code"] == "duplicates" and error["details"]["hidden"] == 1  # north1 cannot see east1's
    assert "merge_into" in error["message"]
    with world.kernel.tenant_context(world.tenant):
        assert Customer.select().count() == 1 and Lead.get_by_id(twin["id"]).status == "new"
    forced = world.client.post(twin_url, json={"force": True, "contact": False}, headers=world.h["north1"])
    assert forced.status_code == 201 and forced.get_json()["contact"] is None


def test_convert_into_an_existing_customer(world):
    lead = _create(world, "east1")
    first = world.client.post(world.url(f"/leads/{lead['id']}/convert"), json={}, headers=world.h["east1"])
    customer_id = first.get_json()["customer"]["id"]
    other = _create(world, "east1", contact_name="李雷", mobile="13700137000")
    merged = world.client.post(world.url(f"/leads/{other['id']}/convert"), json={"merge_into": customer_id},
                               headers=world.h["east1"])
    assert merged.status_code == 201 and merged.get_json()["customer"]["id"] == customer_id
    with world.kernel.tenant_context(world.tenant):
        contacts = Contact.select().where(Contact.customer == customer_id)
        assert sorted(c.name for c in contacts) == ["李雷", "王芳"]
    third = _create(world, "north1", name="Elsewhere Ltd")
    hidden = world.client.post(world.url(f"/leads/{third['id']}/convert"), json={"merge_into": customer_id},
                               headers=world.h["north1"])
    assert hidden.status_code == 422 and "merge_into" in hidden.get_json()["error"]["fields"]


def test_convert_rolls_back_as_a_whole(world):
    lead = _create(world, "east1", name="Broken Contact Co")
    with world.kernel.tenant_context(world.tenant):
        Lead.update(email="not-an-email").where(Lead.id == lead["id"]).execute()
    got = world.client.post(world.url(f"/leads/{lead['id']}/convert"),
                            json={"customer": {"email": "ok@broken.example"}}, headers=world.h["east1"])
    assert got.status_code == 422 and "contact.email" in got.get_json()["error"]["fields"]
    with world.kernel.tenant_context(world.tenant):
        assert not Customer.select().where(Customer.name == "Broken Contact Co").exists()
        assert Lead.get_by_id(lead["id"]).status == "new"


def test_deal_needs_the_funnel(world):
    lead = _create(world, "east1")
    got = world.client.post(world.url(f"/leads/{lead['id']}/convert"),
                            json={"deal": {"title": "First order"}},
                            headers=world.h["east1"])
    assert got.status_code == 422 and "deal" in got.get_json()["error"]["fields"]


def test_converting_needs_the_right_and_the_lead(world):
    pooled = _create(world, "east1", name="Pool Co", in_pool=True)
    with world.kernel.tenant_context(world.tenant):
        act_as(world.people.north1)
        with pytest.raises(PoolError) as err:
            leads.convert(world.people.north1, pooled["id"], {})
        assert err.value.status == 403  # a pool lead is claimed first
        with pytest.raises(PoolError) as err:
            leads.convert(world.people.north1, 987654, {})
        assert err.value.status == 404


@pytest.mark.xietong_plugins("plugins.customers:plugin", "plugins.funnel:plugin")
def test_convert_opens_a_deal_when_the_funnel_is_on(world):
    from plugins.customers.pool_models import PoolState
    from plugins.funnel.models import Deal

    lead = _create(world, "east1")
    got = world.client.post(world.url(f"/leads/{lead['id']}/convert"),
                            json={"deal": {"title": "First order", "amount": "15000.00"}},
                            headers=world.h["east1"])
    assert got.status_code == 201, got.get_json()
    body = got.get_json()
    assert body["deal"]["title"] == "First order" and body["deal"]["amount"] == "15000.00"
    with world.kernel.tenant_context(world.tenant):
        deal = Deal.get_by_id(body["deal"]["id"])
        assert deal.customer_id == body["customer"]["id"] and deal.owner_id == world.people.east1.id
        state = PoolState.get(PoolState.customer == deal.customer_id)
        assert state.last_deal_at is not None  # the funnel's signal restarted the "no new deal" clock
    bad = _create(world, "east1", name="Bad Amount Co", mobile="13600136000", email="bad@amount.example")
    refused = world.client.post(world.url(f"/leads/{bad['id']}/convert"),
                                json={"deal": {"title": "X", "amount": "-5"}}, headers=world.h["east1"])
    assert refused.status_code == 422 and "deal.amount" in refused.get_json()["error"]["fields"]
    with world.kernel.tenant_context(world.tenant):
        assert not Customer.select().where(Customer.name == "Bad Amount Co").exists()
