"""Who sees which customer and contact — the same on every path: detail, list, search,
export, API, record tabs — and tenant isolation."""

from __future__ import annotations

import csv
import io

import pytest

from .conftest import names

PATHS = ("detail", "list", "search", "export", "tabs", "contacts", "page")


def visible_paths(world, user: str, customer) -> dict[str, bool]:
    """For each path, whether ``user`` sees ``customer`` there."""
    c, h = world.client, world.h[user]
    seen = {
        "detail": c.get(world.url(f"/customers/{customer.id}"), headers=h).status_code == 200,
        "list": customer.name
        in names(c.get(world.url("/customers"), query_string={"limit": 200}, headers=h)),
        "search": customer.name
        in names(c.get(world.url("/customers/search"), query_string={"q": customer.name}, headers=h)),
        "tabs": c.get(world.url(f"/customers/{customer.id}/tabs"), headers=h).status_code == 200,
        "contacts": c.get(world.url(f"/customers/{customer.id}/contacts"), headers=h).status_code == 200,
    }
    export = c.get(world.url("/customers/export"), query_string={"format": "csv"}, headers=h)
    seen["export"] = export.status_code == 200 and customer.name in export.get_data(as_text=True)
    return seen


@pytest.fixture
def owned(world):
    return {name: world.make(name, f"{name.title()}的客户有限公司") for name in ("sam", "sue", "cal", "mia")}


def test_record_rules_hold_on_every_path(world, owned):
    expected = {
        # user: customers seen (sales: own; manager of Sales: Sales' subtree; admin and finance: all)
        "boss": {"sam", "sue", "cal", "mia"},
        "fin": {"sam", "sue", "cal", "mia"},
        "mia": {"sam", "sue", "mia"},
        "sam": {"sam"},
        "sue": {"sue"},
        "cal": {"cal"},
    }
    for user, owners in expected.items():
        for owner, customer in owned.items():
            seen = visible_paths(world, user, customer)
            wanted = owner in owners
            for path, result in seen.items():
                if path == "export" and user in ("sam", "sue", "cal"):
                    assert result is False  # sales have no export right at all
                    continue
                assert result is wanted, (user, owner, path)


def test_not_visible_is_404_and_visible_but_not_allowed_is_403(world, owned):
    c = world.client
    sue_customer = owned["sue"]
    assert c.get(world.url(f"/customers/{sue_customer.id}"), headers=world.h["sam"]).status_code == 404
    assert (
        c.patch(
            world.url(f"/customers/{sue_customer.id}"), json={"name": "x"}, headers=world.h["sam"]
        ).status_code
        == 404
    )
    assert c.delete(world.url(f"/customers/{sue_customer.id}"), headers=world.h["sam"]).status_code == 404
    assert c.get(world.url("/customers/999999"), headers=world.h["boss"]).status_code == 404
    # finance reads every customer but may not change one
    response = c.patch(world.url(f"/customers/{sue_customer.id}"), json={"name": "x"}, headers=world.h["fin"])
    assert response.status_code == 403
    with world.acting("boss"):
        from plugins.customers.models import Customer

        assert Customer.get_by_id(sue_customer.id).name == sue_customer.name  # nothing was written
    # a salesperson cannot give a customer to someone else, nor create one for someone else
    assert (
        c.patch(
            world.url(f"/customers/{owned['sam'].id}"),
            json={"owner_id": world.users["sue"].id},
            headers=world.h["sam"],
        ).status_code
        == 403
    )
    assert (
        c.post(
            world.url("/customers"),
            json={"name": "给别人的", "owner_id": world.users["sue"].id},
            headers=world.h["sam"],
        ).status_code
        == 403
    )


def test_contacts_follow_their_customer(world, owned):
    c = world.client
    contact = c.post(
        world.url(f"/customers/{owned['sam'].id}/contacts"),
        json={"name": "王五", "mobile": "13700001111"},
        headers=world.h["sam"],
    )
    assert contact.status_code == 201
    cid = contact.get_json()["id"]
    assert c.get(world.url(f"/contacts/{cid}"), headers=world.h["sam"]).status_code == 200
    assert c.get(world.url(f"/contacts/{cid}"), headers=world.h["mia"]).status_code == 200
    for other in ("sue", "cal"):
        assert c.get(world.url(f"/contacts/{cid}"), headers=world.h[other]).status_code == 404
        assert "王五" not in names(c.get(world.url("/contacts"), headers=world.h[other]))
        assert (
            c.post(
                world.url(f"/customers/{owned['sam'].id}/contacts"),
                json={"name": "x"},
                headers=world.h[other],
            ).status_code
            == 404
        )
        # naming someone else's customer in the body does not work either
        assert (
            c.post(
                world.url("/contacts"),
                json={"name": "x", "customer_id": owned["sam"].id},
                headers=world.h[other],
            ).status_code
            == 422
        )
        assert (
            c.patch(
                world.url(f"/contacts/{cid}"), json={"customer_id": owned[other].id}, headers=world.h[other]
            ).status_code
            == 404
        )
    # moving a contact to a customer one cannot see is refused
    assert (
        c.patch(
            world.url(f"/contacts/{cid}"), json={"customer_id": owned["sue"].id}, headers=world.h["sam"]
        ).status_code
        == 422
    )
    # finance reads contacts but may not change them
    assert c.get(world.url(f"/contacts/{cid}"), headers=world.h["fin"]).status_code == 200
    assert (
        c.patch(world.url(f"/contacts/{cid}"), json={"title": "x"}, headers=world.h["fin"]).status_code == 403
    )
    # a trashed customer takes its contacts out of sight
    assert c.delete(world.url(f"/customers/{owned['sam'].id}"), headers=world.h["boss"]).status_code == 204
    assert c.get(world.url(f"/contacts/{cid}"), headers=world.h["boss"]).status_code == 404
    assert "王五" not in names(c.get(world.url("/contacts"), headers=world.h["boss"]))


def test_category_visibility_by_role(world):
    c = world.client
    secret = c.post(
        world.url("/categories"),
        json={"name": "战略客户", "visible_roles": ["manager", "finance"]},
        headers=world.h["boss"],
    )
    assert secret.status_code == 201
    child = c.post(
        world.url("/categories"),
        json={"name": "央企", "parent_id": secret.get_json()["id"]},
        headers=world.h["boss"],
    ).get_json()
    open_one = c.post(world.url("/categories"), json={"name": "普通"}, headers=world.h["boss"]).get_json()
    hidden = world.make("sam", "中石油测试有限公司", category_id=child["id"])
    shown = world.make("sam", "小店测试", category_id=open_one["id"])
    seen = visible_paths(world, "sam", hidden)
    assert not any(seen.values()), seen
    assert visible_paths(world, "sam", shown)["detail"]
    for user in ("mia", "fin", "boss"):
        assert visible_paths(world, user, hidden)["detail"], user
    # sam sees neither the category nor its child in the tree, and cannot file a customer there
    tree = [
        item["name"] for item in c.get(world.url("/categories"), headers=world.h["sam"]).get_json()["items"]
    ]
    assert tree == ["普通"]
    assert c.get(world.url(f"/categories/{child['id']}"), headers=world.h["sam"]).status_code == 404
    response = c.post(
        world.url("/customers"),
        json={"name": "偷偷放进去", "category_id": child["id"]},
        headers=world.h["sam"],
    )
    assert response.status_code == 422
    assert (
        c.patch(
            world.url(f"/customers/{shown.id}"), json={"category_id": child["id"]}, headers=world.h["sam"]
        ).status_code
        == 422
    )
    # its contacts are out of sight too
    with world.acting("boss") as boss:
        from plugins.customers import services

        contact = services.create_contact(boss, hidden, {"name": "秘密联系人"})
    assert c.get(world.url(f"/contacts/{contact.id}"), headers=world.h["sam"]).status_code == 404
    # counts per category only count what the user sees
    counts = {
        i["name"]: i["total"]
        for i in c.get(world.url("/categories"), headers=world.h["mia"]).get_json()["items"]
    }
    assert counts["战略客户"] == 1 and counts["普通"] == 1


def test_export_applies_field_rules_and_neutralises_formulas(world, owned):
    from core.identity.rules import create_field_rule

    world.make("sam", '=HYPERLINK("http://evil.example","click")', phone="+86 138 0000 1111")
    with world.acting("boss"):
        create_field_rule("customer", "email", "hide", role="manager")
        create_field_rule("customer", "phone", "mask", role="manager")
    body = world.client.get(
        world.url("/customers/export"), query_string={"format": "csv"}, headers=world.h["mia"]
    ).get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(body.lstrip("\ufeff"))))
    assert "email" not in rows[0]
    formula = next(r for r in rows if "HYPERLINK" in r["name"])
    assert formula["name"].startswith("'=")
    assert formula["phone"] == "'+86**********1111"  # masked, and the leading + neutralised
    xlsx = world.client.get(
        world.url("/customers/export"), query_string={"format": "xlsx"}, headers=world.h["mia"]
    )
    assert xlsx.status_code == 200 and xlsx.data[:2] == b"PK"
    assert (
        world.client.get(
            world.url("/customers/export"), query_string={"format": "csv"}, headers=world.h["sam"]
        ).status_code
        == 403
    )


def test_tenants_are_isolated(world, tenant_factory, owned):
    from core.web.testing import bearer, make_user

    other = tenant_factory()
    stranger = make_user(world.kernel, other, "boss", role="admin")
    their = bearer(world.kernel, other, stranger)
    c = world.client
    # the same customer id in the other tenant is not this customer
    assert c.get(f"/t/{other}/api/v1/customers/{owned['sam'].id}", headers=their).status_code == 404
    assert (
        names(c.get(f"/t/{other}/api/v1/customers/search", query_string={"q": "客户"}, headers=their)) == []
    )
    # a token works only in its own tenant
    assert c.get(world.url("/customers"), headers=their).status_code == 401
    assert c.get(f"/t/{other}/api/v1/customers", headers=world.h["boss"]).status_code == 401


def test_ids_beyond_what_a_database_stores_are_not_found(world, owned):
    huge, c, h = 2**70, world.client, world.h["boss"]
    cid = owned["sam"].id
    for path in (
        f"/customers/{huge}",
        f"/customers/{huge}/notes",
        f"/categories/{huge}",
        f"/contacts/{huge}",
        f"/customers/{cid}/transactions/{huge}",
        f"/customers/{cid}/attachments/{huge}",
    ):
        assert c.get(world.url(path), headers=h).status_code == 404, path
    for path in (
        f"/customers/{cid}/notes/{huge}",
        f"/customers/{cid}/transactions/{huge}",
        f"/customers/{cid}/attachments/{huge}",
    ):
        assert c.delete(world.url(path), headers=h).status_code == 404, path
    assert c.post(world.url(f"/notifications/{huge}/read"), headers=h).status_code == 404
    assert c.patch(world.url(f"/custom-fields/{huge}"), json={}, headers=h).status_code == 404
    assert c.get(world.url("/customers"), query_string={"owner_id": str(huge)}, headers=h).status_code == 400
    for body in ({"name": "x", "customer_id": huge}, {"name": "x", "customer_id": -1}):
        assert c.post(world.url("/contacts"), json=body, headers=h).status_code == 422
    assert (
        c.post(world.url("/customers"), json={"name": "x", "category_id": huge}, headers=h).status_code == 422
    )
    assert (
        c.post(world.url("/categories"), json={"name": "x", "parent_id": huge}, headers=h).status_code == 422
    )
    assert (
        c.post(world.url("/handover"), json={"from_user": huge, "to_user": "sue"}, headers=h).status_code
        == 422
    )
