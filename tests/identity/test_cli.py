"""``xietong user|token|department`` and ``xietong init``'s admin (CONTRACT.md)."""

from __future__ import annotations

import re

import pytest

from tests.conftest import stderr_lines
from tests.identity.conftest import IDTEST, Api

pytestmark = pytest.mark.xietong_plugins(IDTEST)


def test_departments_users_and_tokens_from_the_command_line(cli, client, tenant):
    assert cli("department", "create", "--tenant", tenant, "Sales").exit_code == 0
    assert cli("department", "create", "--tenant", tenant, "East", "--parent", "Sales").exit_code == 0
    assert cli("department", "list", "--tenant", tenant).output.splitlines()[1].startswith("  East\t")
    made = cli("user", "create", "--tenant", tenant, "sam", "--role", "sales", "--department", "East",
               "--password-stdin", input="s3cret pass\n")
    assert made.exit_code == 0 and "created user sam (sales)" in made.output
    assert "sam\tsales\tEast\tactive" in cli("user", "list", "--tenant", tenant).output
    issued = cli("token", "create", "--tenant", tenant, "sam")
    assert issued.exit_code == 0
    lines = issued.stdout.splitlines()
    assert len(lines) == 1 and re.fullmatch(r"xt_[\w-]{40,}", lines[0])
    me = Api(client, tenant, lines[0]).get("/users/me")
    assert me.status_code == 200 and me.json["username"] == "sam"
    assert me.json["department_id"] is not None
    revoked = cli("token", "revoke", "--tenant", tenant, lines[0][:10])
    assert revoked.exit_code == 0
    assert Api(client, tenant, lines[0]).get("/users/me").status_code == 401
    expiring = cli("token", "create", "--tenant", tenant, "sam", "--days", "1").stdout.strip()
    assert Api(client, tenant, expiring).get("/users/me").json["username"] == "sam"
    reset = cli("user", "set-password", "--tenant", tenant, "sam", "--password-stdin",
                input="n3w pass word\n")
    assert reset.exit_code == 0


@pytest.mark.parametrize("args, stdin, message", [
    (("user", "create", "--tenant", "nowhere", "x", "--role", "sales"), None, "unknown tenant 'nowhere'"),
    (("user", "create", "--tenant", "{t}", "x", "--role", "wizard"), None, "unknown role 'wizard'"),
    (("user", "create", "--tenant", "{t}", "x", "--role", "sales", "--department", "Mars"), None,
     "unknown department 'Mars'"),
    (("user", "create", "--tenant", "{t}", "x y", "--role", "sales"), None, "user name"),
    (("user", "create", "--tenant", "{t}", "x", "--role", "sales", "--password-stdin"), "short\n",
     "8 characters"),
    (("user", "create", "--tenant", "{t}", "x", "--role", "sales", "--password-stdin"), "",
     "no password"),
    (("token", "create", "--tenant", "{t}", "ghost"), None, "unknown user 'ghost'"),
    (("token", "revoke", "--tenant", "{t}", "xt_nothing"), None, "no single token"),
    (("department", "create", "--tenant", "{t}", "East", "--parent", "Nowhere"), None, "unknown department"),
    (("user", "set-password", "--tenant", "{t}", "ghost", "--password-stdin"), "long enough\n",
     "unknown user"),
])
def test_bad_input_is_one_line_on_stderr(args, stdin, message, cli, tenant):
    result = cli(*[a.replace("{t}", tenant) for a in args], input=stdin)
    assert result.exit_code != 0
    lines = stderr_lines(result)
    assert len(lines) == 1 and message in lines[0], lines
    assert result.stdout == ""


def test_duplicate_user_and_department_are_refused(cli, tenant):
    cli("department", "create", "--tenant", tenant, "Sales")
    again = cli("department", "create", "--tenant", tenant, "Sales")
    assert again.exit_code != 0 and "already a department" in stderr_lines(again)[0]
    cli("user", "create", "--tenant", tenant, "sam", "--role", "sales")
    twin = cli("user", "create", "--tenant", tenant, "SAM", "--role", "manager")
    assert twin.exit_code != 0 and "taken" in stderr_lines(twin)[0]


def test_init_sets_the_admin(cli, client, kernel):
    first = cli("init", "--admin", "boss", "--password-stdin", input="boss pass 1\n")
    assert first.exit_code == 0 and "admin user boss created in tenant default" in first.output
    assert "password" not in first.output.split("admin user", 1)[1].split("\n")[0]
    again = cli("init", "--admin", "boss", "--password-stdin", input="boss pass 2\n")
    assert "admin user boss updated" in again.output
    with kernel.tenant_context("default"):
        from core.identity.models import User
        from core.identity.passwords import verify_password

        boss = User.get(User.username == "boss")
        assert boss.is_admin and verify_password(boss.password_hash, "boss pass 2")
    assert "admin user" not in cli("init").output  # an admin exists: nothing generated


def test_init_without_admin_prints_a_generated_password_once(cli, kernel):
    first = cli("init")
    pattern = r"admin user admin created in tenant default; password \(shown once\): (\S+)"
    match = re.search(pattern, first.output)
    assert match
    with kernel.tenant_context("default"):
        from core.identity.models import Role, User
        from core.identity.passwords import verify_password

        admin = User.get(User.username == "admin")
        assert admin.is_admin and verify_password(admin.password_hash, match.group(1))
        assert {r.key for r in Role.select()} == {"admin", "manager", "sales", "finance"}
    assert match.group(1) not in cli("init").output
