"""The kernel's own hook implementations: it is registered as plugin ``core``."""

from __future__ import annotations

from core.hookspecs import hookimpl


@hookimpl
def crm_migrations(kernel):
    return "core.tenant_migrations"
