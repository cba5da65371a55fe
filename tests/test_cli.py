"""The ``xietong`` command line (CONTRACT.md), in-process against a test app."""

from __future__ import annotations

import pytest

from tests.conftest import NOTES, PULSE, TAGS, stderr_lines
from tests.plugins.notes.models import Note

pytestmark = pytest.mark.xietong_plugins(NOTES, TAGS, PULSE)


def _notes(kernel, slug: str) -> list[str]:
    with kernel.tenant_context(slug):
        return [n.title for n in Note.select().order_by(Note.id)]


def test_hook_crm_init_and_init_is_idempotent(kernel, cli):
    first = cli("init")
    assert first.exit_code == 0, first.stderr
    out = first.stdout.splitlines()
    assert out[0] == "created tenant default with modules: core, notes, pulse, tags"
    assert "notes: 1 note(s) in default" in out
    assert out[-1] == f"data folder: {kernel.config['XIETONG_DATA']}"

    again = cli("init", "--demo")
    assert again.exit_code == 0, again.stderr
    assert again.stdout.splitlines()[0] == "tenant default exists; enabled nothing new"
    assert "notes: 4 note(s) in default" in again.stdout.splitlines()
    assert cli("init", "--demo").exit_code == 0
    assert [t.slug for t in kernel.tenants()] == ["default"]
    titles = _notes(kernel, "default")
    assert titles[:4] == ["Welcome to notes", "Demo 1", "Demo 2", "Demo 3"]
    # --demo also ran every module's crm_demo_data, once: the second --demo added nothing
    assert titles[4:] == [f"Customer note {i}" for i in range(1, 201)]


def test_init_enables_modules_installed_since_and_leaves_disabled_ones_off(kernel, cli):
    kernel.create_tenant("default", "Default company", modules=["notes"])  # pulse, tags came later
    result = cli("init")
    assert result.stdout.splitlines()[0] == "tenant default exists; enabled pulse, tags"
    kernel.disable_modules("default", ["pulse"])
    result = cli("init")
    assert result.stdout.splitlines()[0] == "tenant default exists; enabled nothing new"
    assert "pulse" not in kernel.runtime("default", refresh=True).enabled  # the admin's choice holds


def test_tenant_create_and_list(cli):
    result = cli("tenant", "create", "acme", "--name", "Acme 贸易")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "created tenant acme (Acme 贸易); modules: core, notes, pulse, tags\n"
    result = cli("tenant", "create", "slim", "--name", "Slim", "--module", "tags")
    assert result.stdout == "created tenant slim (Slim); modules: core, notes, tags\n"
    listed = cli("tenant", "list")
    assert listed.exit_code == 0
    assert listed.stdout.splitlines() == ["acme\tAcme 贸易\tcore,notes,pulse,tags",
                                          "slim\tSlim\tcore,notes,tags"]


def test_module_list_enable_disable(kernel, cli, tenant_factory):
    slug = tenant_factory(modules=["pulse"])
    assert cli("module", "list", "--tenant", slug).stdout.splitlines() == [
        "core\t0.1.0\tenabled", "notes\t1.2.0\tdisabled", "pulse\t2.0.0\tenabled", "tags\t0.3.0\tdisabled",
    ]
    result = cli("module", "enable", "--tenant", slug, "tags")
    assert result.exit_code == 0
    assert result.stdout == f"enabled in {slug}: notes, tags\n"
    assert "tags\t0.3.0\tenabled" in cli("module", "list", "--tenant", slug).stdout.splitlines()
    result = cli("module", "disable", "--tenant", slug, "tags", "pulse")
    assert result.stdout == f"disabled in {slug}: tags, pulse (data kept)\n"
    assert kernel.module_states(slug) == {"core": True, "pulse": False, "notes": True, "tags": False}


def test_plugins_lists_name_version_depends_status(cli):
    result = cli("plugins")
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [
        "core\t0.1.0\t-\tok", "notes\t1.2.0\t-\tok", "pulse\t2.0.0\t-\tok", "tags\t0.3.0\tnotes>=1.0,<2\tok",
    ]


def test_hook_crm_demo_data_fills_a_tenant(kernel, cli, tenant):
    result = cli("demo", "--tenant", tenant, "--customers", "5")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == f"notes: created 5 demo note(s) in {tenant}\n"
    assert "notes" in result.stderr  # the progress bar's label
    assert _notes(kernel, tenant).count("Customer note 5") == 1
    assert len(_notes(kernel, tenant)) == 6


def test_demo_with_no_module_that_makes_data(cli, tenant_factory):
    slug = tenant_factory(modules=["pulse"])
    result = cli("demo", "--tenant", slug, "--customers", "3")
    assert result.exit_code == 0
    assert result.stdout == f"no enabled module of {slug} makes demo data\n"


def test_migrate_command(cli, tenant_factory):
    tenant_factory("one")
    result = cli("migrate")
    assert result.exit_code == 0
    assert result.stdout == "one: 0 step(s) applied\n"


def test_hook_crm_cli_commands_join_the_command_line(cli, tenant, tenant_factory):
    assert "notes" in cli("--help").stdout
    result = cli("notes", "count", "--tenant", tenant)
    assert result.exit_code == 0
    assert result.stdout == f"{tenant}: 1 note(s)\n"
    tenant_factory("zz-without", modules=["pulse"])
    result = cli("notes", "tenants")  # runs inside the app's context, as the hook promises
    assert result.exit_code == 0, result.stderr
    assert result.stdout == f"{tenant}\n"


def test_worker_once_runs_queued_tasks(kernel, cli, tenant):
    kernel.enqueue("notes.add", tenant=tenant, title="by the worker")
    result = cli("worker", "--once")
    assert result.stdout == "ran 1 task(s)\n"
    assert _notes(kernel, tenant)[-1] == "by the worker"


BAD_INPUT = {
    "tenant create: bad slug": (
        ["tenant", "create", "Bad_Slug", "--name", "X"],
        "xietong: error: invalid tenant slug 'Bad_Slug': use 1-40 lowercase letters, digits and dashes, "
        "starting and ending with a letter or digit",
    ),
    "tenant create: reserved slug": (
        ["tenant", "create", "admin", "--name", "X"],
        "xietong: error: tenant slug 'admin' is reserved; choose another",
    ),
    "tenant create: exists": (
        ["tenant", "create", "existing", "--name", "X"], "xietong: error: tenant 'existing' already exists",
    ),
    "tenant create: no name": (
        ["tenant", "create", "fresh"], "xietong: error: Missing option '--name'.",
    ),
    "module list: unknown tenant": (
        ["module", "list", "--tenant", "nobody"],
        "xietong: error: unknown tenant 'nobody'; see 'xietong tenant list'",
    ),
    "module enable: unknown tenant": (
        ["module", "enable", "--tenant", "nobody", "notes"],
        "xietong: error: unknown tenant 'nobody'; see 'xietong tenant list'",
    ),
    "module disable: unknown tenant": (
        ["module", "disable", "--tenant", "nobody", "notes"],
        "xietong: error: unknown tenant 'nobody'; see 'xietong tenant list'",
    ),
    "module enable: unknown module": (
        ["module", "enable", "--tenant", "existing", "sales"],
        "xietong: error: unknown module 'sales'; see 'xietong module list'",
    ),
    "module disable: unknown module": (
        ["module", "disable", "--tenant", "existing", "sales"],
        "xietong: error: unknown module 'sales'; see 'xietong module list'",
    ),
    "module disable: dependents enabled": (
        ["module", "disable", "--tenant", "existing", "notes"],
        "xietong: error: cannot disable 'notes': enabled module(s) tags depend on it; disable those first",
    ),
    "demo: unknown tenant": (
        ["demo", "--tenant", "nobody"], "xietong: error: unknown tenant 'nobody'; see 'xietong tenant list'",
    ),
    "plugin command: unknown tenant": (
        ["notes", "count", "--tenant", "nobody"],
        "xietong: error: unknown tenant 'nobody'; see 'xietong tenant list'",
    ),
    "unknown command": (["frobnicate"], "xietong: error: No such command 'frobnicate'."),
    "init: empty password": (
        ["init", "--password-stdin"], "xietong: error: no password on standard input",
    ),
}


@pytest.mark.parametrize("case", list(BAD_INPUT), ids=list(BAD_INPUT))
def test_bad_input_exits_non_zero_with_one_line_on_stderr(cli, tenant_factory, case):
    tenant_factory("existing")
    args, message = BAD_INPUT[case]
    result = cli(*args, input="")
    assert result.exit_code != 0
    assert stderr_lines(result) == [message]
    assert result.stdout == "" or case.startswith("init")
