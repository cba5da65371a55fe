"""Every path goes through the permission engine: visibility, rights, field rules, tenants."""

from __future__ import annotations

import csv
import io

import pytest

from tests.web.conftest import GADGETS, create_gadget, in_tenant, sign_in

pytestmark = pytest.mark.xietong_plugins(GADGETS)


@pytest.fixture
def owned(site):
    """Gadgets of sam (sales) and sue (sales), and field rules for the sales role."""
    from core.identity.rules import create_field_rule

    mine = create_gadget(site, "sales", name="Sam's", email="sam@example.com", phone="13812345678")
    theirs = create_gadget(site, "sales2", name="Sue's", email="sue@example.com", phone="13900001111")
    with in_tenant(site):
        create_field_rule("gadget", "phone", "hide", role="sales")
        create_field_rule("gadget", "email", "mask", role="sales")
    return site, mine, theirs


def test_sales_see_only_their_own_records_on_every_path(owned):
    site, mine, theirs = owned
    sam = site.headers["sales"]
    listed = site.client.get(f"{site.api}/gadgets", headers=sam).json["items"]
    assert [i["id"] for i in listed] == [mine["id"]]
    assert site.client.get(f"{site.api}/gadgets?q=Sue", headers=sam).json["items"] == []
    assert site.client.get(f"{site.api}/gadgets/{theirs['id']}", headers=sam).status_code == 404
    assert (
        site.client.patch(f"{site.api}/gadgets/{theirs['id']}", json={"name": "x"}, headers=sam).status_code
        == 404
    )
    assert site.client.delete(f"{site.api}/gadgets/{theirs['id']}", headers=sam).status_code == 404
    assert site.client.get(f"{site.api}/gadgets/{theirs['id']}/tabs", headers=sam).status_code == 404
    manager = site.client.get(f"{site.api}/gadgets", headers=site.headers["manager"]).json["items"]
    assert {i["id"] for i in manager} == {mine["id"], theirs["id"]}  # the department subtree
    sign_in(site, "sales")
    assert site.client.get(f"{site.web}/gadgets/{theirs['id']}").status_code == 404
    page = site.client.get(f"{site.web}/gadgets/").text
    assert "Sam&#39;s" in page and "Sue&#39;s" not in page


def test_visible_but_not_allowed_is_403(owned):
    site, mine, _ = owned
    sam = site.headers["sales"]
    assert site.client.delete(f"{site.api}/gadgets/{mine['id']}", headers=sam).status_code == 403
    assert site.client.get(f"{site.api}/gadgets/export", headers=sam).status_code == 403
    other_owner = {"name": "gift", "owner_id": site.users["sales2"].id}
    assert site.client.post(f"{site.api}/gadgets", json=other_owner, headers=sam).status_code == 403
    moved = site.client.patch(
        f"{site.api}/gadgets/{mine['id']}", json={"owner_id": site.users["sales2"].id}, headers=sam
    )
    assert moved.status_code == 403  # giving a record away would leave the caller's scope


def test_field_rules_apply_to_list_detail_export_and_pages(owned):
    site, mine, _ = owned
    with in_tenant(site):
        from core.identity.rules import set_right

        set_right("sales", "gadget", "export", "own")
    sam = site.headers["sales"]
    detail = site.client.get(f"{site.api}/gadgets/{mine['id']}", headers=sam).json
    listed = site.client.get(f"{site.api}/gadgets", headers=sam).json["items"][0]
    for data in (detail, listed):
        assert "phone" not in data
        assert data["email"] == "s***@example.com"
    exported = site.client.get(f"{site.api}/gadgets/export?format=csv", headers=sam)
    rows = list(csv.DictReader(io.StringIO(exported.data.decode("utf-8-sig"))))
    assert "phone" not in rows[0] and rows[0]["email"] == "s***@example.com"
    admin = site.client.get(f"{site.api}/gadgets/{mine['id']}", headers=site.headers["admin"]).json
    assert admin["phone"] == "13812345678" and admin["email"] == "sam@example.com"
    sign_in(site, "sales")
    for url in (
        f"{site.web}/gadgets/{mine['id']}",
        f"{site.web}/gadgets/?columns=phone",
        f"{site.web}/gadgets/{mine['id']}/edit",
    ):
        text = site.client.get(url).text
        assert "13812345678" not in text and "sam@example.com" not in text, url


def test_protected_fields_cannot_be_written_sorted_filtered_or_searched(owned):
    site, mine, _ = owned
    sam = site.headers["sales"]
    for body in ({"phone": "1"}, {"email": "a@b.cn"}):
        response = site.client.patch(f"{site.api}/gadgets/{mine['id']}", json=body, headers=sam)
        assert response.status_code == 422 and list(body)[0] in response.json["error"]["fields"]
    with in_tenant(site):
        from core.identity.rules import create_field_rule

        create_field_rule("gadget", "amount", "hide", role="sales")
        create_field_rule("gadget", "status", "hide", role="sales")
    assert site.client.get(f"{site.api}/gadgets?sort=amount", headers=sam).status_code == 400
    assert site.client.get(f"{site.api}/gadgets?status=new", headers=sam).status_code == 400
    # email is masked for sales, so searching it would reveal it letter by letter
    assert site.client.get(f"{site.api}/gadgets?q=sam@", headers=sam).json["items"] == []
    assert site.client.get(f"{site.api}/gadgets?q=sam@", headers=site.headers["admin"]).json["items"]


def test_tenants_are_isolated(site, tenant_factory):
    other = tenant_factory()
    item = create_gadget(site, name="Ours")
    from core.web.testing import bearer, make_user

    stranger = make_user(site.kernel, other, "boss", role="admin")
    their_headers = bearer(site.kernel, other, stranger)
    # our token is nothing in their tenant, theirs nothing in ours
    assert site.client.get(f"/t/{other}/api/v1/gadgets", headers=site.headers["admin"]).status_code == 401
    assert site.client.get(f"{site.api}/gadgets", headers=their_headers).status_code == 401
    # the same id in their tenant is another (absent) record
    assert (
        site.client.get(f"/t/{other}/api/v1/gadgets/{item['id']}", headers=their_headers).status_code == 404
    )
    assert site.client.get(f"/t/{other}/api/v1/gadgets", headers=their_headers).json["items"] == []
    hooks = site.client.get(f"/t/{other}/api/v1/webhooks", headers=their_headers).json["items"]
    assert hooks == []


def test_a_module_the_tenant_has_not_enabled_does_not_exist(site, tenant_factory):
    bare = tenant_factory(modules=[])
    from core.web.testing import bearer, make_user

    boss = make_user(site.kernel, bare, "boss", role="admin")
    headers = bearer(site.kernel, bare, boss)
    assert site.client.get(f"/t/{bare}/api/v1/gadgets", headers=headers).status_code == 404
    assert site.client.get(f"/t/{bare}/gadgets/", headers=headers).status_code == 404
    spec = site.client.get(f"/t/{bare}/api/v1/openapi.json", headers=headers).json
    assert not any(path.startswith("/gadgets") for path in spec["paths"])
    assert "/webhooks" in spec["paths"]
    events = site.client.get(f"/t/{bare}/api/v1/webhooks/events", headers=headers).json["events"]
    assert not any(event.startswith("gadget.") for event in events)
