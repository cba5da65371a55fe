"""``xietong pool return --tenant SLUG``: run the automatic return now, and say what it did."""

from __future__ import annotations

import click

from core.cli import CliError, kernel_from_context
from core.tenancy import Tenant


@click.group()
def pool() -> None:
    """Public pools (公海) of the customers module."""


@pool.command("return")
@click.option("--tenant", "slug", required=True, help="The tenant's slug (see 'xietong tenant list').")
def run_return(slug: str) -> None:
    """Warn owners and return customers to their pools by the pools' rules (idempotent)."""
    from plugins.customers.pool_return import run_returns

    kernel = kernel_from_context()
    with kernel.app.app_context():
        if Tenant.get_or_none(Tenant.slug == slug) is None:
            raise CliError(f"unknown tenant {slug!r}; see 'xietong tenant list'")
    with kernel.tenant_context(slug) as runtime:
        if "customers" not in runtime.enabled:
            raise CliError(f"the customers module is not enabled in tenant {slug!r}")
        report = run_returns()
    click.echo(f"{slug}: {report['warned']} warned, {report['returned']} returned, "
               f"{report['cleared']} warnings withdrawn")
