"""Tenant settings: small JSON values by key (``funnel.stale_days``, ``core.seeded``…)."""

from __future__ import annotations

import json
from typing import Any

import peewee

from core.db import TenantModel


class Setting(TenantModel):
    key = peewee.CharField(max_length=128, unique=True)
    value = peewee.TextField(default="null")

    class Meta:
        table_name = "core_setting"


def get_setting(key: str, default: Any = None) -> Any:
    """The current tenant's value for ``key`` (JSON-decoded), or ``default``."""
    raw = Setting.select(Setting.value).where(Setting.key == key).scalar()
    return default if raw is None else json.loads(raw)


def set_setting(key: str, value: Any) -> None:
    """Store ``value`` (anything JSON can hold) for ``key`` in the current tenant."""
    encoded = json.dumps(value, ensure_ascii=False)
    updated = Setting.update(value=encoded).where(Setting.key == key).execute()
    if not updated:
        Setting.create(key=key, value=encoded)
