"""Stage changes on the customer's timeline (the customers plugin's signal), by permission."""

from __future__ import annotations

from core.web.testing import bearer
from plugins.funnel.tests.helpers import deal, fresh


def _timeline(client, kernel, tenant, person, customer, kinds="stage_change"):
    response = client.get(f"/t/{tenant}/api/v1/customers/{customer.id}/timeline?kinds={kinds}",
                          headers=bearer(kernel, tenant, person))
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.json["items"]


def test_stage_changes_are_beads_on_the_customers_timeline(client, kernel, tenant, world):
    from plugins.funnel.services import move_stage

    sam, customer = world.sam, world.customers["sam1"]
    with kernel.tenant_context(tenant):
        made = deal(sam, customer, title="ERP rollout")
        move_stage(fresh(sam), made, "preferred")
    items = _timeline(client, kernel, tenant, sam, customer)
    assert [item["kind"] for item in items] == ["stage_change", "stage_change"]
    assert items[0]["title"].startswith("ERP rollout: ") and "→" in items[0]["title"]
    assert items[0]["extra"]["to"] == "preferred" and items[1]["extra"]["from"] is None
    assert items[0]["url"] == f"/t/{tenant}/deals/{made.id}"
    assert items[0]["source"] == "funnel"

    # the merged timeline carries them too, beside the customers plugin's own kinds
    merged = _timeline(client, kernel, tenant, sam, customer, kinds="stage_change,note")
    assert {item["key"] for item in merged} >= {item["key"] for item in items}


def test_deals_the_user_cannot_read_leave_no_beads(client, kernel, tenant, world):
    sue, boss = world.sue, world.boss
    customer = world.customers["sam1"]
    with kernel.tenant_context(tenant):
        from plugins.customers.models import Customer

        Customer.update(owner=sue.id).where(Customer.id == customer.id).execute()  # sue's customer now
        deal(boss, customer, title="Boss's own deal", owner_id=boss.id)
    assert _timeline(client, kernel, tenant, sue, customer) == []  # sue cannot read boss's deal
    assert [i["title"].split(":")[0] for i in _timeline(client, kernel, tenant, boss, customer)] == [
        "Boss's own deal"]


def test_no_beads_when_the_funnel_is_disabled(client, kernel, tenant, world):
    sam, customer = world.sam, world.customers["sam1"]
    with kernel.tenant_context(tenant):
        deal(sam, customer)
    kernel.disable_modules(tenant, ["funnel"])
    assert _timeline(client, kernel, tenant, sam, customer, kinds="stage_change,note") == []
