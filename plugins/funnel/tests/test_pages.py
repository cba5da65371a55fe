"""Pages in English and Chinese, the record tabs, the widgets and the handover signal."""

from __future__ import annotations

import datetime as dt

import pytest
from flask import g

from core.identity.models import utcnow
from core.web.testing import login
from plugins.funnel import aggregates, services, widgets
from plugins.funnel.models import Deal
from plugins.funnel.tests.helpers import deal, fresh


def _backdate(deal_id: int, days: int) -> None:
    Deal.update(stage_changed_at=utcnow() - dt.timedelta(days=days)).where(Deal.id == deal_id).execute()
    aggregates.rebuild()


@pytest.fixture
def deals_made(world, kernel):
    with kernel.tenant_context(world.tenant):
        old = deal(world.sam, world.customers["sam1"], "50000", title="Old tender")
        services.move_stage(fresh(world.sam), old, "negotiation")
        _backdate(old.id, 90)
        fresh_deal = deal(world.sue, world.customers["sue1"], "20000", title="New lead",
                          co_owner_ids=[world.cal.id])
    return {"old": old.id, "new": fresh_deal.id}


@pytest.mark.parametrize("language, words", [("en", ("Sales funnel", "Salespeople")),
                                             ("zh_CN", ("销售漏斗", "业务员"))])
def test_report_page_in_both_languages(world, kernel, client, deals_made, language, words):
    with kernel.tenant_context(world.tenant):
        from core.identity.services import update_user

        update_user(fresh(world.boss), {"language": language})
    login(client, world.tenant, world.boss)
    page = client.get(f"/t/{world.tenant}/funnel/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and all(word in html for word in words)
    assert "Old tender" in html and "table-warning" in html  # the stale cell is highlighted
    assert f"owner_id={world.sam.id}&amp;stage=negotiation" in html  # click-through to the deals


def test_drill_down_forecast_ranking_and_settings(world, client, deals_made):
    base = f"/t/{world.tenant}/funnel"
    login(client, world.tenant, world.mia)
    person = client.get(f"{base}/people/{world.sam.id}").get_data(as_text=True)
    assert "Old tender" in person and "table-warning" in person
    assert client.get(f"{base}/people/{world.cal.id}").status_code == 404  # outside mia's team
    assert client.get(f"{base}/forecast").status_code == 200
    assert "Sam customer 1" in client.get(f"{base}/ranking").get_data(as_text=True)
    assert client.get(f"{base}/settings").status_code == 403
    login(client, world.tenant, world.boss)
    assert client.get(f"{base}/settings").status_code == 200
    saved = client.post(f"{base}/settings", data={"csrf_token": login(client, world.tenant, world.boss),
                                                  "action": "settings", "stale_days": "7",
                                                  "high_probability": "60"})
    assert saved.status_code == 302
    assert client.get(f"/t/{world.tenant}/api/v1/funnel/settings").get_json() == {
        "stale_days": 7, "high_probability": 60}


def test_deal_pages_history_tab_and_stage_buttons(world, kernel, client, deals_made):
    csrf = login(client, world.tenant, world.sam)
    base = f"/t/{world.tenant}"
    listing = client.get(f"{base}/deals/?stale=1").get_data(as_text=True)
    assert "Old tender" in listing and "New lead" not in listing
    assert client.get(f"{base}/deals/{deals_made['new']}").status_code == 404  # sue's deal
    record = client.get(f"{base}/deals/{deals_made['old']}")
    assert record.status_code == 200 and "funnel/deals/" in record.get_data(as_text=True)
    tab = client.get(f"{base}/funnel/deals/{deals_made['old']}/history").get_data(as_text=True)
    assert 'data-testid="stage-history"' in tab and 'name="stage" value="won"' in tab
    moved = client.post(f"{base}/funnel/deals/{deals_made['old']}/stage",
                        data={"csrf_token": csrf, "stage": "contract", "version": "2"})
    assert moved.status_code == 302
    stale = client.post(f"{base}/funnel/deals/{deals_made['old']}/stage",
                        data={"csrf_token": csrf, "stage": "won", "version": "2"})
    assert stale.status_code == 302  # back to the deal with a warning, nothing changed
    with kernel.tenant_context(world.tenant):
        assert Deal.get_by_id(deals_made["old"]).stage.key == "contract"
    login(client, world.tenant, world.cal)  # a co-owner sees sue's deal, not sam's
    assert client.get(f"{base}/deals/{deals_made['new']}").status_code == 200
    assert client.get(f"{base}/funnel/deals/{deals_made['old']}/history").status_code == 404


def test_customer_deals_tab_and_widgets(world, kernel, app, deals_made):
    # The request outside, the tenant inside: on PostgreSQL the request's teardown would
    # otherwise close the tenant context's connection under it.
    with app.test_request_context(f"/t/{world.tenant}/"), kernel.tenant_context(world.tenant):
        g.user = fresh(world.sam)
        tabs = [t for group in g.tenant.hooks.crm_record_tabs(
            kernel=kernel, entity="customer", record=world.customers["sam1"], user=g.user) for t in group]
        assert [(t.key, t.count) for t in tabs if t.endpoint.startswith("funnel_")] == [("deals", 1)]
        mine = widgets.my_pipeline(kernel, g.user, {})
        assert mine["kind"] == "stats" and any("50,000.00" in item["value"] for item in mine["items"])
        stale = widgets.stale_deals(kernel, g.user, {"limit": 5})
        assert [item["title"] for item in stale["items"]] == ["Old tender"]
        assert widgets.team_funnel(kernel, g.user, {})["kind"] == "chart"
        assert widgets.quota_progress(kernel, g.user, {})["label"]
        g.user = fresh(world.cal)
        assert widgets.stale_deals(kernel, g.user, {})["items"] == []


def test_handover_moves_open_deals(world, kernel, deals_made):
    from plugins.customers.signals import customers_handed_over

    with kernel.tenant_context(world.tenant):
        services.move_stage(None, deal(world.sam, world.customers["sam2"], "1"), "won")
        customers_handed_over.send("customer", tenant=world.tenant, from_user=fresh(world.sam),
                                   to_user=fresh(world.sue), user=fresh(world.boss),
                                   customer_ids=[world.customers["sam1"].id, world.customers["sam2"].id],
                                   moved_ids=[], reason="left the company")
        owners = {d.title: (d.owner_id, d.status) for d in Deal.select()}
        assert owners["Old tender"] == (world.sue.id, "open")
        assert owners["Deal"] == (world.sam.id, "won")  # closed deals stay with who won them
        assert aggregates.stored() == aggregates.from_scratch()


def test_open_a_deal_from_the_customer_tab(world, kernel, client, deals_made):
    csrf = login(client, world.tenant, world.sam)
    base = f"/t/{world.tenant}/funnel/customers"
    tab = client.get(f"{base}/{world.customers['sam1'].id}/deals").get_data(as_text=True)
    assert "Old tender" in tab and 'data-testid="new-deal"' in tab
    assert client.get(f"{base}/{world.customers['cal1'].id}/deals").status_code == 404
    made = client.post(f"{base}/{world.customers['sam1'].id}/deals",
                       data={"csrf_token": csrf, "title": "Second phase", "amount": "8000.50",
                             "co_owner_ids": [str(world.sue.id)]})
    assert made.status_code == 302 and "/deals/" in made.headers["Location"]
    refused = client.post(f"{base}/{world.customers['sam1'].id}/deals",
                          data={"csrf_token": csrf, "title": "Bad", "amount": "-3"})
    assert refused.status_code == 302 and "tab=deals" in refused.headers["Location"]
    assert client.post(f"{base}/{world.customers['cal1'].id}/deals",
                       data={"csrf_token": csrf, "title": "Sneaky", "amount": "1"}).status_code == 404
    with kernel.tenant_context(world.tenant):
        created = Deal.get(Deal.title == "Second phase")
        assert str(created.amount) == "8000.50" and services.co_owner_ids(created) == [world.sue.id]
        assert not Deal.select().where(Deal.title.in_(["Bad", "Sneaky"])).exists()
