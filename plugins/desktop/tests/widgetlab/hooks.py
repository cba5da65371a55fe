"""Widgets for the desktop's tests: counted calls, a permission, a failure, money and times."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from flask import current_app

from core.toolkit import EntityType, Widget, current_tenant, hookimpl
from plugins.desktop.tests.widgetlab.models import LabItem


def calls(tenant: str, key: str) -> int:
    """How often ``key``'s data function ran in ``tenant`` (apps are shared between tests)."""
    return current_app.extensions.setdefault("widgetlab.calls", {}).get((tenant, key), 0)


def _count(key: str) -> None:
    store = current_app.extensions.setdefault("widgetlab.calls", {})
    at = (current_tenant().slug, key)
    store[at] = store.get(at, 0) + 1


def count_data(kernel: Any, user: Any, settings: dict) -> dict:
    _count("lab.count")
    return {"kind": "stat", "value": LabItem.select().count(), "label": f"items for {user.username}"}


def secret_data(kernel: Any, user: Any, settings: dict) -> dict:
    return {"kind": "list", "items": [{"title": "the secret plan", "url": "javascript:alert(1)"}]}


def boom_data(kernel: Any, user: Any, settings: dict) -> dict:
    raise RuntimeError("the lab exploded")


def money_data(kernel: Any, user: Any, settings: dict) -> dict:
    return {"kind": "stats", "items": [{"label": "quota", "value": Decimal("300000.00")},
                                       {"label": "at", "value": dt.datetime(2026, 1, 2, 3, 4, 5)}]}


def fresh_data(kernel: Any, user: Any, settings: dict) -> dict:
    _count("lab.fresh")
    value = calls(current_tenant().slug, "lab.fresh")
    return {"kind": "stat", "value": value, "limit": settings.get("limit")}


def chart_data(kernel: Any, user: Any, settings: dict) -> dict:
    return {"kind": "chart", "option": {"series": [{"type": "bar", "data": [1, 2, 3]}],
                                        "title": {"text": "</script><script>alert(1)</script>"}}}


@hookimpl
def crm_entity_types(kernel):
    return [EntityType(key="lab_item", label="Lab item", label_zh="实验品", model=LabItem,
                       default_rights={"sales": ("read",), "manager": ("read", "write")})]


@hookimpl
def crm_migrations(kernel):
    return "plugins.desktop.tests.widgetlab.migrations"


@hookimpl
def crm_dashboard_widgets(kernel, user):
    return [
        Widget(key="lab.count", title="Lab items", title_zh="实验品数", data=count_data, size="small",
               permission=("lab_item", "read")),
        Widget(key="lab.secret", title="Secret plan", title_zh="秘密计划", data=secret_data,
               permission=("lab_item", "write"), settings={"default_roles": ["manager"]}),
        Widget(key="lab.boom", title="Exploding", title_zh="爆炸", data=boom_data, size="wide??"),
        Widget(key="lab.money", title="Money", title_zh="钱", data=money_data, size="large"),
        Widget(key="lab.fresh", title="Never cached", title_zh="不缓存", data=fresh_data,
               settings={"cache_seconds": 0, "limit": 5}),
        Widget(key="lab.chart", title="Chart", title_zh="图表", data=chart_data, size="full"),
        "not a widget",
    ]
