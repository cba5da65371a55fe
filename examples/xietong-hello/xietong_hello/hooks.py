"""Hook implementations of the hello plugin (nothing else lives here)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from peewee import Model

from core.toolkit import MenuItem, RecordTab, Widget, hookimpl
from xietong_hello import services, views
from xietong_hello.models import Greeting


@hookimpl
def crm_models(kernel: Any) -> list[type[Model]]:
    return [Greeting]


@hookimpl
def crm_migrations(kernel: Any) -> str:
    return "xietong_hello.migrations"


@hookimpl
def crm_blueprints(kernel: Any) -> list[Blueprint]:
    return [views.pages, views.api]


@hookimpl
def crm_menu_items(kernel: Any, user: Any) -> list[MenuItem]:
    return [MenuItem(key="hello", title="Greetings", title_zh="问候", endpoint="hello.index", order=800)]


@hookimpl
def crm_record_tabs(kernel: Any, entity: str, record: Any, user: Any) -> list[RecordTab] | None:
    if entity != "customer":
        return None
    return [RecordTab(key="hello", title="Greetings", title_zh="问候", endpoint="hello.customer_tab",
                      endpoint_args={"customer_id": record.id}, order=900)]


def _widget_data(kernel: Any, user: Any, settings: dict) -> dict:
    return {
        "kind": "list",
        "items": [{"title": g.message} for g in services.latest(limit=settings.get("limit", 5))],
        "empty": "No greetings yet.",
    }


@hookimpl
def crm_dashboard_widgets(kernel: Any, user: Any) -> list[Widget]:
    return [Widget(key="hello.latest", title="Greetings", title_zh="最新问候", data=_widget_data,
                   size="small", settings={"limit": 5})]
