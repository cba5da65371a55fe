"""Records: create, read, change with ETag/version checks, delete to the trash; input rules."""

from __future__ import annotations

import pytest

from tests.web.conftest import GADGETS, create_gadget, in_tenant

pytestmark = pytest.mark.xietong_plugins(GADGETS)


def test_create_answers_201_with_id_etag_and_location(site):
    response = site.client.post(
        f"{site.api}/gadgets", json={"name": "Drill", "amount": "12"}, headers=site.headers["admin"]
    )
    assert response.status_code == 201
    body = response.json
    assert body["id"] and body["version"] == 1 and body["amount"] == "12.00"
    assert body["owner_id"] == site.users["admin"].id  # a new record belongs to its creator
    assert response.headers["ETag"] == f'"{body["id"]}.1"'
    assert response.headers["Location"].endswith(f"/api/v1/gadgets/{body['id']}")
    again = site.client.get(f"{site.api}/gadgets/{body['id']}", headers=site.headers["admin"])
    assert again.json == body
    cached = site.client.get(
        f"{site.api}/gadgets/{body['id']}",
        headers={**site.headers["admin"], "If-None-Match": response.headers["ETag"]},
    )
    assert cached.status_code == 304
    huge = site.client.get(f"{site.api}/gadgets/99999999999999999999999", headers=site.headers["admin"])
    assert huge.status_code == 404


def test_input_rules_unknown_readonly_invalid_are_422_malformed_400_wrong_type_415(site):
    def post(body, **kw):
        return site.client.post(
            f"{site.api}/gadgets",
            headers=site.headers["admin"],  # noqa: E731
            json=body,
            **kw,
        )

    cases = [
        ({"name": "x", "is_admin": True}, "is_admin"),  # unknown: no mass assignment
        ({"name": "x", "id": 99}, "id"),  # read-only
        ({"name": "x", "version": 7}, "version"),
        ({"name": "x", "created_at": "2024-01-01T00:00:00Z"}, "created_at"),
        ({"name": ""}, "name"),
        ({}, "name"),
        ({"name": "x", "status": "stolen"}, "status"),
        ({"name": "x", "amount": 12.5}, "amount"),  # floats are not exact money
        ({"name": "x", "amount": "12,5x"}, "amount"),
        ({"name": "x", "due_at": "2024-05-01T09:30:00"}, "due_at"),  # a time needs an offset
        ({"name": "x", "owner_id": 9999}, "owner_id"),
        ({"name": "x", "email": "not-an-email"}, "email"),
    ]
    for body, field in cases:
        response = post(body)
        assert response.status_code == 422, body
        assert field in response.json["error"]["fields"], (body, response.json)
    assert post(None, data="{nope", content_type="application/json").status_code == 400
    assert post(None, data="[1, 2]", content_type="application/json").status_code == 400
    assert post(None, data="name=x", content_type="application/x-www-form-urlencoded").status_code == 415
    with in_tenant(site):
        from tests.web.plugins.gadgets.models import Gadget

        assert Gadget.select().count() == 0


def test_stale_patch_is_409_and_fresh_patch_bumps_the_version(site):
    item = create_gadget(site, name="Saw")
    url, headers = f"{site.api}/gadgets/{item['id']}", site.headers["admin"]
    first = site.client.patch(
        url, json={"name": "Saw 2"}, headers={**headers, "If-Match": f'"{item["id"]}.1"'}
    )
    assert (
        first.status_code == 200
        and first.json["version"] == 2
        and first.headers["ETag"] == f'"{item["id"]}.2"'
    )
    stale = site.client.patch(
        url, json={"name": "Saw 3"}, headers={**headers, "If-Match": f'"{item["id"]}.1"'}
    )
    assert stale.status_code == 409 and stale.json["error"]["code"] == "conflict"
    stale_body = site.client.patch(url, json={"name": "Saw 3", "version": 1}, headers=headers)
    assert stale_body.status_code == 409
    fresh_body = site.client.patch(url, json={"name": "Saw 3", "version": 2}, headers=headers)
    assert fresh_body.status_code == 200 and fresh_body.json["version"] == 3
    assert (
        site.client.patch(url, json={"name": "x"}, headers={**headers, "If-Match": "garbage"}).status_code
        == 400
    )
    assert site.client.patch(url, json={"id": 5}, headers=headers).status_code == 422
    assert site.client.get(url, headers=headers).json["name"] == "Saw 3"


def test_a_write_between_read_and_update_is_a_conflict_not_a_lost_update(site):
    item = create_gadget(site, name="Vice")
    with in_tenant(site):
        from core.errors import ApiError
        from tests.web.plugins.gadgets.hooks import gadgets
        from tests.web.plugins.gadgets.models import Gadget

        mine = gadgets.get(item["id"], site.users["admin"])
        Gadget.update(name="theirs", version=Gadget.version + 1).where(Gadget.id == item["id"]).execute()
        with pytest.raises(ApiError) as raised:
            gadgets.update(mine, {"name": "mine"}, site.users["admin"])
        assert raised.value.status == 409
        assert Gadget.get_by_id(item["id"]).name == "theirs"


def test_delete_moves_to_the_trash_and_restore_brings_it_back(site):
    item = create_gadget(site, name="Lathe")
    url, headers = f"{site.api}/gadgets/{item['id']}", site.headers["admin"]
    assert site.client.delete(url, headers={**headers, "If-Match": f'"{item["id"]}.9"'}).status_code == 409
    assert site.client.delete(url, headers=headers).status_code == 204
    assert site.client.get(url, headers=headers).status_code == 404
    assert site.client.patch(url, json={"name": "x"}, headers=headers).status_code == 404
    assert site.client.get(f"{site.api}/gadgets", headers=headers).json["items"] == []
    with in_tenant(site):
        from core.identity.models import AuditEntry, TrashEntry
        from core.identity.trash import restore

        assert TrashEntry.get(TrashEntry.record_id == item["id"]).entity == "gadget"
        actions = [e.action for e in AuditEntry.select().where(AuditEntry.entity == "gadget")]
        assert actions == ["create", "delete"]
        restore("gadget", item["id"], site.users["admin"])
    assert site.client.get(url, headers=headers).status_code == 200


def test_updates_are_audited_with_before_and_after(site):
    item = create_gadget(site, name="Plane", amount="1.00")
    site.client.patch(
        f"{site.api}/gadgets/{item['id']}", json={"amount": "2.50"}, headers=site.headers["admin"]
    )
    with in_tenant(site):
        import json

        from core.identity.models import AuditEntry

        entry = AuditEntry.select().where(AuditEntry.action == "update").get()
        assert json.loads(entry.changes) == {"amount": ["1.00", "2.50"]}


def test_rich_text_is_sanitised_on_the_way_in_and_out(site):
    evil = (
        '<p onclick="x()">Hi<script>alert(1)</script><img src=x onerror=alert(2)>'
        '<a href="javascript:y()">l</a></p>'
    )
    item = create_gadget(site, name="XSS", profile=evil)
    for text in (
        item["profile"],
        site.client.get(f"{site.api}/gadgets/{item['id']}", headers=site.headers["admin"]).json["profile"],
    ):
        assert (
            "script" not in text
            and "onerror" not in text
            and "onclick" not in text
            and "javascript" not in text
        )
        assert "<p>Hi" in text
    with in_tenant(site):
        from tests.web.plugins.gadgets.models import Gadget

        Gadget.update(profile="<b>x</b><script>alert(3)</script>").execute()  # written behind the API's back
    served = site.client.get(f"{site.api}/gadgets/{item['id']}", headers=site.headers["admin"]).json[
        "profile"
    ]
    assert served == "<b>x</b>"


def test_record_tabs_endpoint_lists_the_enabled_modules_tabs(site):
    item = create_gadget(site, name="Tabbed")
    tabs = site.client.get(f"{site.api}/gadgets/{item['id']}/tabs", headers=site.headers["admin"]).json[
        "items"
    ]
    assert [t["key"] for t in tabs] == ["parts", "chart"]
    assert tabs[0]["url"] == f"/t/{site.slug}/parts/embed?gadget_id={item['id']}"
    assert tabs[0]["count"] == 0 and tabs[0]["module"] == "gadgets"


def test_a_broken_reference_is_422_not_a_server_error(site):
    from marshmallow import Schema
    from marshmallow import fields as ma

    from core.api.resource import Resource
    from core.errors import ApiError
    from tests.web.plugins.gadgets.models import Part

    class LoosePart(Schema):  # no Reference field: only the database's foreign key stands guard
        id = ma.Integer(dump_only=True)
        gadget_id = ma.Integer(required=True)
        title = ma.String(required=True)

    loose = Resource("part", Part, LoosePart, path="loose-parts", title_field="title")
    with in_tenant(site):
        with pytest.raises(ApiError) as raised:
            loose.create({"gadget_id": 4242, "title": "orphan"}, site.users["admin"])
        assert raised.value.status == 422
        assert Part.select().count() == 0
    response = site.client.post(
        f"{site.api}/parts", json={"gadget_id": 4242, "title": "x"}, headers=site.headers["admin"]
    )
    assert response.status_code == 422 and response.json["error"]["fields"] == {
        "gadget_id": ["no such gadget"]
    }
