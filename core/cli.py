"""The ``xietong`` command line (CONTRACT.md). Plugins add commands with ``crm_cli_commands``.

Bad input exits non-zero with one line on stderr: ``xietong: error: <what and how to fix>``.
"""

from __future__ import annotations

import sys
from typing import Any

import click

from core.tenancy import TenantError


class CliError(click.ClickException):
    """A user mistake on the command line; printed as one line, exit status 2."""

    exit_code = 2


def get_kernel(ctx: click.Context) -> Any:
    """The kernel of the app this command line works on (built once, lazily)."""
    root = ctx.find_root()
    if root.obj is None:
        from core.app import create_app

        root.obj = create_app().extensions["xietong"]
    return root.obj


class XietongGroup(click.Group):
    """Adds plugin commands and turns errors into one clear stderr line."""

    def _plugin_commands(self, ctx: click.Context) -> dict[str, click.Command]:
        try:
            kernel = get_kernel(ctx)
        except Exception:  # a broken setup must still let built-in commands report it
            return {}
        found: dict[str, click.Command] = {}
        for _, commands in kernel.each_plugin("crm_cli_commands", kernel=kernel):
            for command in commands:
                found[command.name] = command
        return found

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | set(self._plugin_commands(ctx)))

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        return super().get_command(ctx, name) or self._plugin_commands(ctx).get(name)

    def invoke(self, ctx: click.Context) -> Any:
        # Every command, built-in or a plugin's, runs inside the app's context (crm_cli_commands).
        with get_kernel(ctx).app.app_context():
            return super().invoke(ctx)

    def main(self, *args: Any, **kwargs: Any) -> Any:
        kwargs["standalone_mode"] = False
        try:
            return super().main(*args, **kwargs)
        except click.exceptions.Abort:
            click.echo("xietong: aborted", err=True)
            sys.exit(1)
        except click.ClickException as exc:
            click.echo(f"xietong: error: {exc.format_message()}", err=True)
            sys.exit(exc.exit_code or 2)
        except (TenantError, ValueError) as exc:
            click.echo(f"xietong: error: {exc}", err=True)
            sys.exit(2)


@click.group(cls=XietongGroup)
@click.version_option(package_name="xietong-crm", prog_name="xietong")
def main() -> None:
    """Xietong CRM: a multi-tenant CRM. Data folder: $XIETONG_DATA (default ./instance)."""


def kernel_from_context() -> Any:
    return get_kernel(click.get_current_context())


def read_password_stdin() -> str:
    password = sys.stdin.readline().rstrip("\r\n")
    if not password:
        raise CliError("no password on standard input")
    return password


from core import cli_commands  # noqa: E402,F401  (registers the built-in commands)
