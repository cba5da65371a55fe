"""The permission matrix: roles × entities × actions × paths (detail, list, search, export, API).

The expectations below are written out by hand from the built-in roles' default rights and the
department tree in conftest.py — not computed with the permission engine they check.
"""

from __future__ import annotations

import csv
import io

import pytest

from tests.identity.conftest import IDTEST, audit_rows, sign_in

pytestmark = pytest.mark.xietong_plugins(IDTEST)

ALL_CONTACTS = {"c-ada", "c-boss", "c-sue", "c-sam", "c-wes"}
# Which contacts each user may act on, per action (None: the role lacks the right entirely).
CONTACT_SCOPE = {
    "ada": dict.fromkeys(("read", "write", "delete", "export"), ALL_CONTACTS),
    "boss": dict.fromkeys(("read", "write", "delete", "export"), {"c-boss", "c-sue", "c-sam"}),
    "sam": {"read": {"c-sam"}, "write": {"c-sam"}, "delete": {"c-sam"}, "export": None},
    "fiona": {"read": ALL_CONTACTS, "write": None, "delete": None, "export": ALL_CONTACTS},
}
CAN_CREATE = {"idcontact": {"ada", "boss", "sam"}, "idmemo": {"ada", "boss"}}
MEMO_RIGHTS = {  # user: actions on idmemo
    "ada": {"read", "write", "delete", "export"}, "boss": {"read", "write", "delete", "export"},
    "sam": {"read"}, "fiona": set(),
}


def names_in_page(html: str) -> set[str]:
    return {part.split("<", 1)[0] for part in html.split('<span class="name">')[1:]}


def check(failures: list[str], what: str, got: object, expected: object) -> None:
    if got != expected:
        failures.append(f"{what}: got {got!r}, expected {expected!r}")


@pytest.mark.parametrize("who", ["sam", "boss", "fiona", "ada"])
def test_permission_matrix(who, kernel, client, org, api_as):
    api = api_as(who)
    sign_in(client, org.slug, org.users[who])
    page = f"/t/{org.slug}"
    failures: list[str] = []
    writes: set[tuple[str, str, str]] = set()
    scope = CONTACT_SCOPE[who]

    # read: API list, API search, page list, page search, API detail, page detail
    listed = api.get("/idcontacts")
    check(failures, "API list", {i["name"] for i in listed.json["items"]}, scope["read"])
    found = api.get("/idcontacts?q=c-s")
    searched = scope["read"] & {"c-sue", "c-sam"}
    check(failures, "API search", {i["name"] for i in found.json["items"]}, searched)
    check(failures, "page list", names_in_page(client.get(f"{page}/idcontacts/").text), scope["read"])
    check(failures, "page search", names_in_page(client.get(f"{page}/idcontacts/?q=c-s").text), searched)
    for name, record in org.contacts.items():
        expected = 200 if name in scope["read"] else 404
        check(failures, f"API detail {name}", api.get(f"/idcontacts/{record.id}").status_code, expected)
        shown = client.get(f"{page}/idcontacts/{record.id}")
        check(failures, f"page detail {name}", shown.status_code, expected)

    # export
    exported = api.get("/idcontacts/export")
    if scope["export"] is None:
        check(failures, "export status", exported.status_code, 403)
    else:
        rows = list(csv.DictReader(io.StringIO(exported.text)))
        check(failures, "export rows", {r["name"] for r in rows}, scope["export"])

    # write: visible and allowed → 200; visible, not allowed → 403; invisible → 404
    for name, record in org.contacts.items():
        response = api.patch(f"/idcontacts/{record.id}", json={"phone": "13999999999"})
        expected = 404 if name not in scope["read"] else (200 if name in (scope["write"] or ()) else 403)
        check(failures, f"write {name}", response.status_code, expected)
        if response.status_code == 200:
            writes.add(("update", "idcontact", str(record.id)))

    # create
    response = api.post("/idcontacts", json={"name": f"new-{who}"})
    check(failures, "create contact", response.status_code, 201 if who in CAN_CREATE["idcontact"] else 403)
    if response.status_code == 201:
        writes.add(("create", "idcontact", str(response.json["id"])))
        check(failures, "new contact's owner", response.json["owner_id"], org.users[who].id)

    # memos: an entity without owner, where scope does not apply
    memo = org.memos["m-1"]
    rights = MEMO_RIGHTS[who]
    check(failures, "memo list", api.get("/idmemos").status_code, 200 if "read" in rights else 403)
    readable = 200 if "read" in rights else 404
    check(failures, "memo detail", api.get(f"/idmemos/{memo.id}").status_code, readable)
    check(failures, "memo page", client.get(f"{page}/idmemos/{memo.id}").status_code, readable)
    check(failures, "memo export", api.get("/idmemos/export").status_code, 200 if "export" in rights else 403)
    response = api.patch(f"/idmemos/{memo.id}", json={"body": "changed"})
    check(failures, "memo write", response.status_code,
          200 if "write" in rights else (403 if "read" in rights else 404))
    if response.status_code == 200:
        writes.add(("update", "idmemo", str(memo.id)))
    response = api.post("/idmemos", json={"title": "t"})
    check(failures, "memo create", response.status_code, 201 if who in CAN_CREATE["idmemo"] else 403)
    if response.status_code == 201:
        writes.add(("create", "idmemo", str(response.json["id"])))

    # delete last: it changes what is visible
    for name, record in org.contacts.items():
        response = api.delete(f"/idcontacts/{record.id}")
        expected = 404 if name not in scope["read"] else (204 if name in (scope["delete"] or ()) else 403)
        check(failures, f"delete {name}", response.status_code, expected)
        if response.status_code == 204:
            writes.add(("delete", "idcontact", str(record.id)))
            check(failures, f"{name} after delete", api.get(f"/idcontacts/{record.id}").status_code, 404)
    remaining = {i["name"] for i in api.get("/idcontacts").json.get("items", [])}
    deleted = {name for name in scope["read"] if name in (scope["delete"] or ())}
    check(failures, "list after deletes", remaining - {f"new-{who}"}, scope["read"] - deleted)

    assert not failures, "\n".join(failures)
    # The audit log shows every change made here, by this user, and nothing that was refused.
    logged = {(e.action, e.entity, e.record_id) for e in audit_rows(kernel, org.slug, user=org.users[who].id)
              if e.entity in ("idcontact", "idmemo") and e.action != "export"}
    assert logged == writes
    exports = audit_rows(kernel, org.slug, user=org.users[who].id, action="export")
    assert len(exports) == (scope["export"] is not None) + ("export" in rights)


def test_sharing_rule_and_secret_veto_hold_on_every_path(kernel, client, org, api_as, in_tenant):
    """A plugin's rules (co-owner sharing, secret records) hold on list, detail, search and export."""
    from tests.identity.plugins.idtest.models import IdContact

    with in_tenant():
        IdContact.update(co_owner=org.users["sam"].id).where(IdContact.name == "c-wes").execute()
        IdContact.update(secret=True).where(IdContact.name.in_(["c-sam", "c-sue"])).execute()
    sam, boss, fiona = api_as("sam"), api_as("boss"), api_as("fiona")
    assert {i["name"] for i in sam.get("/idcontacts").json["items"]} == {"c-wes"}  # shared; own is secret
    assert sam.get(f"/idcontacts/{org.contacts['c-wes'].id}").status_code == 200
    assert sam.patch(f"/idcontacts/{org.contacts['c-wes'].id}", json={"phone": "1"}).status_code == 200
    # shared for reading and writing only
    assert sam.delete(f"/idcontacts/{org.contacts['c-wes'].id}").status_code == 403
    assert sam.get(f"/idcontacts/{org.contacts['c-sam'].id}").status_code == 404  # secret: vetoed
    assert sam.get("/idcontacts?q=c-sam").json["items"] == []
    assert {i["name"] for i in boss.get("/idcontacts").json["items"]} == {"c-boss", "c-sue", "c-sam"}
    rows = list(csv.DictReader(io.StringIO(fiona.get("/idcontacts/export").text)))
    assert {r["name"] for r in rows} == {"c-ada", "c-boss", "c-wes"}  # finance is not a manager
    sign_in(client, org.slug, org.users["sam"])
    assert client.get(f"/t/{org.slug}/idcontacts/{org.contacts['c-sam'].id}").status_code == 404


def test_rights_changed_in_the_matrix_apply_at_once(kernel, org, api_as):
    """The admin widens sales' scope to the department subtree and takes export from finance."""
    ada, sue, fiona = api_as("ada"), api_as("sue"), api_as("fiona")
    assert {i["name"] for i in sue.get("/idcontacts").json["items"]} == {"c-sue"}
    changed = ada.put("/access-rights", json={"rights": [
        {"role": "sales", "entity": "idcontact", "action": "read", "scope": "subtree"},
        {"role": "finance", "entity": "idcontact", "action": "export", "scope": None},
    ]})
    assert changed.status_code == 200
    assert changed.json["rights"]["sales"]["idcontact"]["read"] == "subtree"
    assert "export" not in changed.json["rights"]["finance"]["idcontact"]
    assert {i["name"] for i in sue.get("/idcontacts").json["items"]} == {"c-sue", "c-sam", "c-boss"}
    assert sue.patch(f"/idcontacts/{org.contacts['c-sam'].id}", json={"phone": "1"}).status_code == 403
    assert fiona.get("/idcontacts/export").status_code == 403
    logged = audit_rows(kernel, org.slug, action="permission", entity="access_right")
    assert {e.record_id for e in logged} >= {"sales/idcontact/read", "finance/idcontact/export"}


def test_a_rule_allowing_everything_drops_the_other_allow_rules_from_the_sql(in_tenant, org):
    """Admins read every contact through the built-in rule, so the test plugin's co-owner rule
    adds nothing and is left out of the query; restrictions still apply to everyone."""
    from core.identity import permissions
    from tests.identity.plugins.idtest.models import IdContact

    with in_tenant():
        def where(name):
            query = permissions.visible(IdContact.select(IdContact.name), org.users[name], "idcontact",
                                        IdContact)
            return query.sql()[0].split(" WHERE ", 1)[1], {c.name for c in query}

        admin_sql, admin_sees = where("ada")
        assert "co_owner" not in admin_sql and admin_sees == ALL_CONTACTS
        sales_sql, sales_sees = where("sam")
        assert "co_owner" in sales_sql and "secret" in sales_sql and sales_sees == {"c-sam"}
        finance_sql, _ = where("fiona")
        assert "co_owner" not in finance_sql and "secret" in finance_sql  # sees all, still restricted
