"""Per-plugin, per-tenant numbered migrations.

A plugin names a package (hook ``crm_migrations``) whose modules ``0001_initial.py``,
``0002_add_x.py``… define ``upgrade(ctx)``. Each tenant's database records what it has applied
in ``core_migration``. All steps for one tenant run in one transaction: a failing step leaves
that tenant exactly as it was and names the tenant, plugin and step.
"""

from __future__ import annotations

import datetime as dt
import importlib
import pkgutil
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import peewee
from playhouse.migrate import SchemaMigrator

from core.db import TenantModel

STEP_RE = re.compile(r"^(\d{4})_[a-z0-9_]+$")


class MigrationRecord(TenantModel):
    """One applied step of one plugin in the current tenant's database."""

    plugin = peewee.CharField(max_length=100)
    number = peewee.IntegerField()
    name = peewee.CharField(max_length=200)
    applied_at = peewee.DateTimeField()

    class Meta:
        table_name = "core_migration"
        indexes = ((("plugin", "number"), True),)


class MigrationError(RuntimeError):
    def __init__(self, tenant: str, plugin: str, step: str, cause: BaseException):
        self.tenant, self.plugin, self.step, self.cause = tenant, plugin, step, cause
        # Filled in by Kernel.migrate_all: what the other tenants did in the same run.
        self.report: dict[str, list[str]] = {}
        self.failures: list[MigrationError] = [self]
        super().__init__(
            f"migration failed in tenant {tenant!r}, plugin {plugin!r}, step {step}: "
            f"{type(cause).__name__}: {cause} (the tenant was rolled back)"
        )


@dataclass
class MigrationContext:
    """What a migration step gets: the tenant's database and tools to change it."""

    db: peewee.Database
    tenant: str
    plugin: str
    kernel: Any

    @property
    def migrator(self) -> SchemaMigrator:
        return SchemaMigrator.from_database(self.db)

    @property
    def is_postgres(self) -> bool:
        return isinstance(self.db, peewee.PostgresqlDatabase)

    def create_tables(self, *models: type[peewee.Model]) -> None:
        self.db.create_tables(models, safe=True)

    def execute(self, sql: str, params: Iterable[Any] = ()) -> Any:
        return self.db.execute_sql(sql, tuple(params))


def steps_of(package: str) -> list[tuple[int, str, Any]]:
    """(number, name, module) of each step in ``package``, in order."""
    pkg = importlib.import_module(package)
    steps = []
    for info in pkgutil.iter_modules(pkg.__path__):
        match = STEP_RE.match(info.name)
        if match:
            module = importlib.import_module(f"{package}.{info.name}")
            steps.append((int(match.group(1)), info.name, module))
    steps.sort(key=lambda step: step[0])
    numbers = [step[0] for step in steps]
    if len(numbers) != len(set(numbers)):
        raise RuntimeError(f"migration package {package} has two steps with the same number")
    return steps


def applied(db: peewee.Database) -> set[tuple[str, int]]:
    db.create_tables([MigrationRecord], safe=True)
    return {(r.plugin, r.number) for r in MigrationRecord.select()}


def migrate_tenant(kernel: Any, tenant: str, db: peewee.Database, plans: list[tuple[str, str]]) -> list[str]:
    """Apply every pending step of ``plans`` ([(plugin, package)], dependency order).

    Must run inside ``kernel.tenant_context(tenant)``; ``db`` is that tenant's database.
    Returns the names of the steps applied. Raises MigrationError after rolling back.
    """
    done_steps: list[str] = []
    with kernel.migration_lock:
        done = applied(db)
        with db.atomic():
            for plugin, package in plans:
                for number, name, module in steps_of(package):
                    if (plugin, number) in done:
                        continue
                    ctx = MigrationContext(db=db, tenant=tenant, plugin=plugin, kernel=kernel)
                    try:
                        with db.atomic():
                            module.upgrade(ctx)
                    except Exception as exc:
                        raise MigrationError(tenant, plugin, name, exc) from exc
                    MigrationRecord.create(
                        plugin=plugin, number=number, name=name,
                        applied_at=dt.datetime.now(dt.UTC).replace(tzinfo=None),
                    )
                    done_steps.append(f"{plugin}:{name}")
    return done_steps
