"""GET/PUT /desktop/personal and /desktop/company: defaults per role, validation, isolation."""

from __future__ import annotations

import pytest

from plugins.desktop.tests.conftest import LAB

pytestmark = pytest.mark.xietong_plugins(*LAB)
PERSONAL = "/api/v1/desktop/personal"
COMPANY = "/api/v1/desktop/company"


def test_new_user_gets_the_default_of_their_role(tenant, person):
    seller, manager = person(tenant, "seller"), person(tenant, "boss", role="manager")
    mine = seller.get(PERSONAL).get_json()
    assert mine["customised"] is False
    assert "lab.count" in mine["widgets"] and "lab.secret" not in mine["widgets"]
    theirs = manager.get(PERSONAL).get_json()["widgets"]
    assert "lab.secret" in theirs  # default_roles: manager


def test_company_layout_of_the_role_is_the_personal_default(tenant, person):
    admin, seller = person(tenant, "root", role="admin"), person(tenant, "seller")
    layout = {"role": "sales", "columns": [
        {"title": "Sales", "title_zh": "销售", "widgets": ["lab.money", "lab.secret", "lab.count"]}]}
    assert admin.put(COMPANY, json=layout).status_code == 200
    # lab.secret is in the layout but the seller may not see it: left out, never leaked
    assert seller.get(PERSONAL).get_json() == {"widgets": ["lab.money", "lab.count"], "customised": False}


def test_put_personal_keeps_order_per_user(tenant, person):
    li, wang = person(tenant, "li"), person(tenant, "wang")
    saved = li.put(PERSONAL, json={"widgets": ["lab.money", "desktop.announcements", "lab.count"]})
    assert saved.status_code == 200
    assert saved.get_json() == {"widgets": ["lab.money", "desktop.announcements", "lab.count"],
                                "customised": True}
    assert li.get(PERSONAL).get_json()["widgets"] == ["lab.money", "desktop.announcements", "lab.count"]
    assert wang.get(PERSONAL).get_json()["customised"] is False
    assert li.put(PERSONAL, json={"widgets": []}).get_json() == {"widgets": [], "customised": True}
    reset = li.delete(PERSONAL).get_json()
    assert reset["customised"] is False and reset["widgets"]


@pytest.mark.parametrize("body, field", [
    ({"widgets": ["lab.secret"]}, "widgets"),           # exists, but the seller may not see it
    ({"widgets": ["no.such"]}, "widgets"),
    ({"widgets": ["lab.count", "lab.count"]}, "widgets"),
    ({"widgets": "lab.count"}, "widgets"),
    ({"widgets": [1]}, "widgets.0"),
    ({}, "widgets"),
    ({"widgets": [], "owner": 3}, "owner"),
])
def test_put_personal_rejects_what_the_user_may_not_have(tenant, person, body, field):
    seller = person(tenant, "seller")
    response = seller.put(PERSONAL, json=body)
    assert response.status_code == 422, response.get_data(as_text=True)
    assert field in response.get_json()["error"]["fields"]
    assert seller.get(PERSONAL).get_json()["customised"] is False  # nothing was stored


def test_put_personal_needs_a_json_object(tenant, person):
    seller = person(tenant, "seller")
    assert seller.put(PERSONAL, data="nope", content_type="text/plain").status_code == 400
    assert seller.put(PERSONAL, json=["lab.count"]).status_code == 400


def test_widgets_of_a_disabled_module_drop_out_and_come_back(kernel, tenant, person):
    user = person(tenant, "li", role="manager")
    user.put(PERSONAL, json={"widgets": ["other.hello", "lab.count"]})
    kernel.disable_modules(tenant, ["otherlab"])
    assert user.get(PERSONAL).get_json()["widgets"] == ["lab.count"]
    kernel.enable_modules(tenant, ["otherlab"])
    assert user.get(PERSONAL).get_json()["widgets"] == ["other.hello", "lab.count"]


def test_company_default_is_one_column_per_module(tenant, person):
    seller = person(tenant, "seller")
    body = seller.get(COMPANY).get_json()
    assert body["editable"] is False and body["role"] == "sales"
    titles = [c["title"] for c in body["columns"]]
    assert titles == ["Desktop", "Widget lab", "otherlab"]
    lab = body["columns"][1]
    assert lab["title_zh"] == "组件实验室" and "lab.secret" not in lab["widgets"]


def test_company_layout_per_role_and_inheritance(tenant, person):
    admin, seller = person(tenant, "root", role="admin"), person(tenant, "s")
    manager = person(tenant, "m", role="manager")
    everyone = {"columns": [{"title": "Office", "widgets": ["desktop.announcements", "lab.secret"]},
                            {"title": "Numbers", "widgets": ["lab.count"]}]}
    saved = admin.put(COMPANY, json=everyone)
    assert saved.status_code == 200 and saved.get_json()["role"] is None
    assert admin.put(COMPANY, json={"role": "manager", "columns": [
        {"title": "Team", "widgets": ["lab.secret"]}]}).status_code == 200

    assert seller.get(COMPANY).get_json()["columns"] == [
        {"title": "Office", "title_zh": "", "widgets": ["desktop.announcements"]},
        {"title": "Numbers", "title_zh": "", "widgets": ["lab.count"]}]
    assert manager.get(COMPANY).get_json()["columns"] == [
        {"title": "Team", "title_zh": "", "widgets": ["lab.secret"]}]

    stored = admin.get(COMPANY, query_string={"role": "sales"}).get_json()
    assert stored["inherited"] is True and stored["columns"][0]["title"] == "Office"
    assert admin.get(COMPANY, query_string={"role": "manager"}).get_json()["inherited"] is False
    assert admin.delete(COMPANY, query_string={"role": "manager"}).status_code == 204
    assert manager.get(COMPANY).get_json()["columns"][0]["title"] == "Office"
    assert admin.delete(COMPANY, query_string={"role": "manager"}).status_code == 404


def test_company_layout_changes_are_audited(kernel, tenant, person):
    from core.identity.models import AuditEntry

    admin = person(tenant, "root", role="admin")
    admin.put(COMPANY, json={"role": "sales", "columns": [{"title": "A", "widgets": ["lab.count"]}]})
    admin.put(COMPANY, json={"role": "sales", "columns": [{"title": "B", "widgets": []}]})
    admin.delete(COMPANY, query_string={"role": "sales"})
    with kernel.tenant_context(tenant):
        rows = list(AuditEntry.select().where(AuditEntry.entity == "company_desktop").order_by(AuditEntry.id))
    assert [(r.action, r.record_id, r.username) for r in rows] == [
        ("create", "sales", "root"), ("update", "sales", "root"), ("delete", "sales", "root")]


def test_only_arrangers_may_change_or_read_other_roles(tenant, person):
    seller = person(tenant, "s")
    body = {"columns": [{"title": "Mine", "widgets": ["lab.count"]}]}
    assert seller.put(COMPANY, json=body).status_code == 403
    assert seller.get(COMPANY, query_string={"role": "admin"}).status_code == 403
    assert seller.delete(COMPANY, query_string={"role": ""}).status_code == 403


@pytest.mark.parametrize("body, field", [
    ({"columns": [{"title": "A", "widgets": ["no.such"]}]}, "columns.0.widgets"),
    ({"columns": [{"title": "A", "widgets": ["lab.count"]},
                  {"title": "B", "widgets": ["lab.count"]}]}, "columns.1.widgets"),
    ({"columns": [{"title": "", "widgets": []}]}, "columns.0.title"),
    ({"columns": [{"title": "A", "widgets": [], "color": "red"}]}, "columns.0.color"),
    ({"role": "astronaut", "columns": []}, "role"),
    ({"columns": [{"title": str(i), "widgets": []} for i in range(13)]}, "columns"),
    ({}, "columns"),
])
def test_put_company_validates(tenant, person, body, field):
    admin = person(tenant, "root", role="admin")
    response = admin.put(COMPANY, json=body)
    assert response.status_code == 422, response.get_data(as_text=True)
    assert field in response.get_json()["error"]["fields"]


def test_unknown_role_in_the_query_is_404(tenant, person):
    admin = person(tenant, "root", role="admin")
    assert admin.get(COMPANY, query_string={"role": "astronaut"}).status_code == 404


def test_layouts_are_isolated_between_tenants(tenant_factory, person):
    first, second = tenant_factory(), tenant_factory()
    one, two = person(first, "same"), person(second, "same")
    assert one.id == two.id  # the same id in both databases: nothing else may tell them apart
    one.put(PERSONAL, json={"widgets": ["lab.money"]})
    assert two.get(PERSONAL).get_json()["customised"] is False
    admin = person(first, "root", role="admin")
    admin.put(COMPANY, json={"columns": [{"title": "First only", "widgets": ["lab.count"]}]})
    assert person(second, "root", role="admin").get(COMPANY).get_json()["columns"][0]["title"] != "First only"
    # a token of one tenant means nothing in the other
    foreign = two.client.get(f"/t/{first}{PERSONAL}", headers={"Authorization": f"Bearer {two.token}"})
    assert foreign.status_code == 401
