"""Activities, activity types, timeline and overdue follow-ups over HTTP; permissions; pages."""

from __future__ import annotations

import datetime as dt

import pytest

from core.web.testing import bearer, login, make_user
from plugins.customers.models import Customer

pytestmark = pytest.mark.xietong_plugins("plugins.customers:plugin")


def make_customer(kernel, tenant, name, owner=None, **fields):
    with kernel.tenant_context(tenant):
        return Customer.create(name=name, owner=owner, **fields).id


def test_activities_over_the_api(kernel, tenant, client):
    boss = make_user(kernel, tenant, "boss", role="admin", timezone="Europe/Berlin")
    auth = bearer(kernel, tenant, boss)
    cid = make_customer(kernel, tenant, "华新科技")
    url = f"/t/{tenant}/api/v1/customers/{cid}/activities"
    payload = {"type": "acceptance", "title": "工程验收", "date": "2026-03-02T10:00:00+08:00",
               "user_ids": [boss.id], "outcome": "通过", "people": "对方项目经理"}
    created = client.post(url, json=payload, headers=auth)
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["date"] == "2026-03-02T03:00:00+01:00"  # shown in the Berlin user's zone
    assert body["outcome"] == "通过" and body["author_id"] == boss.id
    assert client.post(url, json={**payload, "type": "nope"}, headers=auth).status_code == 422
    assert client.post(url, json={**payload, "author_id": 9}, headers=auth).status_code == 422
    assert client.post(url, data="x", headers=auth).status_code == 415
    listed = client.get(f"{url}?type=acceptance", headers=auth).get_json()
    assert [i["id"] for i in listed["items"]] == [body["id"]] and listed["next"] is None
    assert client.get(f"{url}?deal_id=x", headers=auth).status_code == 400
    one = f"{url}/{body['id']}"
    assert client.get(one, headers=auth).get_json()["title"] == "工程验收"
    stale = client.patch(one, json={"outcome": "再议", "version": 99}, headers=auth)
    assert stale.status_code == 409
    fresh = client.patch(one, json={"outcome": "再议", "version": 1}, headers=auth)
    assert fresh.status_code == 200 and fresh.get_json()["version"] == 2
    timeline = client.get(f"/t/{tenant}/api/v1/customers/{cid}/timeline?kinds=activity,note", headers=auth)
    assert [i["kind"] for i in timeline.get_json()["items"]] == ["activity"]
    assert client.get(f"/t/{tenant}/api/v1/customers/{cid}/timeline?kinds=gossip",
                      headers=auth).status_code == 400
    assert client.delete(one, headers=auth).status_code == 204
    assert client.get(one, headers=auth).status_code == 404
    assert client.get(f"/t/{tenant}/api/v1/customers/999999/activities", headers=auth).status_code == 404


def test_activity_types_over_the_api(kernel, tenant, client):
    boss = make_user(kernel, tenant, "boss", role="admin")
    seller = make_user(kernel, tenant, "seller", role="sales")
    url = f"/t/{tenant}/api/v1/activity-types"
    items = client.get(url, headers=bearer(kernel, tenant, seller)).get_json()["items"]
    assert [t["key"] for t in items] == ["presales", "implementation", "progress", "acceptance",
                                         "after_sales", "campaign", "revisit"]
    as_seller = bearer(kernel, tenant, seller)
    assert client.post(url, json={"key": "fair", "name": "Fair"}, headers=as_seller).status_code == 403
    admin = bearer(kernel, tenant, boss)
    fair = {"key": "fair", "name": "Fair", "name_zh": "展会"}
    assert client.post(url, json=fair, headers=admin).status_code == 201
    assert client.post(url, json={"key": "Fair!", "name": "x"}, headers=admin).status_code == 422
    assert client.patch(f"{url}/fair", json={"retired": True}, headers=admin).get_json()["retired"] is True
    assert client.patch(f"{url}/fair", json={"key": "other"}, headers=admin).status_code == 422
    assert client.delete(f"{url}/presales", headers=admin).status_code == 409
    assert client.delete(f"{url}/fair", headers=admin).status_code == 204
    assert client.delete(f"{url}/fair", headers=admin).status_code == 404


def test_activity_permissions_on_every_path(kernel, tenant, client):
    alice = make_user(kernel, tenant, "alice", role="sales")
    bob = make_user(kernel, tenant, "bob", role="sales")
    theirs = make_customer(kernel, tenant, "Bob's", owner=bob.id)
    mine = make_customer(kernel, tenant, "Alice's", owner=alice.id)
    as_bob, as_alice = bearer(kernel, tenant, bob), bearer(kernel, tenant, alice)
    base = f"/t/{tenant}/api/v1/customers"
    made = client.post(f"{base}/{theirs}/activities", json={"type": "revisit", "title": "回访",
                                                            "date": "2026-01-05"}, headers=as_bob)
    assert made.status_code == 201
    activity = made.get_json()["id"]
    for path in (f"{theirs}/activities", f"{theirs}/activities/{activity}", f"{theirs}/timeline"):
        assert client.get(f"{base}/{path}", headers=as_alice).status_code == 404, path
    sneaky = {"type": "revisit", "title": "x", "date": "2026-01-05"}
    assert client.post(f"{base}/{theirs}/activities", json=sneaky, headers=as_alice).status_code == 404
    # an id of another customer's activity does not leak through one's own customer
    assert client.get(f"{base}/{mine}/activities/{activity}", headers=as_alice).status_code == 404
    finance = make_user(kernel, tenant, "fin", role="finance")
    assert client.post(f"{base}/{theirs}/activities", json={"type": "revisit", "title": "x",
                                                            "date": "2026-01-05"},
                       headers=bearer(kernel, tenant, finance)).status_code == 403


def test_overdue_list_over_the_api_and_page(kernel, tenant, client):
    alice = make_user(kernel, tenant, "alice", role="sales", language="en")
    old = dt.datetime(2020, 1, 1)
    silent = make_customer(kernel, tenant, "Silent Ltd", owner=alice.id, created_at=old)
    make_customer(kernel, tenant, "Fresh Ltd", owner=alice.id)
    auth = bearer(kernel, tenant, alice)
    items = client.get(f"/t/{tenant}/api/v1/activities/overdue", headers=auth).get_json()["items"]
    assert [i["id"] for i in items] == [silent]
    assert client.get(f"/t/{tenant}/api/v1/activities/overdue?days=0", headers=auth).status_code == 400
    assert client.get(f"/t/{tenant}/api/v1/activities/overdue?owner=x", headers=auth).status_code == 400
    login(client, tenant, alice)
    page = client.get(f"/t/{tenant}/activities/overdue").get_data(as_text=True)
    assert "Silent Ltd" in page and "Fresh Ltd" not in page


def test_timeline_tab_records_an_activity(kernel, tenant, client):
    boss = make_user(kernel, tenant, "boss", role="admin", language="zh_CN")
    cid = make_customer(kernel, tenant, "华新科技")
    csrf = login(client, tenant, boss)
    tab = client.get(f"/t/{tenant}/customers/{cid}/timeline/tab")
    assert tab.status_code == 200 and "时间线上还没有内容" in tab.get_data(as_text=True)
    posted = client.post(f"/t/{tenant}/customers/{cid}/timeline/tab",
                         data={"csrf_token": csrf, "type": "presales", "title": "首次拜访",
                               "date": "2026-03-02T10:00", "outcome": "有意向"})
    assert posted.status_code == 302
    again = client.get(f"/t/{tenant}/customers/{cid}/timeline/tab?kind=activity").get_data(as_text=True)
    assert "首次拜访" in again and "有意向" in again
    bad = client.post(f"/t/{tenant}/customers/{cid}/timeline/tab",
                      data={"csrf_token": csrf, "type": "presales", "title": "", "date": "soon"})
    assert bad.status_code == 422 and "is-invalid" in bad.get_data(as_text=True)
    assert client.post(f"/t/{tenant}/customers/{cid}/timeline/tab", data={"title": "x"}).status_code == 400
    types = client.get(f"/t/{tenant}/activity-types").get_data(as_text=True)
    assert "工程验收" in types
