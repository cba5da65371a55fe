"""Bad input and attacks: IDOR, mass assignment, privilege escalation, writes before a 403."""

from __future__ import annotations

import pytest

from tests.identity.conftest import IDTEST, Api, audit_rows, build_org, sign_in

pytestmark = pytest.mark.xietong_plugins(IDTEST)


def contact_state(kernel, slug: str) -> dict[int, tuple]:
    from tests.identity.plugins.idtest.models import IdContact

    with kernel.tenant_context(slug):
        return {c.id: (c.name, c.phone, c.owner_id, c.co_owner_id, c.status, c.secret, c.version,
                       c.deleted_at) for c in IdContact.select()}


def identity_state(kernel, slug: str) -> tuple:
    from core.identity.models import AccessRight, Department, FieldRule, Role, User

    with kernel.tenant_context(slug):
        return (
            sorted((u.username, u.role_id, u.department_id, u.active, u.session_epoch, u.password_hash)
                   for u in User.select()),
            sorted((d.name, d.parent_id) for d in Department.select()),
            sorted((r.key, r.name) for r in Role.select()),
            sorted((r.role_id, r.entity, r.action, r.scope) for r in AccessRight.select()),
            sorted((r.entity, r.field, r.mode) for r in FieldRule.select()),
        )


def test_idor_other_users_departments_and_tenants_ids_are_404(kernel, tenant_factory, client, org, api_as):
    other = tenant_factory()
    build_org(kernel, other, extra_contacts=10)  # ids this tenant does not have
    abroad_before = contact_state(kernel, other)
    sam = api_as("sam")
    sign_in(client, org.slug, org.users["sam"])
    theirs = [org.contacts[n].id for n in ("c-ada", "c-boss", "c-sue", "c-wes")]  # other user, other depts
    only_abroad = list(range(6, 16))
    assert set(only_abroad) <= set(contact_state(kernel, other))
    for record_id in theirs + only_abroad:
        assert sam.get(f"/idcontacts/{record_id}").status_code == 404
        assert sam.patch(f"/idcontacts/{record_id}", json={"phone": "1"}).status_code == 404
        assert sam.delete(f"/idcontacts/{record_id}").status_code == 404
        assert client.get(f"/t/{org.slug}/idcontacts/{record_id}").status_code == 404
    ada = api_as("ada")  # even an admin cannot reach another tenant's records
    for record_id in only_abroad:
        assert ada.get(f"/idcontacts/{record_id}").status_code == 404
        assert ada.delete(f"/idcontacts/{record_id}").status_code == 404
    with kernel.tenant_context(other):
        from core.identity import services

        services.create_user("extra", None, role="sales")
        foreign_user = services.find_user("extra").id
    assert ada.get(f"/users/{foreign_user}").status_code == 404
    assert ada.patch(f"/users/{foreign_user}", json={"display_name": "x"}).status_code == 404
    assert ada.post(f"/users/{foreign_user}/password", json={"new_password": "whatever1"}).status_code == 404
    # another user's token is not revealed, even by its id
    boss_tokens = api_as("boss").get(f"/users/{org.users['boss'].id}/tokens").json["items"]
    assert sam.delete(f"/tokens/{boss_tokens[0]['id']}").status_code == 404
    assert sam.get(f"/users/{org.users['boss'].id}/tokens").status_code == 403
    assert api_as("boss").get("/users/me").status_code == 200
    assert contact_state(kernel, other) == abroad_before  # untouched by all of this


@pytest.mark.parametrize("field, value", [
    ("owner_id", "me"), ("status", "won"), ("tenant", "other"), ("role", "admin"), ("id", 99),
    ("version", 9), ("secret", False), ("deleted_at", None), ("created_at", "2020-01-01"),
])
def test_mass_assignment_is_422_and_writes_nothing(field, value, kernel, org, api_as):
    sam = api_as("sam")
    mine = org.contacts["c-sam"].id
    value = org.users["sam"].id if value == "me" else value
    before = contact_state(kernel, org.slug)
    audit_before = len(audit_rows(kernel, org.slug))
    response = sam.patch(f"/idcontacts/{mine}", json={"phone": "13911112222", field: value})
    assert response.status_code == 422
    assert field in response.json["error"]["fields"]
    created = sam.post("/idcontacts", json={"name": "new", field: value})
    assert created.status_code == 422
    assert contact_state(kernel, org.slug) == before
    assert len(audit_rows(kernel, org.slug)) == audit_before


@pytest.mark.parametrize("body", [
    {"role": "admin"}, {"active": True}, {"department_id": 1}, {"tenant": "x"}, {"owner_id": 1},
    {"status": "x"}, {"password_hash": "x"}, {"session_epoch": 0}, {"username": "root"},
])
def test_mass_assignment_on_own_user_is_422(body, kernel, org, api_as):
    before = identity_state(kernel, org.slug)
    response = api_as("sam").patch(f"/users/{org.users['sam'].id}", json={"display_name": "S", **body})
    assert response.status_code == 422
    assert set(body) <= set(response.json["error"]["fields"])
    assert identity_state(kernel, org.slug) == before


def test_admin_cannot_mass_assign_secrets_either(kernel, org, api_as):
    ada = api_as("ada")
    for body in ({"password_hash": "x"}, {"session_epoch": 0}, {"username": "root"}, {"tenant": "x"}):
        assert ada.patch(f"/users/{org.users['sam'].id}", json=body).status_code == 422
    assert ada.patch(f"/roles/{org.users['sam'].role_id}", json={"key": "admin"}).status_code == 422


def test_who_manages_contacts_cannot_change_users_or_roles(kernel, client, org, api_as):
    """The Odoo CVE-2019-11782 pattern: a wide business right never reaches identity."""
    ada = api_as("ada")
    grant = [{"role": "sales", "entity": e, "action": a, "scope": "all"}
             for e in ("idcontact", "idmemo") for a in ("read", "create", "write", "delete", "export")]
    assert ada.put("/access-rights", json={"rights": grant}).status_code == 200
    sam = api_as("sam")
    assert sam.delete(f"/idcontacts/{org.contacts['c-wes'].id}").status_code == 204  # a contact manager now
    before = identity_state(kernel, org.slug)
    sales_role, admin_role = org.users["sam"].role_id, org.users["ada"].role_id
    attempts = [
        sam.post("/users", json={"username": "mole", "role": "admin", "password": "12345678x"}),
        sam.patch(f"/users/{org.users['sue'].id}", json={"role": "admin"}),
        sam.patch(f"/users/{org.users['ada'].id}", json={"active": False}),
        sam.delete(f"/users/{org.users['ada'].id}"),
        sam.post(f"/users/{org.users['ada'].id}/password", json={"new_password": "taken over 1"}),
        sam.post(f"/users/{org.users['ada'].id}/tokens", json={"name": "steal"}),
        sam.post("/roles", json={"key": "root", "name": "Root"}),
        sam.patch(f"/roles/{sales_role}", json={"name": "Admins"}),
        sam.delete(f"/roles/{admin_role}"),
        sam.put("/access-rights", json={"rights": [{"role": "sales", "entity": "idcontact", "action": "read",
                                                     "scope": "all"}]}),
        sam.post("/field-rules", json={"entity": "idcontact", "field": "phone", "mode": "hide",
                                       "role": "manager"}),
        sam.post("/departments", json={"name": "Mine"}),
        sam.patch(f"/departments/{org.depts['East'].id}", json={"parent_id": None}),
        sam.get("/audit"), sam.get("/trash"), sam.get("/access-rights"),
    ]
    assert [r.status_code for r in attempts] == [403] * len(attempts)
    assert sam.patch(f"/users/{org.users['sam'].id}", json={"role": "admin"}).status_code == 422
    csrf = sign_in(client, org.slug, org.users["sam"])
    for path, form in (("/admin/users", None), ("/admin/roles", {"key": "root", "name": "Root"}),
                       ("/admin/rights", {"sales|idcontact|read": "all"}),
                       ("/admin/departments", {"name": "x"}), ("/admin/audit", None),
                       (f"/admin/users/{org.users['sue'].id}", {"role": "admin"})):
        url = f"/t/{org.slug}{path}"
        response = client.get(url) if form is None else client.post(url, data={**form, "csrf_token": csrf})
        assert response.status_code == 403, path
    assert identity_state(kernel, org.slug) == before
    assert not [e for e in audit_rows(kernel, org.slug, user=org.users["sam"].id)
                if e.entity in ("user", "role", "department", "access_right", "field_rule", "api_token")]


def test_a_refused_action_writes_nothing_first(kernel, org, api_as):
    """The EspoCRM CVE-2026-41160 pattern: check everything, then write."""
    from core.identity.models import TrashEntry

    before = contact_state(kernel, org.slug)
    audit_before = len(audit_rows(kernel, org.slug))
    fiona, sam, ada = api_as("fiona"), api_as("sam"), api_as("ada")
    assert fiona.patch(f"/idcontacts/{org.contacts['c-sam'].id}", json={"phone": "1"}).status_code == 403
    assert fiona.delete(f"/idcontacts/{org.contacts['c-sam'].id}").status_code == 403
    assert fiona.post("/idcontacts", json={"name": "x"}).status_code == 403
    memo = org.memos["m-1"].id
    assert sam.patch(f"/idmemos/{memo}", json={"body": "x"}).status_code == 403
    assert sam.patch(f"/idmemos/{memo}", json={"unknown": "x"}).status_code == 403  # not a schema oracle
    assert sam.patch(f"/departments/{org.depts['East'].id}", json={"name": "Mine"}).status_code == 403
    last_admin = ada.patch(f"/users/{org.users['ada'].id}", json={"role": "sales", "display_name": "Ada"})
    assert last_admin.status_code == 409  # the last admin cannot demote herself: nothing changes
    assert ada.delete(f"/users/{org.users['ada'].id}").status_code == 409
    cycle = ada.patch(f"/departments/{org.depts['HQ'].id}", json={"parent_id": org.depts["East"].id})
    assert cycle.status_code == 422 and "parent_id" in cycle.json["error"]["fields"]
    assert contact_state(kernel, org.slug) == before
    assert len(audit_rows(kernel, org.slug)) == audit_before
    with kernel.tenant_context(org.slug):
        from core.identity.models import Department, User

        assert TrashEntry.select().count() == 0
        assert User.get_by_id(org.users["ada"].id).role.key == "admin"
        assert User.get_by_id(org.users["ada"].id).display_name == ""
        assert Department.get_by_id(org.depts["HQ"].id).parent_id is None


def test_anonymous_requests_write_nothing(kernel, client, org):
    before = contact_state(kernel, org.slug)
    anonymous = Api(client, org.slug)
    assert anonymous.post("/idcontacts", json={"name": "x"}).status_code == 401
    assert anonymous.patch(f"/idcontacts/{org.contacts['c-sam'].id}", json={"phone": "1"}).status_code == 401
    assert anonymous.delete(f"/idcontacts/{org.contacts['c-sam'].id}").status_code == 401
    assert client.post(f"/t/{org.slug}/admin/departments", data={"name": "x"}).status_code == 401
    assert contact_state(kernel, org.slug) == before


def test_odd_input_is_a_client_error_not_a_crash(client, org, api_as):
    """Huge ids, NUL characters and dates at the edge of time answer 4xx on both databases."""
    ada = api_as("ada")
    huge = "9" * 30
    for path in (f"/users/{huge}", f"/departments/{huge}", f"/roles/{huge}", f"/trash/{huge}",
                 f"/audit/{huge}", f"/field-rules/{huge}", f"/idcontacts/{huge}"):
        assert ada.get(path).status_code == 404, path
    assert ada.patch(f"/users/{org.users['sam'].id}", json={"department_id": 10**30}).status_code == 422
    assert ada.post("/departments", json={"name": "x", "parent_id": 10**30}).status_code == 422
    assert ada.get(f"/users?department_id={huge}").status_code == 400
    for bad in (ada.get("/users?q=a%00b"), ada.post("/departments", json={"name": "a\u0000b"}),
                ada.post("/roles", json={"key": "k", "name": "a\x00"})):
        assert bad.status_code == 400 and "NUL" in bad.json["error"]["message"]
    csrf = sign_in(client, org.slug, org.users["ada"])
    page = client.post(f"/t/{org.slug}/admin/departments", data={"name": "a\x00", "csrf_token": csrf})
    assert page.status_code == 400
    assert client.get(f"/t/{org.slug}/admin/users/{huge}").status_code == 404
    assert client.post(f"/t/{org.slug}/admin/departments", data={"name": "y", "parent": huge,
                                                                  "csrf_token": csrf}).status_code == 422
    edge = ada.post(f"/users/{org.users['ada'].id}/tokens",
                    json={"name": "x", "expires_at": "0001-01-01T00:00:00+05:00"})
    assert edge.status_code == 422
    assert ada.get("/audit?since=0001-01-01T00:00:00%2B05:00").status_code == 400
