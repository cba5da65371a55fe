"""Databases: one per tenant, chosen per request through a context-local proxy.

Models are bound once, at import, to ``tenant_db`` (business tables) or ``control_db`` (the
control database). Each proxy resolves the real database from the current application and
tenant context on every use, so two requests — or two apps — in one process never share a
binding. We never call ``bind_ctx`` per request: it rebinds model classes process-wide.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlparse

import peewee
from flask import current_app, g, has_app_context

SQLITE_PRAGMAS = {
    "journal_mode": "wal",
    "busy_timeout": 10000,
    "foreign_keys": 1,
    "synchronous": "normal",
    "cache_size": -16000,
}


class ContextDatabase(peewee.DatabaseProxy):
    """A peewee database proxy whose target is looked up on every use.

    ``resolve`` returns the database for the current context or raises RuntimeError saying
    which context is missing and how to enter it.
    """

    __slots__ = ("_resolve",)

    def __init__(self, resolve: Callable[[], peewee.Database]):
        object.__setattr__(self, "_callbacks", [])
        object.__setattr__(self, "_resolve", resolve)

    @property
    def obj(self) -> peewee.Database:  # type: ignore[override]
        return self._resolve()

    def initialize(self, obj):  # noqa: D102 - the target is never fixed
        raise TypeError("ContextDatabase resolves its target per context; it cannot be initialized")


def _current_kernel():
    if not has_app_context():
        raise RuntimeError(
            "No Xietong application context. Use 'with app.app_context():' "
            "or the testing fixtures from core.testing."
        )
    return current_app.extensions["xietong"]


def _resolve_tenant_db() -> peewee.Database:
    tenant = g.get("tenant") if has_app_context() else None
    if tenant is None:
        raise RuntimeError(
            "No current tenant. Requests under /t/<tenant>/ set it; elsewhere use "
            "'with kernel.tenant_context(slug):'."
        )
    return tenant.database


def _resolve_control_db() -> peewee.Database:
    return _current_kernel().control_db


tenant_db = ContextDatabase(_resolve_tenant_db)
control_db = ContextDatabase(_resolve_control_db)


class TenantModel(peewee.Model):
    """Base class of every table that lives in a tenant's database."""

    class Meta:
        database = tenant_db
        legacy_table_names = False


class ControlModel(peewee.Model):
    """Base class of the control database's tables (tenants, modules, platform admins)."""

    class Meta:
        database = control_db
        legacy_table_names = False


SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$")


class DatabaseFactory:
    """Opens the control database and each tenant's database for one installation.

    On PostgreSQL each tenant is a schema named ``schema_prefix`` + slug (dashes become
    underscores); the control tables live in ``control_schema``. Tests give each app its own
    prefix so that many installations share one server without meeting.
    """

    def __init__(self, data_dir: str, database_url: str | None,
                 schema_prefix: str = "t_", control_schema: str = "xietong_control"):
        self.data_dir = Path(data_dir)
        self.url = database_url
        self.schema_prefix = schema_prefix
        self.control_schema = control_schema
        self.is_postgres = bool(database_url) and urlparse(database_url).scheme.startswith("postgres")
        if database_url and not self.is_postgres:
            raise ValueError(
                f"XIETONG_DATABASE_URL {database_url!r} is not supported: use postgresql://… "
                "or leave it unset for SQLite files under XIETONG_DATA."
            )

    def _postgres(self, schema: str) -> peewee.Database:
        parts = urlparse(self.url)
        params = {
            "host": parts.hostname or "127.0.0.1",
            "port": parts.port or 5432,
            "user": parts.username or "postgres",
            "options": f"-c search_path={schema}",
        }
        if parts.password:
            params["password"] = parts.password
        return peewee.PostgresqlDatabase(parts.path.lstrip("/") or "postgres", **params)

    def _sqlite(self, path: Path) -> peewee.Database:
        path.parent.mkdir(parents=True, exist_ok=True)
        return peewee.SqliteDatabase(str(path), pragmas=SQLITE_PRAGMAS, check_same_thread=False)

    def control(self) -> peewee.Database:
        if self.is_postgres:
            self.ensure_schema(self.control_schema)
            return self._postgres(self.control_schema)
        return self._sqlite(self.data_dir / "control.db")

    def tenant(self, slug: str) -> peewee.Database:
        if not SLUG_RE.match(slug):
            raise ValueError(f"invalid tenant slug {slug!r}")
        if self.is_postgres:
            return self._postgres(self.schema_name(slug))
        return self._sqlite(self.data_dir / "tenants" / f"{slug}.db")

    def schema_name(self, slug: str) -> str:
        return self.schema_prefix + slug.replace("-", "_")

    def ensure_schema(self, schema: str) -> None:
        """Create a PostgreSQL schema if it does not exist (a no-op for SQLite)."""
        if not self.is_postgres:
            return
        db = self._postgres("public")
        with db.connection_context():
            db.execute_sql(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')

    def drop_control(self) -> None:
        """Remove the control schema (tests only; SQLite's control file goes with its folder)."""
        if self.is_postgres:
            db = self._postgres("public")
            with db.connection_context():
                db.execute_sql(f'DROP SCHEMA IF EXISTS "{self.control_schema}" CASCADE')

    def drop_tenant(self, slug: str) -> None:
        """Remove a tenant's database entirely (used by tests and explicit purges only)."""
        if self.is_postgres:
            db = self._postgres("public")
            with db.connection_context():
                db.execute_sql(f'DROP SCHEMA IF EXISTS "{self.schema_name(slug)}" CASCADE')
        else:
            for suffix in ("", "-wal", "-shm"):
                path = self.data_dir / "tenants" / f"{slug}.db{suffix}"
                if path.exists():
                    path.unlink()
