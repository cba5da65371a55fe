"""Broken plugins are reported and disabled; the rest of the app runs (real broken packages)."""

from __future__ import annotations

import pytest

from core.tenancy import TenantError
from tests.conftest import NOTES, TAGS, flatten, impl_names, make_user, plugin_ref, stderr_lines

# name -> (the plugins the app loads besides notes, the broken plugins, a piece of each reason)
CASES = {
    "import error in hooks": (
        ["broken_import"],
        {"broken_import": "hooks failed to load: ModuleNotFoundError: "
                          "No module named 'xietong_no_such_package'"},
    ),
    "missing dependency": (["missing_dep"], {"missing_dep": "missing dependency nowhere>=1.0"}),
    "incompatible dependency version": (
        ["needs_new_notes"], {"needs_new_notes": "needs notes>=2.0, found notes 1.2.0"},
    ),
    "dependency cycle": (
        ["cycle_a", "cycle_b"],
        {"cycle_a": "dependency cycle: cycle_a → cycle_b → cycle_a",
         "cycle_b": "dependency cycle: cycle_a → cycle_b → cycle_a"},
    ),
    "bad hook signature": (
        ["bad_signature"], {"bad_signature": "bad hook implementation: Plugin 'bad_signature' for hook "
                                             "'crm_menu_items'; hookimpl definition: crm_menu_items(kernel, "
                                             "user, colour); Argument(s) {'colour'} are declared in the "
                                             "hookimpl but can not be found in the hookspec"},
    ),
    "unknown crm_ hook": (["unknown_hook"], {"unknown_hook": "unknown hook 'crm_menu_itmes'"}),
    "start-up hook raises": (
        ["broken_startup"],
        {"broken_startup": "hook crm_blueprints failed: ModuleNotFoundError: "
                           "No module named 'tests.plugins.broken_startup.views'"},
    ),
    "incompatible core version": (["old_core"], {"old_core": "needs core >=9,<10, this is core 0.1.0"}),
    "dependent of a broken plugin": (
        ["broken_import", "leans_on_broken"],
        {"broken_import": "No module named 'xietong_no_such_package'",
         "leans_on_broken": "depends on broken plugin broken_import"},
    ),
}
ALL_BROKEN = sorted({name for extra, _ in CASES.values() for name in extra})


def _app_config(extra: list[str]) -> list[str]:
    return [NOTES, *(plugin_ref(name) for name in extra)]


@pytest.fixture(params=list(CASES), ids=list(CASES))
def case(request, xietong_config):
    extra, broken = CASES[request.param]
    xietong_config["XIETONG_PLUGINS"] = _app_config(extra)
    return broken


def test_broken_plugin_is_reported_and_the_rest_runs(case, app, kernel, browser, tenant_factory, cli):
    for name, reason in case.items():
        entry = kernel.plugins[name]
        assert entry.status == "broken" and not entry.ok
        assert reason in entry.reason, entry.reason
        assert "\n" not in entry.reason
        assert name not in kernel.healthy()
        assert not kernel.pm.has_plugin(name)
    assert kernel.healthy() == ["core", "notes"]

    # nothing of a broken plugin stays registered, not even its valid hook implementations
    for hook in ("crm_menu_items", "crm_dashboard_widgets", "crm_entity_types"):
        assert impl_names(getattr(kernel.pm.hook, hook)) <= {"core", "notes"}
    assert "startup_thing" not in kernel.entity_types

    # the rest of the app works: a tenant gets the healthy modules, their pages answer
    slug = tenant_factory()
    assert {m for m, on in kernel.module_states(slug).items() if on} == {"core", "notes"}
    assert browser.get(f"/t/{slug}/notes/").status_code == 200
    assert browser.post(f"/t/{slug}/api/v1/notes", json={"title": "still works"}).status_code == 201
    with kernel.tenant_context(slug) as runtime:
        keys = [i.key for i in flatten(runtime.hooks.crm_menu_items(kernel=kernel, user=make_user()))]
    assert "notes" in keys

    # `xietong plugins` shows each broken plugin with its reason, one line each
    result = cli("plugins")
    assert result.exit_code == 0
    lines = {line.split("\t")[0]: line for line in result.stdout.splitlines()}
    assert lines["notes"] == "notes\t1.2.0\t-\tok"
    for name, reason in case.items():
        assert lines[name].endswith("\tbroken: " + kernel.plugins[name].reason)
        assert reason in lines[name]

    # and a broken module cannot be enabled: one clear line on stderr
    name = sorted(case)[0]
    result = cli("module", "enable", "--tenant", slug, name)
    assert result.exit_code == 2
    expected = f"xietong: error: module {name!r} is broken: {kernel.plugins[name].reason}"
    assert stderr_lines(result) == [expected]


@pytest.mark.xietong_plugins(NOTES, TAGS, *(plugin_ref(n) for n in ALL_BROKEN))
def test_every_kind_of_broken_plugin_at_once(kernel, browser, tenant, cli):
    assert kernel.healthy() == ["core", "notes", "tags"]
    assert sorted(n for n, e in kernel.plugins.items() if not e.ok) == ALL_BROKEN
    assert browser.get(f"/t/{tenant}/notes/").status_code == 200
    listed = cli("module", "list", "--tenant", tenant).stdout.splitlines()
    assert "notes\t1.2.0\tenabled" in listed
    assert "tags\t0.3.0\tenabled" in listed
    assert "old_core\t3.1.0\tbroken: needs core >=9,<10, this is core 0.1.0" in listed
    assert len(listed) == len(kernel.plugins)
    with pytest.raises(TenantError, match="module 'cycle_b' is broken: dependency cycle"):
        kernel.enable_modules(tenant, ["cycle_b"])


@pytest.mark.xietong_plugins(NOTES, "tests.plugins.notes.models:MODELS",
                             "tests.plugins.no_such_plugin:plugin")
def test_entry_that_is_not_a_plugin_or_cannot_be_imported(kernel, browser, tenant):
    assert kernel.plugins["models"].reason == (
        "entry point does not name a core.toolkit.PluginMeta (got list)"
    )
    assert kernel.plugins["no_such_plugin"].reason.startswith(
        "import failed: ModuleNotFoundError: No module named 'tests.plugins.no_such_plugin'"
    )
    assert kernel.healthy() == ["core", "notes"]
    assert browser.get(f"/t/{tenant}/notes/").status_code == 200


@pytest.mark.xietong_plugins(NOTES, TAGS)
def test_dependency_order_and_metadata(kernel):
    assert kernel.healthy().index("notes") < kernel.healthy().index("tags")
    tags = kernel.plugins["tags"]
    assert tags.ok and tags.version == "0.3.0" and tags.meta.depends == {"notes": ">=1.0,<2"}
    assert tags.source == TAGS
    assert kernel.dependents("notes") == ["tags"]
    assert kernel.with_dependencies(["tags"]) == ["notes", "tags"]
