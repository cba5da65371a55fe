"""The app factory: no module-global state, so apps in one process never meet."""

from __future__ import annotations

import pytest

from core.toolkit import record_created
from tests.conftest import NOTES, PULSE, TAGS, SignedIn, flatten, impl_names, make_user
from tests.plugins.notes.models import Note


@pytest.mark.xietong_plugins(NOTES)
def test_healthz_and_root_redirect(client, kernel):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "version": kernel.version}
    root = client.get("/")
    assert root.status_code == 302
    assert root.headers["Location"].endswith("/t/default/")


@pytest.mark.xietong_plugins(NOTES, TAGS)
def test_two_apps_do_not_see_each_others_plugins_hooks_or_routes(app, kernel, make_app, tenant_factory):
    other_app = make_app(plugins=[PULSE])
    other = other_app.extensions["xietong"]

    assert other is not kernel and other.pm is not kernel.pm
    assert kernel.healthy() == ["core", "notes", "tags"]
    assert other.healthy() == ["core", "pulse"]
    assert not other.pm.has_plugin("notes") and not kernel.pm.has_plugin("pulse")

    # hooks: each app's hook calls reach only its own plugins
    user = make_user()
    assert impl_names(kernel.pm.hook.crm_menu_items) == {"core", "notes"}
    assert impl_names(other.pm.hook.crm_menu_items) == {"core", "pulse"}
    mine = {i.key for i in flatten(kernel.pm.hook.crm_menu_items(kernel=kernel, user=user))}
    theirs = {i.key for i in flatten(other.pm.hook.crm_menu_items(kernel=other, user=user))}
    assert "notes" in mine and "pulse" not in mine
    assert "pulse" in theirs and "notes" not in theirs
    assert "note" in kernel.entity_types and "note" not in other.entity_types

    # routes: the same tenant slug in both apps, each with its own modules and data
    tenant_factory("acme")
    other.create_tenant("acme", "Another Acme")
    client, other_client = SignedIn(app), SignedIn(other_app)
    assert client.post("/t/acme/api/v1/notes", json={"title": "only in app one"}).status_code == 201
    assert client.get("/t/acme/notes/").status_code == 200
    assert other_client.get("/t/acme/notes/").status_code == 404
    assert other_client.get("/t/acme/api/v1/notes").status_code == 404
    assert other_client.get("/t/acme/pulse/").status_code == 200
    assert client.get("/t/acme/pulse/").status_code == 404
    assert not any(r.endpoint.startswith("pulse") for r in app.url_map.iter_rules())
    assert not any(r.endpoint.startswith("notes") for r in other_app.url_map.iter_rules())

    # signals: a signal sent inside the other app never reaches this app's receivers
    assert other_client.post("/t/acme/api/v1/pulse/beats", json={"label": "x"}).status_code == 201
    heard = app.extensions["notes.heard"]
    assert heard == [("acme", "note")]
    with other.tenant_context("acme"):
        record_created.send(other, tenant="acme", entity="note", record=Note(id=99, title="ghost"))
    assert heard == [("acme", "note")]
    assert "notes.heard" not in other_app.extensions

    # data: the two "acme" tenants are two databases
    with kernel.tenant_context("acme"):
        titles = {n.title for n in Note.select()}
        with other.tenant_context("acme") as other_acme:
            assert other_acme.database is not kernel.tenant_database("acme")
            assert not other_acme.database.table_exists("notes_note")
        assert {n.title for n in Note.select()} == titles
    assert "only in app one" in titles


@pytest.mark.xietong_plugins(NOTES)
def test_apps_with_the_same_plugins_share_nothing_but_code(app, kernel, make_app, tenant_factory):
    twin_app = make_app(plugins=[NOTES])
    twin = twin_app.extensions["xietong"]
    tenant_factory("acme")
    twin.create_tenant("acme", "Twin Acme")
    assert SignedIn(app).post("/t/acme/api/v1/notes", json={"title": "mine"}).status_code == 201
    listed = SignedIn(twin_app).get("/t/acme/api/v1/notes").json["items"]
    assert [n["title"] for n in listed] == ["Welcome to notes"]
    assert twin.hooks_for(frozenset({"core", "notes"})) is not kernel.hooks_for(frozenset({"core", "notes"}))


@pytest.mark.xietong_plugins(NOTES)
def test_unknown_tenant_is_404(client, browser, tenant):
    for who in (client, browser):
        assert who.get("/t/no-such-tenant/notes/").status_code == 404
        response = who.get("/t/no-such-tenant/api/v1/notes")
        assert response.status_code == 404
        assert response.json["error"]["code"] == "not_found"
    assert browser.get(f"/t/{tenant}/notes/").status_code == 200
