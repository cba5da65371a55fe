"""Built-in ``xietong`` commands: init, run, worker, tenant, module, plugins, migrate."""

from __future__ import annotations

import sys

import click

from core.cli import CliError, kernel_from_context, main
from core.migrations import MigrationError
from core.settings import get_setting, set_setting
from core.tenancy import Tenant, utcnow


@main.command()
@click.option("--demo", is_flag=True, help="Also fill tenant 'default' with demo data (once).")
@click.option("--admin", "admin_name", default=None, help="Admin user name (default: admin).")
@click.option("--password-stdin", is_flag=True, help="Read the admin's password from stdin.")
def init(demo: bool, admin_name: str | None, password_stdin: bool) -> None:
    """Create the data folder, control database and tenant 'default' (idempotent)."""
    password = _password(password_stdin)  # before anything is written: bad input changes nothing
    kernel = kernel_from_context()
    slug = kernel.config["XIETONG_DEFAULT_TENANT"]
    if any(t.slug == slug for t in kernel.tenants()):
        # Modules installed since the last init are enabled; ones an admin disabled stay off.
        known = kernel.module_states(slug)
        newly = kernel.enable_modules(slug, [m for m in kernel.healthy() if m not in known])
        click.echo(f"tenant {slug} exists; enabled {', '.join(newly) or 'nothing new'}")
    else:
        kernel.create_tenant(slug, "Default company", modules=None)
        click.echo(f"created tenant {slug} with modules: {', '.join(kernel.healthy())}")
    for _, message in kernel.each_plugin(
        "crm_init", kernel=kernel, tenant=slug, admin=admin_name, password=password, demo=demo,
    ):
        click.echo(message)
    if demo:
        with kernel.tenant_context(slug):
            already = get_setting("core.demo_data_at")
        if already:
            click.echo(f"demo data was added on {already}; not adding it twice")
        else:
            for line in fill_demo(kernel, slug, {"customers": 200, "deals": 400}):
                click.echo(line)
            with kernel.tenant_context(slug):
                set_setting("core.demo_data_at", utcnow().isoformat(timespec="seconds"))
    click.echo(f"data folder: {kernel.config['XIETONG_DATA']}")


def _password(password_stdin: bool) -> str | None:
    if not password_stdin:
        return None
    from core.cli import read_password_stdin

    return read_password_stdin()


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--threads", default=8, show_default=True, type=int)
def run(host: str, port: int, threads: int) -> None:
    """Serve the web UI and API (waitress, a production WSGI server)."""
    from waitress import serve

    kernel = kernel_from_context()
    click.echo(f"Xietong CRM {kernel.version} at http://{host}:{port}/  (Ctrl+C stops)")
    serve(kernel.app, host=host, port=port, threads=threads, ident="xietong")


@main.command()
@click.option("--workers", default=2, show_default=True, type=int)
@click.option("--once", is_flag=True, help="Run what is queued now, then exit.")
def worker(workers: int, once: bool) -> None:
    """Run background jobs: mail fetching, reminders, alerts."""
    kernel = kernel_from_context()
    queue = kernel.app.extensions["xietong.queue"]
    if once:
        click.echo(f"ran {queue.run_pending(limit=10_000)} task(s)")
        return
    consumer = queue.huey.create_consumer(workers=workers, worker_type="thread", periodic=True)
    click.echo(f"worker: {len(kernel.tasks)} task(s), {len(kernel.periodic_tasks)} periodic")
    consumer.run()


@main.group()
def tenant() -> None:
    """Create and list tenants."""


@tenant.command("create")
@click.argument("slug")
@click.option("--name", required=True, help="The company's name.")
@click.option("--module", "modules", multiple=True, help="Enable only these (default: all).")
def tenant_create(slug: str, name: str, modules: tuple[str, ...]) -> None:
    kernel = kernel_from_context()
    kernel.create_tenant(slug, name, modules=list(modules) or None)
    enabled = sorted(m for m, on in kernel.module_states(slug).items() if on)
    click.echo(f"created tenant {slug} ({name}); modules: {', '.join(enabled)}")


@tenant.command("list")
def tenant_list() -> None:
    kernel = kernel_from_context()
    for row in kernel.tenants():
        enabled = sorted(m for m, on in kernel.module_states(row.slug).items() if on)
        click.echo(f"{row.slug}\t{row.name}\t{','.join(enabled)}")


@main.group()
def module() -> None:
    """List, enable and disable modules per tenant."""


@module.command("list")
@click.option("--tenant", "slug", required=True)
def module_list(slug: str) -> None:
    kernel = kernel_from_context()
    states = kernel.module_states(slug)
    for name, entry in sorted(kernel.plugins.items()):
        if not entry.ok:
            state = f"broken: {entry.reason}"
        else:
            state = "enabled" if states.get(name) else "disabled"
        click.echo(f"{name}\t{entry.version}\t{state}")


@module.command("enable")
@click.option("--tenant", "slug", required=True)
@click.argument("names", nargs=-1, required=True)
def module_enable(slug: str, names: tuple[str, ...]) -> None:
    kernel = kernel_from_context()
    _require_tenant(kernel, slug)
    try:
        newly = kernel.enable_modules(slug, list(names))
    except MigrationError as exc:
        raise CliError(str(exc)) from exc
    click.echo(f"enabled in {slug}: {', '.join(newly) or 'nothing new'}")


@module.command("disable")
@click.option("--tenant", "slug", required=True)
@click.argument("names", nargs=-1, required=True)
def module_disable(slug: str, names: tuple[str, ...]) -> None:
    kernel = kernel_from_context()
    kernel.disable_modules(slug, list(names))
    click.echo(f"disabled in {slug}: {', '.join(names)} (data kept)")


@main.command()
def plugins() -> None:
    """Installed plugins: name, version, depends, status."""
    kernel = kernel_from_context()
    for name, entry in sorted(kernel.plugins.items()):
        depends = ",".join(f"{d}{s}" for d, s in (entry.meta.depends.items() if entry.meta else ()))
        status = "ok" if entry.ok else f"broken: {entry.reason}"
        click.echo(f"{name}\t{entry.version}\t{depends or '-'}\t{status}")


@main.command()
def migrate() -> None:
    """Migrate every tenant, each module in dependency order."""
    kernel = kernel_from_context()
    try:
        report, failures = kernel.migrate_all(), []
    except MigrationError as exc:
        report, failures = exc.report, exc.failures
    for slug, steps in report.items():
        click.echo(f"{slug}: {len(steps)} step(s) applied" + (f" ({', '.join(steps)})" if steps else ""))
    if failures:
        for failure in failures[:-1]:
            click.echo(f"xietong: error: {failure}", err=True)
        raise CliError(str(failures[-1]))


def _require_tenant(kernel, slug: str) -> None:
    with kernel.app.app_context():
        if Tenant.get_or_none(Tenant.slug == slug) is None:
            raise CliError(f"unknown tenant {slug!r}; see 'xietong tenant list'")


@main.command()
@click.option("--tenant", "slug", required=True)
@click.option("--customers", default=200, show_default=True, type=click.IntRange(0, 10_000_000))
@click.option("--deals", default=None, type=click.IntRange(0, 10_000_000),
              help="Deals to create (default: two per customer).")
def demo(slug: str, customers: int, deals: int | None) -> None:
    """Fill a tenant with realistic demo data from every enabled module."""
    kernel = kernel_from_context()
    _require_tenant(kernel, slug)
    counts = {"customers": customers, "deals": customers * 2 if deals is None else deals}
    lines = fill_demo(kernel, slug, counts)
    for line in lines:
        click.echo(line)
    if not lines:
        click.echo(f"no enabled module of {slug} makes demo data")


def fill_demo(kernel, slug: str, counts: dict[str, int]) -> list[str]:
    """Every enabled module's demo data for tenant ``slug``, in dependency order."""

    def progress(label: str, total: int):
        return click.progressbar(length=total, label=label, file=sys.stderr)

    with kernel.tenant_context(slug) as runtime:
        return [
            line for _, line in kernel.each_plugin(
                "crm_demo_data", only=runtime.enabled, kernel=kernel, tenant=slug,
                counts=counts, progress=progress,
            )
        ]
