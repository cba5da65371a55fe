"""``xietong user``, ``xietong token`` and ``xietong department`` (CONTRACT.md).

Bad input exits non-zero with one line on stderr: every IdentityError becomes a CliError.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import click

from core.cli import CliError, kernel_from_context, read_password_stdin
from core.identity import services
from core.identity.errors import IdentityError
from core.identity.models import User, utcnow
from core.identity.tokens import create_token, revoke_token
from core.tenancy import Tenant

tenant_option: Callable[[Any], Any] = click.option(
    "--tenant", "slug", required=True, help="The tenant's slug (see 'xietong tenant list')."
)


@contextmanager
def in_tenant(slug: str) -> Iterator[Any]:
    """Work inside tenant ``slug``, turning identity errors into one-line CLI errors."""
    kernel = kernel_from_context()
    with kernel.app.app_context():
        if Tenant.get_or_none(Tenant.slug == slug) is None:
            raise CliError(f"unknown tenant {slug!r}; see 'xietong tenant list'")
    try:
        with kernel.tenant_context(slug) as runtime, runtime.database.atomic():
            yield runtime
    except IdentityError as exc:
        raise CliError(exc.message) from exc


@click.group()
def user() -> None:
    """Create and list users of a tenant."""


@user.command("create")
@tenant_option
@click.argument("name")
@click.option("--role", required=True, help="admin, manager, sales, finance or a tenant's own role.")
@click.option("--department", default=None, help="Department name or id.")
@click.option("--display-name", default="", help="Full name shown in the UI.")
@click.option("--email", default="")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def user_create(slug: str, name: str, role: str, department: str | None, display_name: str,
                email: str, password_stdin: bool) -> None:
    """Create user NAME (without --password-stdin it cannot sign in until a password is set)."""
    password = read_password_stdin() if password_stdin else None
    with in_tenant(slug):
        created = services.create_user(name, password, role=role, department=department,
                                       display_name=display_name or name, email=email)
        click.echo(f"created user {created.username} ({created.role.key}) in {slug}")


@user.command("list")
@tenant_option
def user_list(slug: str) -> None:
    """One user a line: name, role, department, active."""
    with in_tenant(slug):
        for row in User.select().order_by(User.username):
            dept = row.department.name if row.department_id else "-"
            click.echo(f"{row.username}\t{row.role.key}\t{dept}\t{'active' if row.active else 'inactive'}")


@user.command("set-password")
@tenant_option
@click.argument("name")
@click.option("--password-stdin", is_flag=True, required=True, help="Read the password from stdin.")
def user_set_password(slug: str, name: str, password_stdin: bool) -> None:
    """Reset NAME's password (ends their sessions)."""
    password = read_password_stdin()
    with in_tenant(slug):
        services.set_password(services.find_user(name), password)
        click.echo(f"password of {name} reset; their sessions have ended")


@click.group()
def token() -> None:
    """Create and revoke API tokens."""


@token.command("create")
@tenant_option
@click.argument("name")
@click.option("--label", default="cli", show_default=True, help="What the token is for.")
@click.option("--days", type=click.IntRange(1, 3650), default=None, help="Expire after this many days.")
def token_create(slug: str, name: str, label: str, days: int | None) -> None:
    """Print a new API token for user NAME: one line, shown only this once."""
    with in_tenant(slug):
        expires = utcnow() + dt.timedelta(days=days) if days else None
        _, raw = create_token(services.find_user(name), label, expires_at=expires)
    click.echo(raw)


@token.command("revoke")
@tenant_option
@click.argument("prefix")
def token_revoke(slug: str, prefix: str) -> None:
    """Revoke the token whose first characters (as listed in the UI) are PREFIX."""
    from core.identity.models import ApiToken

    with in_tenant(slug):
        matches = list(ApiToken.select().where(ApiToken.prefix == prefix[:10]).limit(2))
        if len(matches) != 1:
            raise CliError(f"no single token starts with {prefix!r}")
        revoke_token(matches[0])
        click.echo(f"revoked token {prefix}")


@click.group()
def department() -> None:
    """Create and list departments (a tree)."""


@department.command("create")
@tenant_option
@click.argument("name")
@click.option("--parent", default=None, help="The parent department's name or id.")
def department_create(slug: str, name: str, parent: str | None) -> None:
    """Create department NAME, at the top or under --parent."""
    with in_tenant(slug):
        dept = services.create_department(name, parent=parent)
        click.echo(f"created department {dept.name} (id {dept.id}) in {slug}")


@department.command("list")
@tenant_option
def department_list(slug: str) -> None:
    """The department tree, indented."""
    with in_tenant(slug):
        for depth, dept in services.department_tree():
            click.echo(f"{'  ' * depth}{dept.name}\t{dept.id}")
