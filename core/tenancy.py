"""Tenants: the control database's tables and the per-tenant runtime the kernel keeps."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import peewee

from core.db import SLUG_RE, ControlModel

RESERVED_SLUGS = frozenset(
    {
        "admin", "api", "app", "assets", "control", "core", "healthz", "login", "logout",
        "pg-catalog", "public", "root", "static", "system", "t", "www", "xietong",
    }
)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class Tenant(ControlModel):
    """A company served by this installation, with its own database."""

    slug = peewee.CharField(max_length=40, unique=True)
    name = peewee.CharField(max_length=200)
    language = peewee.CharField(max_length=10, default="zh_CN")
    timezone = peewee.CharField(max_length=64, default="Asia/Shanghai")
    created_at = peewee.DateTimeField(default=utcnow)
    # Bumped on every change of enabled modules so other processes refresh their cache.
    revision = peewee.IntegerField(default=0)

    class Meta:
        table_name = "control_tenant"


class TenantModule(ControlModel):
    """Whether a module (plugin) is enabled for a tenant; rows are kept when disabled."""

    tenant = peewee.ForeignKeyField(Tenant, backref="modules", on_delete="CASCADE")
    module = peewee.CharField(max_length=100)
    enabled = peewee.BooleanField(default=True)
    changed_at = peewee.DateTimeField(default=utcnow)

    class Meta:
        table_name = "control_tenant_module"
        indexes = ((("tenant", "module"), True),)


class PlatformAdmin(ControlModel):
    """Someone who runs the installation itself (creates tenants, enables modules)."""

    username = peewee.CharField(max_length=150, unique=True)
    password_hash = peewee.CharField(max_length=255)
    created_at = peewee.DateTimeField(default=utcnow)

    class Meta:
        table_name = "control_platform_admin"


CONTROL_MODELS = (Tenant, TenantModule, PlatformAdmin)


class TenantError(ValueError):
    """Bad input about tenants or modules; the message is meant for the user as it is."""


def validate_slug(slug: str) -> str:
    """Return ``slug`` when it is a usable tenant slug, else raise TenantError saying why."""
    if not isinstance(slug, str) or not SLUG_RE.match(slug):
        raise TenantError(
            f"invalid tenant slug {slug!r}: use 1-40 lowercase letters, digits and dashes, "
            "starting and ending with a letter or digit"
        )
    if slug in RESERVED_SLUGS or slug.startswith("pg-"):
        raise TenantError(f"tenant slug {slug!r} is reserved; choose another")
    return slug


@dataclass
class TenantRuntime:
    """What a request needs about its tenant: its database, modules and filtered hooks."""

    slug: str
    name: str
    language: str
    timezone: str
    revision: int
    database: peewee.Database
    enabled: frozenset[str]
    hooks: Any
    loaded_at: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)

    def has_module(self, name: str) -> bool:
        return name in self.enabled
