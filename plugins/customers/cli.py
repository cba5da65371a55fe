"""``xietong customers …``: import a spreadsheet (with a progress bar) and rebuild the search
index."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from core.errors import ApiError


def _kernel():
    from core.cli import kernel_from_context

    return kernel_from_context()


@click.group("customers")
def customers() -> None:
    """Customers: import and search index."""


@customers.command("import")
@click.option("--tenant", "slug", required=True)
@click.option("--user", "username", required=True, help="Who imports (their rights apply; default owner).")
@click.option(
    "--mode",
    type=click.Choice(["skip", "update", "create"]),
    default="skip",
    show_default=True,
    help="What to do with rows that match an existing customer.",
)
@click.option("--mapping", default=None, help='JSON {"column": "field"}; default: by column names.')
@click.option("--dry-run", is_flag=True, help="Check every row; write nothing.")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_command(
    slug: str, username: str, mode: str, mapping: str | None, dry_run: bool, path: Path
) -> None:
    """Import customers from a CSV or XLSX file (all rows, or none when any is invalid)."""
    from core.cli import CliError
    from core.identity.errors import IdentityError
    from core.identity.services import find_user
    from plugins.customers.importexport import import_file

    kernel = _kernel()
    try:
        wanted = json.loads(mapping) if mapping else None
    except ValueError:
        raise CliError("--mapping must be a JSON object") from None
    with kernel.tenant_context(slug):
        from flask import g

        try:
            g.user = find_user(username)
        except IdentityError as exc:
            raise CliError(exc.message) from None
        with (
            path.open("rb") as handle,
            click.progressbar(length=max(1, _count_lines(path)), label="importing", file=sys.stderr) as bar,
        ):
            try:
                report, status = import_file(g.user, handle, path.name, wanted, mode, dry_run, bar.update)
            except ApiError as exc:
                raise CliError(exc.message) from None
        if status == 200 and report["search_backlog"]:
            from plugins.customers.search_backlog import drain

            click.echo(f"search index: {drain()} customer(s)", err=True)  # no need to wait for the worker
    for error in report["errors"][:50]:
        click.echo(f"row {error['row']}: {error['field'] or '-'}: {error['message']}", err=True)
    verb = "would be" if dry_run else "were"
    click.echo(
        f"{report['created']} created, {report['updated']} updated, {report['skipped']} skipped "
        f"({verb} written)"
        if status == 200
        else f"{len(report['errors'])} error(s); nothing written"
    )
    if status != 200:
        raise SystemExit(1)


def _count_lines(path: Path) -> int:
    if path.suffix.lower() == ".xlsx":
        return 1
    with path.open("rb") as handle:
        return max(0, sum(1 for _ in handle) - 1)


@customers.command("reindex")
@click.option("--tenant", "slug", required=True)
def reindex_command(slug: str) -> None:
    """Rebuild the customers' search index."""
    from plugins.customers import search
    from plugins.customers.search_backlog import SearchBacklog

    kernel = _kernel()
    with kernel.tenant_context(slug):
        count = search.rebuild()
        SearchBacklog.delete().execute()  # every customer has its document now
        search.optimize()
    click.echo(f"reindexed {count} customer(s) in {slug}")
