"""The category tree (no cycles, counts, delete) and custom fields (types, required per
category, retire keeps data, forms, lists, filters, API, export)."""

from __future__ import annotations

import csv
import io

from .conftest import names


def test_category_tree_moves_without_cycles(world):
    c, h = world.client, world.h["boss"]
    top = c.post(world.url("/categories"), json={"name": "行业"}, headers=h).get_json()
    mid = c.post(
        world.url("/categories"), json={"name": "制造", "parent_id": top["id"]}, headers=h
    ).get_json()
    low = c.post(
        world.url("/categories"), json={"name": "汽车", "parent_id": mid["id"]}, headers=h
    ).get_json()
    for parent in (top["id"], mid["id"], low["id"]):
        response = c.patch(world.url(f"/categories/{top['id']}"), json={"parent_id": parent}, headers=h)
        assert response.status_code == 422, parent
        assert "parent_id" in response.get_json()["error"]["fields"]
    assert (
        c.post(world.url("/categories"), json={"name": "制造", "parent_id": top["id"]}, headers=h).status_code
        == 409
    )
    assert c.post(world.url("/categories"), json={"name": ""}, headers=h).status_code == 422
    assert (
        c.post(world.url("/categories"), json={"name": "x", "parent_id": 99999}, headers=h).status_code == 422
    )
    assert (
        c.post(
            world.url("/categories"),
            json={"name": "子", "parent_id": top["id"], "visible_roles": ["sales"]},
            headers=h,
        ).status_code
        == 422
    )  # role limits belong to top-level categories
    assert (
        c.post(
            world.url("/categories"), json={"name": "y", "visible_roles": ["nobody"]}, headers=h
        ).status_code
        == 422
    )
    assert c.post(world.url("/categories"), json={"name": "z"}, headers=world.h["mia"]).status_code == 403
    # a move that is not a cycle works; counts roll up the tree
    assert (
        c.patch(world.url(f"/categories/{low['id']}"), json={"parent_id": top["id"]}, headers=h).status_code
        == 200
    )
    world.make("sam", "一汽测试", category_id=low["id"])
    world.make("sam", "机床厂测试", category_id=mid["id"])
    items = {i["name"]: i for i in c.get(world.url("/categories"), headers=h).get_json()["items"]}
    assert (items["行业"]["count"], items["行业"]["total"]) == (0, 2)
    assert (items["汽车"]["count"], items["汽车"]["total"]) == (1, 1)
    # deleting a category with children is refused; an empty one moves its customers up
    assert c.delete(world.url(f"/categories/{top['id']}"), headers=h).status_code == 409
    assert c.delete(world.url(f"/categories/{low['id']}"), headers=h).status_code == 204
    moved = c.get(world.url("/customers"), query_string={"category_id": top["id"]}, headers=h)
    assert names(moved) == ["一汽测试"]


def _field(world, **data):
    response = world.client.post(world.url("/custom-fields"), json=data, headers=world.h["boss"])
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_custom_fields_validate_their_types(world):
    for key, kind, extra in (
        ("industry", "choice", {"choices": ["制造", "贸易"]}),
        ("staff", "number", {}),
        ("revenue", "decimal", {}),
        ("founded", "date", {}),
        ("site", "url", {}),
        ("hotline", "phone", {}),
        ("contact_mail", "email", {}),
        ("rep", "user", {}),
        ("tags", "multi", {"choices": ["VIP", "老客户", "展会"]}),
        ("motto", "text", {}),
    ):
        _field(world, key=key, label=key.title(), type=kind, **extra)
    good = {
        "industry": "制造",
        "staff": 120,
        "revenue": "1234.56",
        "founded": "2001-09-30",
        "site": "https://example.com",
        "hotline": "+86 400-800-8888",
        "contact_mail": "a@example.com",
        "rep": world.users["sam"].id,
        "tags": ["VIP", "展会"],
        "motto": "诚信",
    }
    created = world.client.post(
        world.url("/customers"), json={"name": "字段齐全有限公司", "custom": good}, headers=world.h["boss"]
    )
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["custom"] == good
    assert created.get_json()["cf_revenue"] == "1234.56"  # exact, a string
    bad = {
        "industry": "农业",
        "staff": "many",
        "revenue": 12.5,
        "founded": "2001-02-30",
        "site": "javascript:alert(1)",
        "hotline": "call me",
        "contact_mail": "nope",
        "rep": 99999,
        "tags": ["VIP", "无此项"],
        "motto": "x" * 3000,
    }
    response = world.client.post(
        world.url("/customers"), json={"name": "字段错误", "custom": bad}, headers=world.h["boss"]
    )
    assert response.status_code == 422
    assert set(response.get_json()["error"]["fields"]) == {f"cf_{k}" for k in bad}
    # unknown custom keys are refused like unknown fields (no mass assignment)
    response = world.client.post(
        world.url("/customers"), json={"name": "x", "custom": {"ghost": 1}}, headers=world.h["boss"]
    )
    assert response.status_code == 422
    assert (
        world.client.post(
            world.url("/customers"), json={"name": "x", "custom": "oops"}, headers=world.h["boss"]
        ).status_code
        == 422
    )
    # the type of a field with data cannot change; the key neither
    field = world.client.get(world.url("/custom-fields"), headers=world.h["boss"]).get_json()["items"][1]
    assert (
        world.client.patch(
            world.url(f"/custom-fields/{field['id']}"), json={"type": "text"}, headers=world.h["boss"]
        ).status_code
        == 422
    )
    assert (
        world.client.post(
            world.url("/custom-fields"),
            json={"key": "Bad Key", "label": "x", "type": "text"},
            headers=world.h["boss"],
        ).status_code
        == 422
    )
    assert (
        world.client.post(
            world.url("/custom-fields"),
            json={"key": "k", "label": "x", "type": "blob"},
            headers=world.h["boss"],
        ).status_code
        == 422
    )
    assert (
        world.client.post(
            world.url("/custom-fields"),
            json={"key": "k2", "label": "x", "type": "choice"},
            headers=world.h["boss"],
        ).status_code
        == 422
    )
    assert (
        world.client.post(
            world.url("/custom-fields"),
            json={"key": "k3", "label": "x", "type": "text"},
            headers=world.h["mia"],
        ).status_code
        == 403
    )


def test_required_per_category_retire_keep_and_filter(world):
    c, h = world.client, world.h["boss"]
    vip = c.post(world.url("/categories"), json={"name": "大客户"}, headers=h).get_json()
    sub = c.post(
        world.url("/categories"), json={"name": "华南大客户", "parent_id": vip["id"]}, headers=h
    ).get_json()
    field = _field(
        world,
        key="credit",
        label="Credit line",
        label_zh="授信额度",
        type="decimal",
        required=True,
        category_id=vip["id"],
    )
    level = _field(world, key="level", label="Level", type="choice", choices=["A", "B"])
    # required only where the field applies (the category and below)
    assert c.post(world.url("/customers"), json={"name": "无分类"}, headers=h).status_code == 201
    response = c.post(world.url("/customers"), json={"name": "缺授信", "category_id": sub["id"]}, headers=h)
    assert response.status_code == 422 and "cf_credit" in response.get_json()["error"]["fields"]
    ok = c.post(
        world.url("/customers"),
        json={"name": "有授信", "category_id": sub["id"], "cf_credit": "500000.00", "cf_level": "A"},
        headers=h,
    ).get_json()
    c.post(world.url("/customers"), json={"name": "B级客户", "custom": {"level": "B"}}, headers=h)
    # filter by a custom field (a column of the list)
    assert names(c.get(world.url("/customers"), query_string={"cf_level": "A"}, headers=h)) == ["有授信"]
    assert c.get(world.url("/customers"), query_string={"cf_level": "C"}, headers=h).status_code == 400
    assert c.get(world.url("/customers"), query_string={"cf_nothing": "x"}, headers=h).status_code == 400
    # retire: hidden from the schema, data kept; bring it back and it is there
    assert (
        c.patch(world.url(f"/custom-fields/{field['id']}"), json={"retired": True}, headers=h).status_code
        == 200
    )
    body = c.get(world.url(f"/customers/{ok['id']}"), headers=h).get_json()
    assert "cf_credit" not in body and "credit" not in body["custom"]
    assert (
        c.post(
            world.url("/customers"), json={"name": "已退役字段", "category_id": sub["id"]}, headers=h
        ).status_code
        == 201
    )  # no longer required
    with world.acting("boss"):
        from plugins.customers.models import Customer

        assert Customer.get_by_id(ok["id"]).custom["credit"] == "500000.00"
    assert (
        c.patch(
            world.url(f"/custom-fields/{field['id']}"), json={"retired": False, "label": "授信"}, headers=h
        ).status_code
        == 200
    )
    assert c.get(world.url(f"/customers/{ok['id']}"), headers=h).get_json()["custom"]["credit"] == "500000.00"
    # the export has a column per custom field
    export = c.get(world.url("/customers/export"), query_string={"format": "csv"}, headers=h).get_data(
        as_text=True
    )
    rows = {r["name"]: r for r in csv.DictReader(io.StringIO(export.lstrip("\ufeff")))}
    assert rows["有授信"]["cf_credit"] == "500000.00" and rows["B级客户"]["cf_level"] == "B"
    # reorder
    assert (
        c.post(world.url("/custom-fields/order"), json={"keys": ["level", "credit"]}, headers=h).status_code
        == 200
    )
    keys = [f["key"] for f in c.get(world.url("/custom-fields"), headers=h).get_json()["items"]]
    assert keys == ["level", "credit"]
    assert level["key"] == "level"


def test_a_field_rule_on_custom_reaches_every_custom_field(world):
    from core.identity.rules import create_field_rule

    _field(world, key="secret_price", label="Price", type="decimal")
    customer = world.make("sam", "价格保密", custom={"secret_price": "99.00"})
    with world.acting("boss"):
        create_field_rule("customer", "custom", "hide", role="sales")
    body = world.client.get(world.url(f"/customers/{customer.id}"), headers=world.h["sam"]).get_json()
    assert "cf_secret_price" not in body and body["custom"] == {}
    assert (
        world.client.get(
            world.url("/customers"), query_string={"cf_secret_price": "99.00"}, headers=world.h["sam"]
        ).status_code
        == 400
    )  # not filterable either
    response = world.client.patch(
        world.url(f"/customers/{customer.id}"), json={"cf_secret_price": "1.00"}, headers=world.h["sam"]
    )
    assert response.status_code == 422
