"""The schedule over HTTP: items, views, the customer's history, iCalendar feed, export, import,
reminders; permissions on every path; pages."""

from __future__ import annotations

import io

import icalendar
import pytest

from core.identity.models import Department
from core.web.testing import bearer, login, make_user
from plugins.customers.models import Customer

pytestmark = pytest.mark.xietong_plugins("plugins.customers:plugin")


def make_customer(kernel, tenant, name, owner=None):
    with kernel.tenant_context(tenant):
        return Customer.create(name=name, owner=owner).id


def test_items_views_and_history(kernel, tenant, client):
    wang = make_user(kernel, tenant, "wang", role="admin", timezone="Asia/Shanghai")
    klaus = make_user(kernel, tenant, "klaus", role="admin", timezone="Europe/Berlin")
    auth = bearer(kernel, tenant, wang)
    cid = make_customer(kernel, tenant, "华新科技")
    created = client.post(
        f"/t/{tenant}/api/v1/customers/{cid}/schedule",
        json={
            "title": "签约会",
            "start": "2026-01-12T10:00",
            "end": "2026-01-12T11:00",
            "kind": "meeting",
            "attendee_ids": [klaus.id],
            "rrule": "FREQ=WEEKLY;COUNT=3",
            "reminders": [30],
        },
        headers=auth,
    )
    assert created.status_code == 201, created.get_json()
    item = created.get_json()
    assert item["start"] == "2026-01-12T10:00:00+08:00" and item["customer_id"] == cid
    assert created.headers["Location"].endswith(f"/schedule/{item['id']}")
    # Klaus in Berlin sees the same meeting at 03:00 his time, in his own week view
    week = client.get(
        f"/t/{tenant}/api/v1/schedule?view=week&date=2026-01-12", headers=bearer(kernel, tenant, klaus)
    ).get_json()
    assert [o["start"] for o in week["items"]] == ["2026-01-12T03:00:00+01:00"]
    assert week["items"][0]["customer_name"] == "华新科技"
    month = client.get(f"/t/{tenant}/api/v1/schedule?view=month&date=2026-01-20", headers=auth).get_json()
    assert len(month["items"]) == 3 and month["window"]["start"] == "2026-01-01T00:00:00+08:00"
    for bad in ("view=year", "date=2026-02-30", "who=everyone", "member=x"):
        assert client.get(f"/t/{tenant}/api/v1/schedule?{bad}", headers=auth).status_code == 400, bad
    history = client.get(f"/t/{tenant}/api/v1/customers/{cid}/schedule", headers=auth).get_json()
    assert [i["title"] for i in history["items"]] == ["签约会"]
    url = f"/t/{tenant}/api/v1/schedule/{item['id']}"
    assert client.patch(url, json={"title": "x"}, headers={**auth, "If-Match": '"0.0"'}).status_code == 409
    changed = client.patch(url, json={"status": "done", "outcome": "签了", "version": 1}, headers=auth)
    assert changed.status_code == 200 and changed.get_json()["outcome"] == "签了"
    assert client.patch(url, json={"rrule": "FREQ=MINUTELY"}, headers=auth).status_code == 422
    assert (
        client.post(
            f"/t/{tenant}/api/v1/schedule", json={"title": "x", "start": "2026-13-01T10:00"}, headers=auth
        ).status_code
        == 422
    )
    assert client.delete(url, headers=auth).status_code == 204
    assert client.get(url, headers=auth).status_code == 404


def test_schedule_permissions_on_every_path(kernel, tenant, client):
    with kernel.tenant_context(tenant):
        east = Department.create(name="East")
    boss = make_user(kernel, tenant, "boss", role="manager", department=east.id)
    alice = make_user(kernel, tenant, "alice", role="sales", department=east.id)
    bob = make_user(kernel, tenant, "bob", role="sales", department=east.id)
    as_alice, as_bob = bearer(kernel, tenant, alice), bearer(kernel, tenant, bob)
    private = client.post(
        f"/t/{tenant}/api/v1/schedule", json={"title": "私事", "start": "2026-03-04T10:00"}, headers=as_alice
    ).get_json()
    url = f"/t/{tenant}/api/v1/schedule/{private['id']}"
    for path in (url, f"{url}.ics"):
        assert client.get(path, headers=as_bob).status_code == 404, path
    assert client.patch(url, json={"title": "hijack"}, headers=as_bob).status_code == 404
    assert client.delete(url, headers=as_bob).status_code == 404
    assert client.get(f"/t/{tenant}/api/v1/schedule?who=team", headers=as_bob).status_code == 403
    team = client.get(
        f"/t/{tenant}/api/v1/schedule?who=team&view=week&date=2026-03-04",
        headers=bearer(kernel, tenant, boss),
    ).get_json()
    assert [i["title"] for i in team["items"]] == ["私事"]
    mine = client.get(f"/t/{tenant}/api/v1/schedule?view=week&date=2026-03-04", headers=as_bob).get_json()
    assert mine["items"] == []
    theirs = make_customer(kernel, tenant, "Alice's", owner=alice.id)
    assert client.get(f"/t/{tenant}/api/v1/customers/{theirs}/schedule", headers=as_bob).status_code == 404
    assert (
        client.post(
            f"/t/{tenant}/api/v1/customers/{theirs}/schedule",
            json={"title": "x", "start": "2026-03-04T10:00"},
            headers=as_bob,
        ).status_code
        == 404
    )
    assert client.get(f"/t/{tenant}/api/v1/schedule").status_code == 401


def test_feed_url_export_and_import(kernel, tenant, client):
    wang = make_user(kernel, tenant, "wang", role="sales", timezone="Asia/Shanghai")
    auth = bearer(kernel, tenant, wang)
    client.post(
        f"/t/{tenant}/api/v1/schedule",
        json={
            "title": "周会",
            "start": "2026-03-16T10:00",
            "rrule": "FREQ=WEEKLY;BYDAY=MO",
            "reminders": [10],
        },
        headers=auth,
    )
    assert client.get(f"/t/{tenant}/api/v1/schedule/feed", headers=auth).get_json()["active"] is False
    made = client.post(f"/t/{tenant}/api/v1/schedule/feed", headers=auth)
    assert made.status_code == 201
    feed_url = made.get_json()["url"]
    assert "key=" in feed_url and feed_url.startswith("http")
    anonymous = client.get(feed_url)  # what a phone's calendar app does: no cookie, no token
    assert anonymous.status_code == 200 and anonymous.content_type.startswith("text/calendar")
    cal = icalendar.Calendar.from_ical(anonymous.data)
    (event,) = cal.walk("VEVENT")
    assert event["DTSTART"].params["TZID"] == "Asia/Shanghai" and event.decoded("DTSTART").hour == 10
    assert event["RRULE"]["FREQ"] == ["WEEKLY"]
    assert client.get(f"/t/{tenant}/api/v1/schedule.ics", headers=auth).status_code == 200
    assert client.get(f"/t/{tenant}/api/v1/schedule.ics").status_code == 401
    assert client.get(f"/t/{tenant}/api/v1/schedule.ics?key=cal_wrong").status_code == 404
    assert client.delete(f"/t/{tenant}/api/v1/schedule/feed", headers=auth).status_code == 204
    assert client.get(feed_url).status_code == 404  # revoked
    assert client.delete(f"/t/{tenant}/api/v1/schedule/feed", headers=auth).status_code == 404

    good = anonymous.data.replace(b"UID:", b"UID:copy-")
    upload = {"file": (io.BytesIO(good), "cal.ics")}
    dry = client.post(
        f"/t/{tenant}/api/v1/schedule/import",
        data={**upload, "dry_run": "1"},
        headers=auth,
        content_type="multipart/form-data",
    )
    assert dry.status_code == 200 and dry.get_json()["created"] == 1
    imported = client.post(
        f"/t/{tenant}/api/v1/schedule/import",
        data={"file": (io.BytesIO(good), "cal.ics")},
        headers=auth,
        content_type="multipart/form-data",
    )
    assert imported.get_json() == {"created": 1, "updated": 0, "skipped": 0, "errors": []}
    broken = good.replace(b"DTSTART;TZID=Asia/Shanghai:20260316T100000", b"DTSTART:2026-03-16 ten")
    refused = client.post(
        f"/t/{tenant}/api/v1/schedule/import",
        data={"file": (io.BytesIO(broken), "x.ics")},
        headers=auth,
        content_type="multipart/form-data",
    )
    assert refused.status_code == 422 and refused.get_json()["errors"][0]["row"] == 1
    assert (
        client.post(
            f"/t/{tenant}/api/v1/schedule/import", data={}, headers=auth, content_type="multipart/form-data"
        ).status_code
        == 400
    )
    cid = make_customer(kernel, tenant, "华新", owner=wang.id)
    client.post(
        f"/t/{tenant}/api/v1/customers/{cid}/schedule",
        json={"title": "拜访", "start": "2026-04-01T09:00"},
        headers=auth,
    )
    customer_ics = client.get(f"/t/{tenant}/api/v1/customers/{cid}/schedule.ics", headers=auth)
    assert [str(e["SUMMARY"]) for e in icalendar.Calendar.from_ical(customer_ics.data).walk("VEVENT")] == [
        "拜访"
    ]


def test_notifications_over_the_api(kernel, tenant, client):
    import datetime as dt

    from plugins.customers import schedule_reminders

    wang = make_user(kernel, tenant, "wang", role="sales")
    auth = bearer(kernel, tenant, wang)
    start = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=5)
    client.post(
        f"/t/{tenant}/api/v1/schedule",
        json={"title": "电话", "start": start.isoformat(), "kind": "call", "reminders": [10]},
        headers=auth,
    )
    with kernel.tenant_context(tenant):
        assert schedule_reminders.deliver_due() == 1
    items = client.get(f"/t/{tenant}/api/v1/schedule/notifications?unread=1", headers=auth).get_json()[
        "items"
    ]
    assert [i["title"] for i in items] == ["电话"]
    url = f"/t/{tenant}/api/v1/schedule/notifications/{items[0]['id']}/read"
    assert client.post(url, headers=auth).status_code == 204
    assert (
        client.get(f"/t/{tenant}/api/v1/schedule/notifications?unread=1", headers=auth).get_json()["items"]
        == []
    )
    other = make_user(kernel, tenant, "li", role="sales")
    assert client.post(url, headers=bearer(kernel, tenant, other)).status_code == 404


def test_calendar_pages(kernel, tenant, client):
    wang = make_user(kernel, tenant, "wang", role="admin", language="en", timezone="Asia/Shanghai")
    cid = make_customer(kernel, tenant, "Acme")
    item = client.post(
        f"/t/{tenant}/api/v1/customers/{cid}/schedule",
        json={"title": "Kick-off", "start": "2026-03-04T10:00", "kind": "visit"},
        headers=bearer(kernel, tenant, wang),
    ).get_json()
    login(client, tenant, wang)
    page = client.get(f"/t/{tenant}/schedule/?view=week&date=2026-03-04")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Kick-off" in html and "10:00–11:00" in html and "Acme" in html
    assert (
        client.get(f"/t/{tenant}/schedule/?view=day&date=2026-03-05").get_data(as_text=True).count("Kick-off")
        == 0
    )
    detail = client.get(f"/t/{tenant}/schedule/items/{item['id']}").get_data(as_text=True)
    assert "Kick-off" in detail and ".ics" in detail
    tab = client.get(f"/t/{tenant}/customers/{cid}/schedule/tab").get_data(as_text=True)
    assert "Kick-off" in tab
    assert client.get(f"/t/{tenant}/schedule/?view=decade").status_code == 400
