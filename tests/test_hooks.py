"""Every hook: documented in docs/hooks.md, implemented by a test plugin, exercised by a test.

Tests named ``test_hook_<hook name>…`` (in any tests/test_*.py) are the ones that exercise a
hook; the last three tests here fail when a hookspec lacks any of the three (Datasette's habit).
"""

from __future__ import annotations

import importlib
import inspect
import re
from pathlib import Path

import pytest

from core import hookspecs
from core.identity.models import User
from core.migrations import MigrationRecord, steps_of
from core.toolkit import MenuItem, RecordTab, RowFilter, Widget
from core.web.testing import make_user as make_identity_user
from tests.conftest import LEDGER, NOTES, PULSE, REPO, TAGS, flatten, impl_names
from tests.plugins.notes.models import Note
from tests.plugins.tags.models import Tag

TESTS = Path(__file__).parent
HOOKS_DOC = REPO / "docs" / "hooks.md"
HEALTHY_TEST_PLUGINS = ["notes", "tags", "pulse", "ledger"]
HOOKSPECS = sorted(
    name for name, value in vars(hookspecs).items()
    if name.startswith("crm_") and callable(value) and hasattr(value, "xietong_spec")
)


def _spec_args(name: str) -> list[str]:
    return list(inspect.signature(getattr(hookspecs, name)).parameters)


# -- the three habits ---------------------------------------------------------------------------


def test_there_are_hookspecs():
    assert len(HOOKSPECS) >= 17
    assert {"crm_record_tabs", "crm_dashboard_widgets", "crm_permission_check"} <= set(HOOKSPECS)
    for name in HOOKSPECS:
        assert _spec_args(name)[0] == "kernel", f"{name} must receive the kernel first"
        assert ":return:" in (getattr(hookspecs, name).__doc__ or ""), f"{name} has no documented return"


def test_every_hook_is_documented_in_docs_hooks_md():
    text = HOOKS_DOC.read_text(encoding="utf-8")
    documented = {m.group(1): [a.strip() for a in m.group(2).split(",") if a.strip()]
                  for m in re.finditer(r"^#{2,3} `?(crm_\w+)\(([^)]*)\)`?\s*$", text, re.M)}
    missing = [name for name in HOOKSPECS if name not in documented]
    assert missing == [], f"hooks without a heading in docs/hooks.md: {missing}"
    wrong = {name: args for name, args in documented.items()
             if name in HOOKSPECS and args != _spec_args(name)}
    assert wrong == {}, "docs/hooks.md headings must list the hookspec's arguments"
    unknown = sorted(set(documented) - set(HOOKSPECS))
    assert unknown == [], f"docs/hooks.md documents hooks that do not exist: {unknown}"


def test_every_hook_is_implemented_by_a_test_plugin():
    implemented = set()
    for plugin in HEALTHY_TEST_PLUGINS:
        for module_name in ("hooks", "hooks_v2"):
            try:
                module = importlib.import_module(f"tests.plugins.{plugin}.{module_name}")
            except ModuleNotFoundError:
                continue
            implemented |= {name for name, value in vars(module).items()
                            if name.startswith("crm_") and hasattr(value, "xietong_impl")}
    assert [name for name in HOOKSPECS if name not in implemented] == []


def test_every_hook_has_a_test():
    source = "\n".join(p.read_text(encoding="utf-8") for p in TESTS.glob("test_*.py"))
    tested = {name for name in HOOKSPECS if re.search(rf"^def test_hook_{name}(_\w+)?\(", source, re.M)}
    assert [name for name in HOOKSPECS if name not in tested] == []


# -- start-up hooks ------------------------------------------------------------------------------


@pytest.mark.xietong_plugins(NOTES, TAGS)
def test_hook_crm_entity_types(kernel):
    note = kernel.entity_types["note"]
    assert (note.plugin, note.label, note.label_zh, note.model) == ("notes", "Note", "便签", Note)
    assert note.owner_field == "owner"
    assert "tag" not in kernel.entity_types  # tags declares none


@pytest.mark.xietong_plugins(NOTES, TAGS, PULSE, LEDGER)
def test_hook_crm_models_tables_are_prefixed_by_their_plugin(kernel):
    declared = dict(kernel.each_plugin("crm_models", kernel=kernel))
    assert set(declared) >= {"notes", "tags", "pulse", "ledger"}
    assert [m._meta.table_name for m in declared["notes"]] == ["notes_note", "notes_event", "notes_tick"]
    for plugin, models in declared.items():
        if plugin != "core":
            for model in models:
                assert model._meta.table_name.startswith(f"{plugin}_"), (plugin, model)


@pytest.mark.xietong_plugins(NOTES, TAGS)
def test_hook_crm_migrations(kernel, tenant_factory):
    plans = dict(kernel.each_plugin("crm_migrations", kernel=kernel))
    assert plans["notes"] == "tests.plugins.notes.migrations"
    assert plans["core"] == "core.tenant_migrations"
    slug = tenant_factory(modules=["notes"])
    with kernel.tenant_context(slug) as runtime:
        rows = MigrationRecord.select().where(MigrationRecord.plugin == "notes")
        rows = rows.order_by(MigrationRecord.number)
        applied = [(r.number, r.name) for r in rows]
        assert applied == [(n, name) for n, name, _ in steps_of("tests.plugins.notes.migrations")]
        assert "tags_tag" not in runtime.database.get_tables()


@pytest.mark.xietong_plugins(NOTES, TAGS)
def test_hook_crm_blueprints(app, kernel, browser, tenant):
    assert kernel.blueprint_owner["notes"] == kernel.blueprint_owner["notes_api"] == "notes"
    assert kernel.blueprint_owner["tags_api"] == "tags"
    rules = {r.rule for r in app.url_map.iter_rules()}
    assert {"/t/<tenant>/notes/", "/t/<tenant>/api/v1/notes",
            "/t/<tenant>/api/v1/notes/<int:note_id>/tags"} <= rules
    page = browser.get(f"/t/{tenant}/notes/")
    assert page.status_code == 200 and "Welcome to notes" in page.text
    assert browser.get(f"/t/{tenant}/api/v1/notes").json["items"][0]["title"] == "Welcome to notes"


@pytest.mark.xietong_plugins(NOTES, PULSE)
def test_hook_crm_module_enabled_seeds_once(kernel, tenant_factory):
    slug = tenant_factory(modules=["pulse"])
    for _ in range(2):
        kernel.enable_modules(slug, ["notes"])
        kernel.disable_modules(slug, ["notes"])
    kernel.enable_modules(slug, ["notes"])
    with kernel.tenant_context(slug):
        assert [n.body for n in Note.select()] == [f"seeded for {slug}"]


# -- per-request hooks: only the tenant's enabled plugins answer ----------------------------------


@pytest.fixture
def two_tenants(kernel, tenant_factory) -> tuple[str, str]:
    """A tenant with notes and tags enabled, and one with only pulse."""
    return tenant_factory(modules=["tags"]), tenant_factory(modules=["pulse"])


def _user(kernel, slug: str, username: str) -> User:
    with kernel.tenant_context(slug):
        found = User.get_or_none(User.username == username)
    return found or make_identity_user(kernel, slug, username, role="sales")


pytestmark_per_request = pytest.mark.xietong_plugins(NOTES, TAGS, PULSE)


@pytestmark_per_request
def test_hook_crm_menu_items(kernel, two_tenants):
    with_notes, without = two_tenants
    for slug, expected in ((with_notes, True), (without, False)):
        user = _user(kernel, slug, "ann")
        with kernel.tenant_context(slug) as runtime:
            items = flatten(runtime.hooks.crm_menu_items(kernel=kernel, user=user))
            assert all(isinstance(i, MenuItem) for i in items)
            assert ("notes" in {i.key for i in items}) is expected
            assert ("pulse" in {i.key for i in items}) is not expected
            assert ("notes" in impl_names(runtime.hooks.crm_menu_items)) is expected


@pytestmark_per_request
def test_hook_crm_record_tabs(kernel, two_tenants):
    with_notes, without = two_tenants
    with kernel.tenant_context(with_notes) as runtime:
        user = _user(kernel, with_notes, "ann")
        note = Note.create(title="tagged")
        Tag.create(note_id=note.id, label="a")
        Tag.create(note_id=note.id, label="b")
        on_note = flatten(runtime.hooks.crm_record_tabs(kernel=kernel, entity="note", record=note, user=user))
        on_customer = flatten(runtime.hooks.crm_record_tabs(kernel=kernel, entity="customer", record=note,
                                                            user=user))
    assert all(isinstance(t, RecordTab) for t in on_note + on_customer)
    tags_tab = next(t for t in on_note if t.key == "tags")
    assert (tags_tab.count, tags_tab.endpoint, tags_tab.endpoint_args) == (2, "tags_api.note_tags",
                                                                          {"note_id": note.id})
    assert "notes" in {t.key for t in on_customer} and "tags" not in {t.key for t in on_customer}
    with kernel.tenant_context(without) as runtime:
        user = _user(kernel, without, "ann")
        tabs = flatten(runtime.hooks.crm_record_tabs(kernel=kernel, entity="customer", record=note,
                                                     user=user))
        assert not {"notes", "tags"} & {t.key for t in tabs}
        assert not {"notes", "tags"} & impl_names(runtime.hooks.crm_record_tabs)


@pytestmark_per_request
def test_hook_crm_dashboard_widgets(kernel, two_tenants):
    with_notes, without = two_tenants
    with kernel.tenant_context(with_notes) as runtime:
        user = _user(kernel, with_notes, "ann")
        Note.create(title="one more")
        widgets = {w.key: w for w in flatten(runtime.hooks.crm_dashboard_widgets(kernel=kernel, user=user))}
        widget = widgets["notes.count"]
        assert isinstance(widget, Widget) and widget.module == "notes"
        assert widget.data(kernel, user, {}) == {"count": Note.select().count()} == {"count": 2}
    with kernel.tenant_context(without) as runtime:
        user = _user(kernel, without, "ann")
        widgets = flatten(runtime.hooks.crm_dashboard_widgets(kernel=kernel, user=user))
        assert "notes.count" not in {w.key for w in widgets}


def _by_plugin(caller, **kwargs) -> dict:
    """Each plugin's answer through a tenant's filtered hook caller (the kernel's own rules are
    hooks too, so answers are told apart by plugin)."""
    caller(**kwargs)  # the hook as the kernel calls it works
    return {impl.plugin_name: impl.function(**{a: kwargs[a] for a in impl.argnames})
            for impl in caller.get_hookimpls()}


@pytestmark_per_request
def test_hook_crm_permission_check(kernel, two_tenants):
    with_notes, without = two_tenants
    locked = Note(id=1, title="locked", owner="guest-gus", locked=True)
    others = Note(id=2, title="not hers", owner="ann")
    own = Note(id=3, title="hers", owner="guest-gus")
    for slug, enabled in ((with_notes, True), (without, False)):
        guest = _user(kernel, slug, "guest-gus")
        with kernel.tenant_context(slug) as runtime:
            def notes_says(action, record, guest=guest, runtime=runtime):
                answers = _by_plugin(runtime.hooks.crm_permission_check, kernel=kernel, user=guest,
                                     action=action, entity="note", record=record)
                return answers.get("notes", "not asked")

            if enabled:
                assert notes_says("delete", locked) is False  # the veto
                assert notes_says("read", others) is False
                assert notes_says("read", own) is None  # abstains
                assert notes_says("read", None) is None
            else:
                assert {notes_says(a, r) for a, r in (("delete", locked), ("read", others))} == {"not asked"}


@pytestmark_per_request
def test_hook_crm_permission_filter(kernel, two_tenants):
    with_notes, without = two_tenants
    guest = _user(kernel, with_notes, "guest-gus")
    with kernel.tenant_context(with_notes) as runtime:
        Note.create(title="gus's", owner="guest-gus")
        Note.create(title="ann's", owner="ann")
        answers = _by_plugin(runtime.hooks.crm_permission_filter, kernel=kernel, user=guest, action="read",
                             entity="note", model=Note)
        rule = answers["notes"]
        assert isinstance(rule, RowFilter) and rule.allow is None
        assert [n.title for n in Note.select().where(rule.restrict)] == ["gus's"]
        ann = _user(kernel, with_notes, "ann")
        assert _by_plugin(runtime.hooks.crm_permission_filter, kernel=kernel, user=ann, action="read",
                          entity="note", model=Note)["notes"] is None
    guest = _user(kernel, without, "guest-gus")
    with kernel.tenant_context(without) as runtime:
        answers = _by_plugin(runtime.hooks.crm_permission_filter, kernel=kernel, user=guest, action="read",
                             entity="note", model=Note)
        assert "notes" not in answers


@pytestmark_per_request
def test_hook_crm_field_rules(kernel, two_tenants):
    with_notes, without = two_tenants
    for slug, enabled in ((with_notes, True), (without, False)):
        guest = _user(kernel, slug, "guest-gus")
        ann = _user(kernel, slug, "ann")
        with kernel.tenant_context(slug) as runtime:
            rules = runtime.hooks.crm_field_rules(kernel=kernel, user=guest, entity="note")
            assert ({"body": "mask"} in rules) is enabled
            assert _by_plugin(runtime.hooks.crm_field_rules, kernel=kernel, user=guest,
                              entity="note").get("notes") == ({"body": "mask"} if enabled else None)
            assert {"body": "mask"} not in runtime.hooks.crm_field_rules(kernel=kernel, user=ann,
                                                                         entity="note")
