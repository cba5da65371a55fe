"""The funnel's REST API: CONTRACT paths, permission rules on detail, list, search, export and
API alike, field rules, tenant isolation, conflicts and bad input."""

from __future__ import annotations

import pytest

from core.web.testing import bearer, make_user


@pytest.fixture
def api(world, client):
    tokens = {name: bearer(world.kernel, world.tenant, getattr(world, name))
              for name in ("boss", "mia", "sam", "sue", "cal", "fin")}
    base = f"/t/{world.tenant}/api/v1"

    class Api:
        def __getattr__(self, method):
            def call(who, path, **kwargs):
                headers = {**tokens[who], **kwargs.pop("headers", {})}
                return getattr(client, method)(base + path, headers=headers, **kwargs)
            return call

    return Api()


def new(api, world, who="sam", customer="sam1", **body):
    response = api.post(who, "/deals", json={"customer_id": world.customers[customer].id, "title": "ERP 升级",
                                             "amount": "10000.00", **body})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_contract_shapes(api, world):
    stages = api.get("sam", "/funnel/stages").get_json()["items"]
    assert {"key", "name", "probability"} <= set(stages[0]) and stages[0]["probability"] == 10
    created = new(api, world, co_owner_ids=[world.sue.id], expected_close="2025-06-30")
    assert {"id", "customer_id", "title", "amount", "stage", "probability", "owner_id", "co_owner_ids",
            "expected_close", "stage_changed_at"} <= set(created)
    assert created["amount"] == "10000.00" and created["stage"] == "interest" and created["probability"] == 10
    assert created["co_owner_ids"] == [world.sue.id] and created["owner_id"] == world.sam.id
    assert created["stage_changed_at"].endswith("+00:00")
    moved = api.post("sam", f"/deals/{created['id']}/stage", json={"stage": "preferred"})
    assert moved.status_code == 200 and moved.get_json()["probability"] == 50
    history = api.get("sam", f"/deals/{created['id']}/history").get_json()["items"]
    assert [(h["from_stage"], h["to_stage"], h["user_id"]) for h in history] == [
        (None, "interest", world.sam.id), ("interest", "preferred", world.sam.id)]
    listed = api.get("sam", "/deals?limit=1").get_json()
    assert listed["items"][0]["id"] == created["id"] and listed["next"] is None


def test_bad_input(api, world):
    cases = [
        ({"amount": "-1"}, 422), ({"amount": "lots"}, 422), ({"amount": 12.5}, 422),
        ({"customer_id": world.customers["cal1"].id}, 404), ({"stage": "nowhere"}, 422),
        ({"version": 3}, 422), ({"status": "won"}, 422),
    ]
    for extra, status in cases:
        body = {"customer_id": world.customers["sam1"].id, "title": "x", "amount": "1", **extra}
        response = api.post("sam", "/deals", json=body)
        assert response.status_code == status, (extra, response.get_json())
        assert "error" in response.get_json()
    assert api.get("sam", "/deals").get_json()["items"] == []
    assert api.post("sam", "/deals", data="{", content_type="application/json").status_code == 400
    assert api.get("sam", "/deals?sort=password").status_code == 400
    deal = new(api, world)
    assert api.post("sam", f"/deals/{deal['id']}/stage", json={"stage": 5}).status_code == 422
    assert api.post("sam", f"/deals/{deal['id']}/stage", json={}).status_code == 422
    channel = {"key": "channel", "name": "Channel"}
    assert api.post("boss", "/funnel/pipelines", json=channel).status_code == 201
    wrong = api.post("sam", f"/deals/{deal['id']}/stage", json={"stage": "channel_won"})
    assert wrong.status_code == 422 and "stage" in wrong.get_json()["error"]["fields"]
    quota = {"owner_id": world.sam.id, "amount": "300000", "period_start": "2025-03-31",
             "period_end": "2025-01-01"}
    assert api.post("mia", "/quotas", json=quota).status_code == 422


def test_if_match_conflict_is_409(api, world):
    deal = new(api, world)
    stale = f'"{deal["id"]}.{deal["version"]}"'
    path = f"/deals/{deal['id']}/stage"
    first = api.post("sam", path, json={"stage": "qualified"}, headers={"If-Match": stale})
    second = api.post("sam", path, json={"stage": "contract"}, headers={"If-Match": stale})
    assert first.status_code == 200 and second.status_code == 409
    assert second.get_json()["error"]["code"] == "conflict"
    patched = api.patch("sam", f"/deals/{deal['id']}", json={"amount": "5", "version": deal["version"]})
    assert patched.status_code == 409
    assert len(api.get("sam", f"/deals/{deal['id']}/history").get_json()["items"]) == 2


def test_visibility_on_every_path(api, world):
    shared = new(api, world, title="Shared deal", co_owner_ids=[world.cal.id])
    private = new(api, world, title="Private deal", customer="sam2")
    for path in (f"/deals/{private['id']}", f"/deals/{private['id']}/history"):
        assert api.get("cal", path).status_code == 404
    assert api.post("cal", f"/deals/{private['id']}/stage", json={"stage": "won"}).status_code == 404
    assert api.get("cal", f"/deals/{shared['id']}").status_code == 200
    assert [d["id"] for d in api.get("cal", "/deals").get_json()["items"]] == [shared["id"]]
    assert api.get("cal", "/deals?q=Private").get_json()["items"] == []
    assert [d["id"] for d in api.get("cal", "/deals?q=Shared").get_json()["items"]] == [shared["id"]]
    assert api.get("cal", "/deals/export?format=csv").status_code == 403  # sales: no export right
    export = api.get("fin", "/deals/export?format=csv").get_data(as_text=True)
    assert "Shared deal" in export and "Private deal" in export
    assert api.get("sue", "/deals").get_json()["items"] == []
    assert len(api.get("mia", "/deals").get_json()["items"]) == 2
    assert api.delete("sam", f"/deals/{private['id']}").status_code == 403
    assert api.delete("mia", f"/deals/{private['id']}").status_code == 204
    assert api.get("sam", f"/deals/{private['id']}").status_code == 404


def test_field_rule_hides_amount_everywhere(api, world, kernel):
    from core.identity.rules import create_field_rule

    with kernel.tenant_context(world.tenant):
        create_field_rule("deal", "amount", "hide", role="finance")
    new(api, world)
    listed = api.get("fin", "/deals").get_json()["items"]
    assert listed and "amount" not in listed[0]
    assert "amount" not in api.get("fin", f"/deals/{listed[0]['id']}").get_json()
    assert "10000" not in api.get("fin", "/deals/export?format=csv").get_data(as_text=True)
    assert api.get("fin", "/deals?sort=amount").status_code == 400
    assert "amount" in api.get("sam", "/deals").get_json()["items"][0]


def test_tenant_isolation(api, world, kernel, tenant_factory, client):
    deal = new(api, world)
    other = tenant_factory()
    stranger = make_user(kernel, other, "boss", role="admin")
    headers = bearer(kernel, other, stranger)
    assert client.get(f"/t/{other}/api/v1/deals/{deal['id']}", headers=headers).status_code == 404
    assert client.get(f"/t/{other}/api/v1/deals", headers=headers).get_json()["items"] == []
    token_elsewhere = bearer(kernel, world.tenant, world.boss)
    assert client.get(f"/t/{other}/api/v1/deals", headers=token_elsewhere).status_code == 401
    report = client.get(f"/t/{other}/api/v1/funnel/report", headers=headers).get_json()
    assert report["rows"] == []


def test_reports_and_plan_endpoints(api, world):
    deal = new(api, world, amount="50000")
    api.post("sam", f"/deals/{deal['id']}/stage", json={"stage": "negotiation"})
    report = api.get("mia", "/funnel/report").get_json()
    row = next(r for r in report["rows"] if r["owner"]["id"] == world.sam.id)
    assert row["cells"]["negotiation"] == {"deals": 1, "amount": "50000.00", "weighted": "35000.00",
                                           "stale": 0, "stale_amount": "0.00"}
    assert api.get("cal", "/funnel/report").get_json()["rows"] == []  # not in cal's scope
    quota = api.post("mia", "/quotas", json={"owner_id": world.sam.id, "amount": "300000",
                                             "period_start": "2025-01-01", "period_end": "2025-03-31",
                                             "territories": ["广东", "广西", "湖南"]}).get_json()
    plan = api.get("sam", f"/quotas/{quota['id']}/plan?deal_size=10000").get_json()
    assert plan["per_territory_month"]["deals"] == "3.33"
    assert api.get("cal", f"/quotas/{quota['id']}/plan").status_code == 404
    forecast = api.get("mia", "/funnel/forecast?start=2025-01-01&end=2025-03-31").get_json()
    assert any(r["owner"]["id"] == world.sam.id and r["quota"] == "300000.00" for r in forecast["rows"])
    ranking = api.get("mia", "/funnel/ranking").get_json()["items"]
    assert ranking[0]["customer_id"] == world.customers["sam1"].id and ranking[0]["score"] == "35000.00"
    assert api.put("sam", "/funnel/settings", json={"stale_days": 5}).status_code == 403
    assert api.put("boss", "/funnel/settings", json={"stale_days": 0}).status_code == 422
    assert api.put("boss", "/funnel/settings", json={"stale_days": 5}).get_json()["stale_days"] == 5


def test_patch_shares_a_deal_and_moves_its_stage_with_history(api, world):
    deal = new(api, world)
    body = {"co_owner_ids": [world.cal.id], "stage": "solution"}
    shared = api.patch("sam", f"/deals/{deal['id']}", json=body)
    assert shared.status_code == 200 and shared.get_json()["co_owner_ids"] == [world.cal.id]
    assert api.get("cal", f"/deals/{deal['id']}").get_json()["stage"] == "solution"
    assert len(api.get("cal", f"/deals/{deal['id']}/history").get_json()["items"]) == 2
    assert api.patch("sam", f"/deals/{deal['id']}", json={"pipeline": "direct"}).status_code == 422
    assert [d["id"] for d in api.get("sam", "/deals?stage=solution&pipeline=direct").get_json()["items"]] == [
        deal["id"]]
    assert api.get("sam", "/deals?stage=won").get_json()["items"] == []

