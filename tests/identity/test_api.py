"""The identity API: users, departments, roles, tokens, audit and trash, in the contract's shapes."""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest

from tests.identity.conftest import IDTEST, Api, audit_rows

pytestmark = pytest.mark.xietong_plugins(IDTEST)


def walk(api: Api, path: str) -> list[dict]:
    """Every item of a collection, following ``next`` cursors."""
    items, url = [], path
    while True:
        page = api.get(url).json
        items.extend(page["items"])
        if page["next"] is None:
            return items
        url = f"{path}{'&' if '?' in path else '?'}cursor={page['next']}"


def test_users_collection_pages_searches_and_filters(org, api_as):
    ada = api_as("ada")
    everyone = walk(ada, "/users?limit=2")
    assert [u["username"] for u in everyone] == list(org.users)
    by_name = walk(ada, "/users?limit=4&sort=-username")
    assert [u["username"] for u in by_name] == sorted(org.users, reverse=True)
    assert {u["username"] for u in ada.get("/users?q=s").json["items"]} == {"sue", "sam", "wes", "boss"}
    assert {u["username"] for u in ada.get("/users?role=sales").json["items"]} == {"sue", "sam", "wes"}
    east = ada.get(f"/users?department_id={org.depts['East'].id}").json["items"]
    assert [u["username"] for u in east] == ["sam"]
    for bad in ("sort=password_hash", "password_hash=x", "limit=500", "cursor=zz"):
        bad = f"/users?{bad}"
        response = ada.get(bad)
        assert response.status_code == 400 and response.json["error"]["code"] == "bad_request", bad


def test_colleagues_see_the_directory_not_the_details(org, api_as):
    listed = {u["username"]: u for u in api_as("sam").get("/users").json["items"]}
    assert set(listed["boss"]) == {"id", "username", "display_name", "department_id", "active"}
    assert listed["sam"]["role"] == "sales" and "email" in listed["sam"]  # oneself in full
    assert "password_hash" not in str(api_as("ada").get("/users").json)


def test_admin_creates_updates_and_deactivates_users(kernel, client, org, api_as):
    ada = api_as("ada")
    created = ada.post("/users", json={"username": "李雷", "password": "li lei pass", "role": "manager",
                                       "department_id": org.depts["East"].id, "email": "li@example.com"})
    assert created.status_code == 201
    user = created.json
    assert created.headers["Location"].endswith(f"/users/{user['id']}")
    assert (user["role"], user["department_id"]) == ("manager", org.depts["East"].id)
    assert ada.post("/users", json={"username": "李雷"}).status_code == 409
    assert ada.post("/users", json={"username": "bad name"}).json["error"]["fields"]["username"]
    assert ada.post("/users", json={"username": "x1", "password": "short"}).status_code == 422
    assert ada.post("/users", json={"username": "x2", "role": "ghost"}).status_code == 422
    assert ada.post("/users", json={"username": "x3", "email": "not-mail"}).status_code == 422
    assert ada.post("/users", json="not an object").status_code == 400
    changed = ada.patch(f"/users/{user['id']}", json={"role": "sales", "department_id": None,
                                                      "timezone": "Europe/Berlin", "language": "en"})
    assert changed.status_code == 200
    assert (changed.json["role"], changed.json["department_id"], changed.json["timezone"]) == \
        ("sales", None, "Europe/Berlin")
    assert ada.patch(f"/users/{user['id']}", json={"timezone": "Mars/Base"}).status_code == 422
    assert ada.delete(f"/users/{user['id']}").status_code == 204
    assert ada.get(f"/users/{user['id']}").json["active"] is False
    assert ada.patch(f"/users/{user['id']}", json={"active": True}).json["active"] is True
    actions = [(e.action, e.entity) for e in audit_rows(kernel, org.slug, record_id=str(user["id"]))]
    assert actions == [("create", "user")] + [("update", "user")] * 3
    update = audit_rows(kernel, org.slug, record_id=str(user["id"]), action="update")[0]
    assert json.loads(update.changes)["role"] == [org.users["boss"].role_id, org.users["sam"].role_id]


def test_users_change_their_own_profile_and_password(org, api_as, client):
    sam = api_as("sam")
    mine = f"/users/{org.users['sam'].id}"
    assert sam.patch(mine, json={"display_name": "Sam Smith", "language": "zh_CN"}).json["display_name"] == \
        "Sam Smith"
    assert sam.patch(f"/users/{org.users['sue'].id}", json={"display_name": "x"}).status_code == 403
    wrong = sam.post(f"{mine}/password", json={"old_password": "nope", "new_password": "brand new 1"})
    assert wrong.status_code == 403
    assert sam.post(f"{mine}/password", json={"old_password": "correct horse battery",
                                              "new_password": "brand new 1"}).status_code == 204
    others = f"/users/{org.users['sue'].id}/password"
    assert sam.post(others, json={"new_password": "x" * 9}).status_code == 403
    assert sam.get("/users/me").status_code == 200  # tokens outlive a password change; sessions do not


def test_departments_form_a_tree_without_cycles(kernel, org, api_as):
    ada = api_as("ada")
    north = ada.post("/departments", json={"name": "North", "parent_id": org.depts["Sales"].id})
    assert north.status_code == 201 and north.json["parent_id"] == org.depts["Sales"].id
    twin = {"name": "North", "parent_id": org.depts["Sales"].id}
    assert ada.post("/departments", json=twin).status_code == 409
    assert ada.post("/departments", json={"name": "North"}).status_code == 201  # same name elsewhere is fine
    assert ada.post("/departments", json={"name": " "}).status_code == 422
    assert ada.post("/departments", json={"name": "Y", "parent_id": 999}).status_code == 422
    for parent in (north.json["id"], org.depts["Sales"].id):
        moved = ada.patch(f"/departments/{org.depts['Sales'].id}", json={"parent_id": parent})
        assert moved.status_code == 422, parent
    clash = ada.patch(f"/departments/{north.json['id']}", json={"parent_id": None})
    assert clash.status_code == 409  # a top-level North exists already
    moved = ada.patch(f"/departments/{north.json['id']}", json={"parent_id": org.depts["HQ"].id})
    assert moved.json["parent_id"] == org.depts["HQ"].id
    assert ada.delete(f"/departments/{org.depts['HQ'].id}").status_code == 409  # has children
    assert ada.delete(f"/departments/{org.depts['West'].id}").status_code == 409  # has users
    assert ada.delete(f"/departments/{north.json['id']}").status_code == 204
    listed = walk(api_as("sam"), "/departments?limit=2")
    assert {d["name"] for d in listed} == {"HQ", "Sales", "East", "Finance", "West", "North"}
    below = api_as("sam").get(f"/departments?parent_id={org.depts['Sales'].id}").json["items"]
    assert [d["name"] for d in below] == ["East"]


def test_roles(kernel, org, api_as):
    ada = api_as("ada")
    created = ada.post("/roles", json={"key": "service", "name": "Service", "name_zh": "客服"})
    assert created.status_code == 201 and created.json["builtin"] is False
    for bad in ({"key": "Service", "name": "x"}, {"key": "service", "name": "again"}, {"key": "x"}):
        assert ada.post("/roles", json=bad).status_code in (409, 422)
    role_id = created.json["id"]
    assert ada.patch(f"/roles/{role_id}", json={"name": "After-sales"}).json["name"] == "After-sales"
    cell = {"role": "service", "entity": "idcontact", "action": "read", "scope": "department"}
    assert ada.put("/access-rights", json={"rights": [cell]}).status_code == 200
    ada.patch(f"/users/{org.users['wes'].id}", json={"role": "service"})
    assert ada.delete(f"/roles/{role_id}").status_code == 409  # wes has it
    ada.patch(f"/users/{org.users['wes'].id}", json={"role": "sales"})
    assert ada.delete(f"/roles/{role_id}").status_code == 204
    assert ada.delete(f"/roles/{org.users['sam'].role_id}").status_code == 409  # built-in
    assert {r["key"] for r in walk(api_as("fiona"), "/roles")} == {"admin", "manager", "sales", "finance"}
    matrix = ada.get("/access-rights").json
    assert "service" not in matrix["rights"]
    assert matrix["scopes"] == ["own", "department", "subtree", "all"]
    assert {e["key"] for e in matrix["entities"]} == {"idcontact", "idmemo"}


@pytest.mark.parametrize("cell, field", [
    ({"role": "admin", "entity": "idcontact", "action": "read", "scope": "own"}, "role"),
    ({"role": "sales", "entity": "ghost", "action": "read", "scope": "own"}, "entity"),
    ({"role": "sales", "entity": "idcontact", "action": "fly", "scope": "own"}, "action"),
    ({"role": "sales", "entity": "idcontact", "action": "read", "scope": "galaxy"}, "rights"),
    ({"role": "nobody", "entity": "idcontact", "action": "read", "scope": "own"}, "role"),
])
def test_bad_matrix_cells_change_nothing(cell, field, kernel, org, api_as):
    ada = api_as("ada")
    before = ada.get("/access-rights").json
    good = {"role": "sales", "entity": "idcontact", "action": "export", "scope": "own"}
    response = ada.put("/access-rights", json={"rights": [good, cell]})
    assert response.status_code == 422 and field in response.json["error"]["fields"]
    assert ada.get("/access-rights").json == before  # all or nothing


def test_audit_api_filters_and_is_read_only(kernel, org, api_as):
    ada = api_as("ada")
    ada.patch(f"/users/{org.users['sam'].id}", json={"display_name": "Samuel"})
    entries = ada.get(f"/audit?entity=user&action=update&record_id={org.users['sam'].id}").json["items"]
    assert len(entries) == 1
    entry = entries[0]
    assert entry["username"] == "ada" and entry["changes"] == {"display_name": ["", "Samuel"]}
    assert ada.get(f"/audit/{entry['id']}").json == entry
    newest = ada.get(f"/audit?user_id={org.users['ada'].id}").json["items"][0]
    assert newest["id"] == entry["id"]
    assert ada.get(f"/audit?since={quote(entry['at'])}").json["items"][0]["id"] == entry["id"]
    assert ada.get(f"/audit?until={entry['at'].replace('+00:00', 'Z')}&entity=user&action=update"
                   ).json["items"] == []
    assert ada.get("/audit?since=yesterday").status_code == 400
    for method in ("PATCH", "DELETE", "PUT"):
        assert ada(method, f"/audit/{entry['id']}", json={}).status_code == 405
    assert ada.post("/audit", json={}).status_code == 405
    assert api_as("boss").get("/audit").status_code == 403


def test_trash_api_restores_and_purges(kernel, org, api_as):
    from core.signals import record_deleted, record_restored

    heard = []

    def listen(sender, **kw):
        heard.append((sender, kw["entity"], kw["record_id"], kw["tenant"]))

    record_deleted.connect(listen)
    record_restored.connect(listen)
    try:
        ada, sam = api_as("ada"), api_as("sam")
        mine = org.contacts["c-sam"].id
        assert sam.delete(f"/idcontacts/{mine}").status_code == 204
        assert sam.get(f"/idcontacts/{mine}").status_code == 404
        assert sam.get("/trash").status_code == 403
        items = ada.get("/trash").json["items"]
        assert [(i["entity"], i["record_id"], i["label"], i["deleted_by"]) for i in items] == \
            [("idcontact", mine, "c-sam", org.users["sam"].id)]
        assert ada.post(f"/trash/{items[0]['id']}/restore").json == {"entity": "idcontact", "record_id": mine,
                                                                      "restored": True}
        assert sam.get(f"/idcontacts/{mine}").status_code == 200
        assert ada.get("/trash").json["items"] == []
        sam.delete(f"/idcontacts/{mine}")
        entry = ada.get("/trash?entity=idcontact").json["items"][0]
        assert ada.get(f"/trash/{entry['id']}").json["record_id"] == mine
        assert ada.delete(f"/trash/{entry['id']}").status_code == 204
        assert ada.get(f"/trash/{entry['id']}").status_code == 404
        assert ada.get(f"/idcontacts/{mine}").status_code == 404
    finally:
        record_deleted.disconnect(listen)
        record_restored.disconnect(listen)
    assert [(e.action, e.username) for e in audit_rows(kernel, org.slug, entity="idcontact",
                                                       record_id=str(mine))] == \
        [("delete", "sam"), ("restore", "ada"), ("delete", "sam"), ("purge", "ada")]
    assert heard == [("idcontact", "idcontact", mine, org.slug)] * 3
    purge = audit_rows(kernel, org.slug, action="purge")[0]
    assert '"phone": ["13812345678", null]' in purge.changes  # the audit keeps what was destroyed
