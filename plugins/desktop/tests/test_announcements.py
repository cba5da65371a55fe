"""Announcements and policies: publishing, sanitising, audience, pinning, read receipts."""

from __future__ import annotations

import pytest

from plugins.desktop.tests.conftest import LAB

pytestmark = pytest.mark.xietong_plugins(*LAB)
ROOT = "/api/v1/desktop/announcements"
EVIL = ('<p onclick="steal()">Hello <b>team</b></p><script>alert("x")</script>'
        '<a href="javascript:alert(1)">click</a><img src="/logo.png" onerror="alert(2)">'
        '<iframe src="https://evil.example"></iframe><style>body{display:none}</style>')


def publish(who, **fields):
    response = who.post(ROOT, json={"title": "Notice", **fields})
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()


def test_script_in_an_announcement_is_inert(tenant, person):
    admin = person(tenant, "root", role="admin")
    body = publish(admin, body=EVIL)["body"]
    for bad in ("<script", "onclick", "onerror", "javascript:", "<iframe", "<style", "alert(\"x\")"):
        assert bad not in body, bad
    assert "<b>team</b>" in body and 'src="/logo.png"' in body
    assert 'rel="noopener noreferrer"' in body


def test_patch_sanitises_too_and_checks_the_version(tenant, person):
    admin = person(tenant, "root", role="admin")
    item = publish(admin, body="<p>v1</p>")
    changed = admin.patch(f"{ROOT}/{item['id']}", json={"body": EVIL, "version": 1})
    assert changed.status_code == 200
    assert "<script" not in changed.get_json()["body"]
    stale = admin.patch(f"{ROOT}/{item['id']}", json={"title": "late", "version": 1})
    assert stale.status_code == 409


def test_listing_puts_pinned_first_then_newest(tenant, person):
    admin, seller = person(tenant, "root", role="admin"), person(tenant, "s")
    first = publish(admin, title="first")
    pinned = publish(admin, title="pinned rule", kind="policy", pinned=True)
    last = publish(admin, title="last")
    titles = [i["title"] for i in seller.get(ROOT).get_json()["items"]]
    assert titles == ["pinned rule", "last", "first"]
    policies = seller.get(ROOT, query_string={"kind": "policy"}).get_json()["items"]
    assert [p["id"] for p in policies] == [pinned["id"]]
    # keyset pages of one, across the pinned boundary
    seen, cursor = [], None
    while True:
        query = {"limit": 1, **({"cursor": cursor} if cursor else {})}
        page = seller.get(ROOT, query_string=query).get_json()
        seen += [i["id"] for i in page["items"]]
        cursor = page["next"]
        if cursor is None:
            break
    assert seen == [pinned["id"], last["id"], first["id"]]


@pytest.mark.parametrize("query", [{"kind": "memo"}, {"limit": "0"}, {"limit": "500"},
                                   {"pinned": "maybe"}, {"cursor": "not-a-cursor"}])
def test_bad_list_parameters_are_400(tenant, person, query):
    seller = person(tenant, "s")
    assert seller.get(ROOT, query_string=query).status_code == 400


@pytest.mark.parametrize("body, field", [
    ({"title": ""}, "title"),
    ({"body": "no title"}, "title"),
    ({"title": "x", "kind": "memo"}, "kind"),
    ({"title": "x", "roles": ["astronaut"]}, "roles"),
    ({"title": "x", "author": 99}, "author"),
])
def test_bad_announcements_are_422(tenant, person, body, field):
    admin = person(tenant, "root", role="admin")
    response = admin.post(ROOT, json=body)
    assert response.status_code == 422
    assert field in response.get_json()["error"]["fields"]


def test_only_publishers_write(tenant, person):
    admin, seller = person(tenant, "root", role="admin"), person(tenant, "s")
    manager = person(tenant, "m", role="manager")
    assert seller.post(ROOT, json={"title": "mine"}).status_code == 403
    item = publish(manager, title="from the manager")
    assert seller.patch(f"{ROOT}/{item['id']}", json={"title": "hacked"}).status_code == 403
    assert seller.delete(f"{ROOT}/{item['id']}").status_code == 403
    assert admin.delete(f"{ROOT}/{item['id']}").status_code == 204
    assert seller.get(f"{ROOT}/{item['id']}").status_code == 404  # in the trash


def test_audience_by_role(tenant, person):
    admin, seller = person(tenant, "root", role="admin"), person(tenant, "s")
    money = person(tenant, "f", role="finance")
    item = publish(admin, title="for finance", roles=["finance"])
    assert money.get(f"{ROOT}/{item['id']}").status_code == 200
    assert seller.get(f"{ROOT}/{item['id']}").status_code == 404
    assert [i["title"] for i in seller.get(ROOT).get_json()["items"]] == []
    assert seller.post(f"{ROOT}/{item['id']}/read").status_code == 404


def test_read_receipts(tenant, person):
    admin, li, wang = person(tenant, "root", role="admin"), person(tenant, "li"), person(tenant, "wang")
    item = publish(admin, title="Holiday", roles=["sales"])
    assert li.get(ROOT).get_json()["items"][0]["read"] is False
    assert li.get(ROOT, query_string={"unread": "1"}).get_json()["items"][0]["id"] == item["id"]
    first = li.post(f"{ROOT}/{item['id']}/read").get_json()
    again = li.post(f"{ROOT}/{item['id']}/read").get_json()
    assert first["read"] is True and first["read_at"] == again["read_at"]  # the first reading counts
    assert li.get(ROOT, query_string={"unread": "true"}).get_json()["items"] == []
    receipts = admin.get(f"{ROOT}/{item['id']}/reads").get_json()
    assert [r["username"] for r in receipts["read"]] == ["li"]
    assert [r["username"] for r in receipts["unread"]] == ["wang"]
    assert (receipts["read_count"], receipts["audience_count"]) == (1, 2)
    assert wang.get(f"{ROOT}/{item['id']}/reads").status_code == 403


def test_announcements_are_isolated_between_tenants(tenant_factory, person):
    first, second = tenant_factory(), tenant_factory()
    one, two = person(first, "root", role="admin"), person(second, "root", role="admin")
    item = publish(one, title="first tenant only")
    assert two.get(f"{ROOT}/{item['id']}").status_code == 404
    assert two.get(ROOT).get_json()["items"] == []


def test_the_widget_shows_unread_and_is_refreshed_by_reading(tenant, person):
    admin, li = person(tenant, "root", role="admin"), person(tenant, "li")
    item = publish(admin, title="Read me", pinned=True)
    data = li.get("/api/v1/desktop/widgets/desktop.announcements").get_json()
    row = data["data"]["items"][0]
    assert row["title"] == "Read me" and row["highlight"] is True and row["badge"]
    li.post(f"{ROOT}/{item['id']}/read")
    again = li.get("/api/v1/desktop/widgets/desktop.announcements").get_json()
    assert again["cached"] is False and again["data"]["items"][0]["highlight"] is False
    publish(admin, title="Second")  # a new announcement invalidates everyone's widget
    newest = li.get("/api/v1/desktop/widgets/desktop.announcements").get_json()
    assert [i["title"] for i in newest["data"]["items"]] == ["Read me", "Second"]
