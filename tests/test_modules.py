"""Modules per tenant: enabling with dependencies, disabling (data kept), 404s, hooks, signals."""

from __future__ import annotations

import pytest

from core import kernel as kernel_module
from core.migrations import MigrationRecord
from core.tenancy import TenantError
from tests.conftest import NOTES, PULSE, TAGS, flatten, impl_names, make_user
from tests.plugins.notes.models import Note, NoteEvent

pytestmark = pytest.mark.xietong_plugins(NOTES, TAGS, PULSE)


def _enabled(kernel, slug: str) -> set[str]:
    return {m for m, on in kernel.module_states(slug).items() if on}


def _tables(kernel, slug: str) -> set[str]:
    with kernel.tenant_context(slug) as runtime:
        return set(runtime.database.get_tables())


def test_enabling_pulls_in_dependencies_and_migrates_their_tables(kernel, tenant_factory):
    slug = tenant_factory(modules=[])
    assert _enabled(kernel, slug) == {"core"}
    assert not {"notes_note", "tags_tag"} & _tables(kernel, slug)

    newly = kernel.enable_modules(slug, ["tags"])

    assert newly == ["notes", "tags"]
    assert _enabled(kernel, slug) == {"core", "notes", "tags"}
    assert {"notes_note", "notes_event", "notes_tick", "tags_tag"} <= _tables(kernel, slug)
    assert "pulse_beat" not in _tables(kernel, slug)
    with kernel.tenant_context(slug) as runtime:
        assert runtime.enabled == {"core", "notes", "tags"}
        assert {(r.plugin, r.name) for r in MigrationRecord.select() if r.plugin != "core"} == {
            ("notes", "0001_initial"), ("notes", "0002_events_and_ticks"), ("tags", "0001_initial"),
        }
    assert kernel.enable_modules(slug, ["tags"]) == []  # enabling again changes nothing


def test_unknown_and_broken_modules_are_refused(kernel, tenant):
    with pytest.raises(TenantError, match="unknown module 'sales'; see 'xietong module list'"):
        kernel.enable_modules(tenant, ["sales"])
    with pytest.raises(TenantError, match="unknown module 'sales'"):
        kernel.disable_modules(tenant, ["sales"])
    with pytest.raises(TenantError, match="module 'core' cannot be disabled"):
        kernel.disable_modules(tenant, ["core"])
    with pytest.raises(TenantError, match="unknown tenant 'nobody'"):
        kernel.disable_modules("nobody", ["notes"])
    with pytest.raises(TenantError, match="unknown tenant 'nobody'"):
        kernel.enable_modules("nobody", ["notes"])


def test_disabling_refuses_while_an_enabled_module_depends_on_it(kernel, tenant):
    with pytest.raises(TenantError) as refused:
        kernel.disable_modules(tenant, ["notes"])
    assert str(refused.value) == (
        "cannot disable 'notes': enabled module(s) tags depend on it; disable those first"
    )
    assert _enabled(kernel, tenant) == {"core", "notes", "tags", "pulse"}
    kernel.disable_modules(tenant, ["tags", "notes"])  # together is fine
    assert _enabled(kernel, tenant) == {"core", "pulse"}


def test_disabled_module_is_404_there_and_200_elsewhere(kernel, browser, tenant_factory):
    on = tenant_factory()
    off = tenant_factory()
    note = browser.post(f"/t/{off}/api/v1/notes", json={"title": "kept"}).json
    kernel.disable_modules(off, ["tags", "notes"])

    for path in ("/notes/", f"/notes/{note['id']}", "/api/v1/notes", f"/api/v1/notes/{note['id']}",
                 f"/api/v1/notes/{note['id']}/tags"):
        assert browser.get(f"/t/{off}{path}").status_code == 404, path
        assert browser.get(f"/t/{on}{path}").status_code in (200, 404)
    assert browser.get(f"/t/{on}/notes/").status_code == 200
    assert browser.get(f"/t/{on}/api/v1/notes").status_code == 200
    missing = browser.get(f"/t/{off}/api/v1/notes")
    assert missing.json["error"]["code"] == "not_found"
    # writes too: the module does not exist there
    assert browser.post(f"/t/{off}/api/v1/notes", json={"title": "x"}).status_code == 404
    assert browser.delete(f"/t/{off}/api/v1/notes/{note['id']}").status_code == 404
    # the modules still enabled keep answering
    assert browser.get(f"/t/{off}/pulse/").status_code == 200


def _contributions(kernel, slug, record, user) -> tuple[list, list, list]:
    """The record tabs, menu items and widgets the tenant's enabled modules contribute."""
    with kernel.tenant_context(slug) as runtime:
        hooks = runtime.hooks
        return (flatten(hooks.crm_record_tabs(kernel=kernel, entity="customer", record=record, user=user)),
                flatten(hooks.crm_menu_items(kernel=kernel, user=user)),
                flatten(hooks.crm_dashboard_widgets(kernel=kernel, user=user)))


def test_disabled_module_contributes_no_hooks_there(kernel, tenant_factory):
    on = tenant_factory()
    off = tenant_factory()
    kernel.disable_modules(off, ["tags", "notes"])
    user = make_user()
    customer = Note(id=7, title="stands in for a customer")
    tabs, menu, widgets = _contributions(kernel, on, customer, user)
    assert [t.key for t in tabs] == ["notes"]
    assert {m.key for m in menu} >= {"notes", "pulse"}
    assert "notes.count" in {w.key for w in widgets}
    with kernel.tenant_context(off) as runtime:
        assert "notes" not in impl_names(runtime.hooks.crm_record_tabs)
    tabs, menu, widgets = _contributions(kernel, off, customer, user)
    assert "notes" not in {t.key for t in tabs}
    assert "notes" not in {m.key for m in menu} and "pulse" in {m.key for m in menu}
    assert "notes.count" not in {w.key for w in widgets}


def test_hook_crm_signal_receivers_do_not_run_where_disabled(kernel, browser, tenant_factory):
    on = tenant_factory()
    off = tenant_factory()
    kernel.disable_modules(off, ["tags", "notes"])
    for slug in (on, off):
        assert browser.post(f"/t/{slug}/api/v1/pulse/beats", json={"label": slug}).status_code == 201
    with kernel.tenant_context(on):
        assert [(e.entity, e.record_id) for e in NoteEvent.select()] == [("beat", 1)]
    with kernel.tenant_context(off):  # the table is still there (data kept), but nothing was heard
        assert NoteEvent.select().count() == 0
    assert (off, "beat") not in kernel.app.extensions["notes.heard"]
    assert (on, "beat") in kernel.app.extensions["notes.heard"]


def test_data_is_kept_and_comes_back_when_re_enabled(kernel, browser, tenant):
    created = browser.post(f"/t/{tenant}/api/v1/notes", json={"title": "remember me", "body": "內容"}).json
    tag = browser.post(f"/t/{tenant}/api/v1/notes/{created['id']}/tags", json={"label": "vip"}).json
    kernel.disable_modules(tenant, ["tags", "notes"])
    assert browser.get(f"/t/{tenant}/api/v1/notes/{created['id']}").status_code == 404
    with kernel.tenant_context(tenant):
        assert Note.get_by_id(created["id"]).title == "remember me"

    assert kernel.enable_modules(tenant, ["tags"]) == ["notes", "tags"]

    assert browser.get(f"/t/{tenant}/api/v1/notes/{created['id']}").json == created
    assert browser.get(f"/t/{tenant}/api/v1/tags/{tag['id']}").json == tag
    titles = [n["title"] for n in browser.get(f"/t/{tenant}/api/v1/notes").json["items"]]
    assert titles.count("Welcome to notes") == 1  # crm_module_enabled seeding is idempotent


def test_hook_callers_are_cached_per_enabled_set(kernel, tenant_factory):
    first = tenant_factory()
    second = tenant_factory()
    only_pulse = tenant_factory(modules=["pulse"])
    one, two, three = (kernel.runtime(s) for s in (first, second, only_pulse))
    assert one.hooks is two.hooks
    assert one.hooks is kernel.hooks_for(frozenset({"core", "notes", "tags", "pulse"}))
    assert three.hooks is not one.hooks
    assert impl_names(three.hooks.crm_menu_items) == {"core", "pulse"}
    assert three.hooks.crm_menu_items is three.hooks.crm_menu_items  # callers are built once

    kernel.enable_modules(only_pulse, ["notes"])
    now = kernel.runtime(only_pulse)
    assert now.hooks is kernel.hooks_for(frozenset({"core", "pulse", "notes"}))
    assert impl_names(now.hooks.crm_menu_items) == {"core", "pulse", "notes"}
    kernel.enable_modules(only_pulse, ["tags"])
    assert kernel.runtime(only_pulse).hooks is one.hooks


def test_a_change_made_by_another_process_reaches_a_running_app(kernel, browser, tenant, make_app,
                                                                 monkeypatch):
    assert browser.get(f"/t/{tenant}/pulse/").status_code == 200
    admin_process = make_app(plugins=[NOTES, TAGS, PULSE], share=True).extensions["xietong"]
    admin_process.disable_modules(tenant, ["pulse"])
    monkeypatch.setattr(kernel_module, "RUNTIME_TTL_SECONDS", 0.0)  # the cache's lifetime has passed
    assert browser.get(f"/t/{tenant}/pulse/").status_code == 404
    admin_process.enable_modules(tenant, ["pulse"])
    assert browser.get(f"/t/{tenant}/pulse/").status_code == 200


def test_runtime_is_available_outside_any_context(kernel, tenant, monkeypatch):
    monkeypatch.setattr(kernel_module, "RUNTIME_TTL_SECONDS", 0.0)  # always read the control database
    runtime = kernel.runtime(tenant)
    assert runtime.slug == tenant and "notes" in runtime.enabled
    assert kernel.runtime("no-such-tenant") is None
