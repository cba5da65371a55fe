"""Record tabs: what the enabled modules contribute to a record page (hook ``crm_record_tabs``).

Only tabs the user may see are returned, each with the URL of its lazily loaded content,
so a page with ten tabs runs one tab's query (plus each tab's cheap optional count).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import current_app, g, url_for

from core.identity.permissions import can


@dataclass(frozen=True)
class TabView:
    """A tab ready to render: its localised titles, content URL and optional count."""

    key: str
    title: str
    title_zh: str
    url: str
    count: int | None
    module: str
    order: int


def record_tabs(resource: Any, record: Any, user: Any) -> list[TabView]:
    """The tabs of ``record`` for ``user``, from every enabled module, in ``order``."""
    kernel = current_app.extensions["xietong"]
    found: list[TabView] = []
    for module, tabs in kernel.each_plugin("crm_record_tabs", only=g.tenant.enabled, kernel=kernel,
                                           entity=resource.entity, record=record, user=user):
        for tab in tabs:
            if tab.permission is not None and not can(user, tab.permission[1], tab.permission[0]):
                continue
            found.append(TabView(
                key=tab.key, title=tab.title, title_zh=tab.title_zh or tab.title,
                url=url_for(tab.endpoint, **tab.endpoint_args), count=tab.count, module=module,
                order=tab.order,
            ))
    found.sort(key=lambda t: (t.order, t.key))
    return found
