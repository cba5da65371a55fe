"""The admin pages: users, departments, roles, the rights matrix, field rules, audit, trash."""

from __future__ import annotations

import re

import pytest

from tests.identity.conftest import IDTEST, audit_rows, sign_in

pytestmark = pytest.mark.xietong_plugins(IDTEST)

PAGES = ("/admin/users", "/admin/users/new", "/admin/departments", "/admin/roles", "/admin/rights",
         "/admin/field-rules", "/admin/audit", "/admin/trash")


@pytest.fixture
def admin(client, org):
    """``admin(path, form)``: GET (form None) or POST as ada, with the session's CSRF token."""
    csrf = sign_in(client, org.slug, org.users["ada"])

    def go(path: str, form: dict | None = None):
        url = f"/t/{org.slug}{path}"
        return client.get(url) if form is None else client.post(url, data={**form, "csrf_token": csrf})

    return go


def test_every_admin_page_renders_for_admins_only(app, client, org, admin):
    for path in (*PAGES, f"/admin/users/{org.users['sam'].id}"):
        page = admin(path)
        assert page.status_code == 200, path
        assert "xt-topbar" in page.text  # inside the shared layout
    sign_in(client, org.slug, org.users["boss"])
    for path in PAGES:
        assert client.get(f"/t/{org.slug}{path}").status_code == 403, path


def test_menu_items_are_for_admins_and_resolve(app, kernel, org):
    from flask import g, url_for

    from core.identity import integration

    assert integration.menu_items(kernel, org.users["sam"]) == []
    items = integration.menu_items(kernel, org.users["ada"])
    with app.test_request_context(f"/t/{org.slug}/"):
        g.tenant = kernel.runtime(org.slug)
        assert [url_for(item.endpoint) for item in items] == [f"/t/{org.slug}{p}" for p in (
            "/admin/users", "/admin/departments", "/admin/roles", "/admin/rights", "/admin/field-rules",
            "/admin/audit", "/admin/trash")]


def test_user_pages_create_edit_reset_and_issue_tokens(kernel, org, admin):
    refused = admin("/admin/users/new", {"username": "bad name", "role": "sales"})
    assert refused.status_code == 422 and "is-invalid" in refused.text
    created = admin("/admin/users/new", {"username": "lily", "password": "lily pass 1", "role": "finance",
                                         "department": str(org.depts["Finance"].id), "display_name": "Lily"})
    assert created.status_code == 302
    user_path = created.location.removeprefix(f"/t/{org.slug}")
    assert "lily" in admin("/admin/users?q=lil").text
    edit = {"display_name": "Lily Li", "email": "lily@example.com", "role": "manager", "department": "",
            "language": "en", "timezone": "", "active": "on"}
    assert admin(user_path, edit).status_code == 302
    assert admin(user_path, {**edit, "timezone": "Nowhere/City"}).status_code == 422
    own = f"/admin/users/{org.users['ada'].id}"
    last_admin = admin(own, {**edit, "role": "sales"})
    assert last_admin.status_code == 422 and "last active administrator" in last_admin.text
    assert admin(f"{user_path}/password", {"password": "changed pass"}).status_code == 302
    shown = admin(f"{user_path}/tokens", {"name": "laptop"})
    token = re.search(r"xt_[\w-]{40,}", shown.text).group(0)
    assert token not in admin(user_path).text  # shown once
    token_id = int(re.search(r'/admin/tokens/(\d+)/revoke', admin(user_path).text).group(1))
    assert admin(f"/admin/tokens/{token_id}/revoke", {}).status_code == 302
    with kernel.tenant_context(org.slug):
        from core.identity.models import ApiToken, User
        from core.identity.passwords import verify_password

        lily = User.get(User.username == "lily")
        assert (lily.display_name, lily.role.key, lily.department_id) == ("Lily Li", "manager", None)
        assert verify_password(lily.password_hash, "changed pass")
        assert ApiToken.get_by_id(token_id).revoked_at is not None


def test_department_page_creates_moves_and_deletes(kernel, org, admin):
    north = {"name": "North", "parent": str(org.depts["Sales"].id)}
    assert admin("/admin/departments", north).status_code == 302
    assert "North" in admin("/admin/departments").text
    cycle = admin(f"/admin/departments/{org.depts['Sales'].id}", {"name": "Sales",
                                                                  "parent": str(org.depts["East"].id)})
    assert cycle.status_code == 422 and "cannot be moved under itself" in cycle.text
    with kernel.tenant_context(org.slug):
        from core.identity.models import Department

        north = Department.get(Department.name == "North")
    assert admin(f"/admin/departments/{north.id}", {"name": "Nord", "parent": ""}).status_code == 302
    in_use = admin(f"/admin/departments/{org.depts['West'].id}", {"delete": "1"})
    assert in_use.status_code == 409 and "move its users" in in_use.text
    assert admin(f"/admin/departments/{north.id}", {"delete": "1"}).status_code == 302
    with kernel.tenant_context(org.slug):
        assert not Department.select().where(Department.name.in_(["North", "Nord"])).exists()


def test_role_page(kernel, org, admin):
    assert admin("/admin/roles", {"key": "Bad Key", "name": "x"}).status_code == 422
    assert admin("/admin/roles", {"key": "service", "name": "Service", "name_zh": "客服"}).status_code == 302
    with kernel.tenant_context(org.slug):
        from core.identity.models import Role

        role = Role.get(Role.key == "service")
    admin(f"/admin/roles/{role.id}", {"name": "After-sales", "name_zh": "售后"})
    assert "After-sales" in admin("/admin/roles").text
    admin(f"/admin/roles/{org.users['sam'].role_id}", {"delete": "1"})
    assert "built-in roles cannot be deleted" in admin("/admin/roles").text
    admin(f"/admin/roles/{role.id}", {"delete": "1"})
    with kernel.tenant_context(org.slug):
        assert not Role.select().where(Role.key == "service").exists()


def test_rights_matrix_page_saves_changed_cells_only(kernel, org, admin, api_as):
    page = admin("/admin/rights").text
    assert 'name="sales|idcontact|read"' in page and 'name="admin|idcontact|read"' not in page
    before = len(audit_rows(kernel, org.slug, action="permission"))
    form = dict(re.findall(r'<select name="([^"]+)"[^>]*>.*?<option value="([a-z]*)" selected', page, re.S))
    form["sales|idcontact|read"] = "subtree"
    form["finance|idcontact|export"] = ""
    saved = admin("/admin/rights", form)
    assert saved.status_code == 302
    assert len(audit_rows(kernel, org.slug, action="permission")) == before + 2
    assert {i["name"] for i in api_as("sue").get("/idcontacts").json["items"]} == {"c-sue", "c-sam", "c-boss"}
    assert api_as("fiona").get("/idcontacts/export").status_code == 403
    admin("/admin/rights", {"sales|idcontact|read": "everything"})
    assert "unknown scope" in admin("/admin/rights").text


def test_field_rule_page(kernel, org, admin, api_as):
    assert admin("/admin/field-rules", {"entity": "idcontact", "field": "ghost", "mode": "hide",
                                        "role": "sales"}).status_code == 422
    assert admin("/admin/field-rules", {"entity": "idcontact", "field": "phone", "mode": "mask",
                                        "role": "sales", "department": ""}).status_code == 302
    assert api_as("sam").get(f"/idcontacts/{org.contacts['c-sam'].id}").json["phone"] == "138****5678"
    rule_id = re.search(r'name="delete" value="(\d+)"', admin("/admin/field-rules").text).group(1)
    assert admin("/admin/field-rules", {"delete": rule_id}).status_code == 302
    assert api_as("sam").get(f"/idcontacts/{org.contacts['c-sam'].id}").json["phone"] == "13812345678"


def test_audit_page_filters(kernel, org, admin, api_as):
    api_as("sam").patch(f"/idcontacts/{org.contacts['c-sam'].id}", json={"phone": "13900000000"})
    page = admin("/admin/audit?action=update&entity=idcontact").text
    assert page.count("<tr>") == 2 and "13812345678 → 13900000000" in page  # header + one entry
    assert "c-sam" not in admin("/admin/audit?username=boss").text
    assert "bad value for filter" in admin("/admin/audit?since=not-a-date").text


def test_trash_page_restores_and_purges_on_confirmation(kernel, org, admin, api_as):
    sam = api_as("sam")
    sam.delete(f"/idcontacts/{org.contacts['c-sam'].id}")
    page = admin("/admin/trash").text
    entry_id = re.search(r'/admin/trash/(\d+)"', page).group(1)
    assert "c-sam" in page
    assert admin(f"/admin/trash/{entry_id}", {"action": "restore"}).status_code == 302
    assert sam.get(f"/idcontacts/{org.contacts['c-sam'].id}").status_code == 200
    sam.delete(f"/idcontacts/{org.contacts['c-sam'].id}")
    entry_id = re.search(r'/admin/trash/(\d+)"', admin("/admin/trash").text).group(1)
    assert admin(f"/admin/trash/{entry_id}", {"action": "purge"}).status_code == 400  # not confirmed
    assert admin(f"/admin/trash/{entry_id}", {"action": "purge", "confirm": "yes"}).status_code == 302
    assert "The trash is empty" in admin("/admin/trash").text
    with kernel.tenant_context(org.slug):
        from tests.identity.plugins.idtest.models import IdContact

        assert IdContact.get_or_none(IdContact.id == org.contacts["c-sam"].id) is None
