"""The desktop's own widgets: the latest announcements and the policies (规章制度)."""

from __future__ import annotations

from typing import Any

from flask import url_for
from flask_babel import gettext as _

from core.contrib import Widget
from plugins.desktop import announcements

LIMIT = 8


def _items(user: Any, kind: str) -> dict[str, Any]:
    rows, _next = announcements.listing(user, kind=kind, limit=LIMIT)
    return {
        "kind": "list",
        "items": [
            {
                "title": row["title"],
                "url": url_for("desktop_announcements.detail", announcement_id=row["id"]),
                "meta": row["published_at"][:10],
                "badge": _("Pinned") if row["pinned"] else "",
                "highlight": not row["read"],
                "text": row["excerpt"],
            }
            for row in rows
        ],
        "empty": _("Nothing published yet."),
        "more_url": url_for("desktop_announcements.index", kind=kind),
    }


def announcements_data(kernel: Any, user: Any, settings: dict[str, Any]) -> dict[str, Any]:
    """Pinned first, then the newest; unread ones highlighted."""
    return _items(user, "announcement")


def policies_data(kernel: Any, user: Any, settings: dict[str, Any]) -> dict[str, Any]:
    return _items(user, "policy")


def desktop_widgets() -> list[Widget]:
    return [
        Widget(key="desktop.announcements", title="Announcements", title_zh="公告",
               data=announcements_data, size="medium", permission=("announcement", "read")),
        Widget(key="desktop.policies", title="Policies", title_zh="规章制度",
               data=policies_data, size="medium", permission=("announcement", "read")),
    ]
