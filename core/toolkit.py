"""The stable facade for plugin authors (CKAN's habit): import from here, not from internals.

Everything named in ``__all__`` keeps its meaning within a major core version; the modules
behind it may change. ``TOOLKIT_VERSION`` is bumped when something is added.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, g

from core.api.choices import Reference, UserId
from core.api.fields import DateTime, Email, Money, RichText
from core.api.openapi import api_doc
from core.api.resource import Resource
from core.api.webhooks.service import forward
from core.contrib import EntityType, MenuItem, PeriodicTask, RecordTab, RowFilter, Task, Widget
from core.db import TenantModel, tenant_db
from core.errors import ApiError
from core.fields import JSONField, MoneyField, to_decimal
from core.hookspecs import hookimpl
from core.identity.audit import audit, audit_stamp, diff, snapshot
from core.identity.auth import admin_required, csrf_exempt, current_user, login_required, public
from core.identity.errors import IdentityError
from core.identity.models import RecordModel
from core.identity.permissions import apply_field_rules, can, field_rules, mask_value, require, visible
from core.identity.services import find_department, find_user
from core.identity.tokens import create_token, revoke_token
from core.identity.trash import move_to_trash, purge, restore
from core.migrations import MigrationContext
from core.plugins import PluginMeta
from core.settings import get_setting, set_setting
from core.signals import record_created, record_deleted, record_restored, record_updated
from core.version import __version__ as CORE_VERSION

TOOLKIT_VERSION = "1.2"

__all__ = [
    "DateTime", "Email", "JSONField", "Money", "MoneyField", "RecordModel", "Reference", "Resource",
    "RichText", "UserId", "api_doc", "forward", "get_setting", "set_setting", "to_decimal",
    "ApiError", "CORE_VERSION", "EntityType", "IdentityError", "MenuItem", "MigrationContext",
    "PeriodicTask", "PluginMeta", "RecordTab", "RowFilter", "Task", "TenantModel", "TOOLKIT_VERSION",
    "Widget", "admin_required", "apply_field_rules", "audit", "audit_stamp", "can", "create_token",
    "csrf_exempt",
    "current_kernel", "current_tenant", "current_user", "diff", "field_rules", "find_department",
    "find_user", "hookimpl", "login_required", "mask_value", "move_to_trash", "public", "purge",
    "record_created", "record_deleted", "record_restored", "record_updated", "require", "restore",
    "revoke_token", "snapshot", "tenant_db", "visible",
]


def current_kernel() -> Any:
    """The kernel of the app handling the current request or command."""
    return current_app.extensions["xietong"]


def current_tenant() -> Any:
    """The current tenant's runtime (slug, name, timezone, enabled modules)."""
    tenant = g.get("tenant")
    if tenant is None:
        raise RuntimeError("no current tenant: use kernel.tenant_context(slug) outside requests")
    return tenant
