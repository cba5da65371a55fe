"""The third-party example (examples/xietong-hello), pip-installed as a partner's package would be.

It is found through the ``crm.plugins`` entry points (no XIETONG_PLUGINS list), can be enabled
for one tenant only, works there, and its own test-suite passes with the shipped fixtures.
"""

from __future__ import annotations

import os
import subprocess
import sys
from importlib.metadata import PackageNotFoundError, distribution, entry_points

import pytest

from core.toolkit import PluginMeta
from tests.conftest import REPO, SignedIn

EXAMPLE = REPO / "examples" / "xietong-hello"


def _installed() -> None:
    try:
        distribution("xietong-hello")
    except PackageNotFoundError:
        pytest.fail("the example plugin is not installed: python -m pip install ./examples/xietong-hello")


def test_example_is_an_installed_distribution_with_an_entry_point():
    _installed()
    [entry] = [ep for ep in entry_points(group="crm.plugins") if ep.name == "hello"]
    assert entry.value == "xietong_hello:plugin"
    assert entry.dist.name == "xietong-hello"
    meta = entry.load()
    assert isinstance(meta, PluginMeta) and meta.name == "hello" and meta.hooks == "xietong_hello.hooks"


def test_example_is_discovered_enabled_for_one_tenant_only_and_works(app, kernel, tenant_factory, cli):
    _installed()
    assert kernel.config["XIETONG_PLUGINS"] is None  # discovery, as in production
    hello = kernel.plugins["hello"]
    assert hello.ok and hello.version == "1.0.0"
    assert hello.source == "entry point xietong_hello:plugin"

    chosen, other = tenant_factory(modules=[]), tenant_factory(modules=[])
    result = cli("module", "enable", "--tenant", chosen, "hello")
    assert result.exit_code == 0 and result.stdout == f"enabled in {chosen}: hello\n"
    assert kernel.module_states(chosen)["hello"] is True
    assert "hello" not in kernel.module_states(other)

    browser = SignedIn(app)
    created = browser.post(f"/t/{chosen}/api/v1/hello/greetings", json={"message": "只在这里"})
    assert created.status_code == 201
    assert browser.get(f"/t/{chosen}/api/v1/hello/greetings").json["items"] == [created.json]
    page = browser.get(f"/t/{chosen}/hello/")
    assert page.status_code == 200 and "只在这里" in page.text
    for path in ("/hello/", "/api/v1/hello/greetings", f"/api/v1/hello/greetings/{created.json['id']}"):
        assert browser.get(f"/t/{other}{path}").status_code == 404, path
    with kernel.tenant_context(other) as runtime:
        assert "hello_greeting" not in runtime.database.get_tables()
        assert "hello" not in {impl.plugin_name for impl in runtime.hooks.crm_record_tabs.get_hookimpls()}

    result = cli("module", "disable", "--tenant", chosen, "hello")
    assert result.exit_code == 0
    assert browser.get(f"/t/{chosen}/hello/").status_code == 404
    kernel.enable_modules(chosen, ["hello"])
    assert browser.get(f"/t/{chosen}/api/v1/hello/greetings").json["items"] == [created.json]


def test_examples_own_tests_pass_with_the_shipped_fixtures():
    _installed()
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH")) if p)
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", "-p", "no:xdist"],
                          cwd=EXAMPLE, env=env, capture_output=True, text=True, timeout=600)
    summary = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else done.stderr
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert " passed" in summary and "skipped" not in summary and "error" not in summary
