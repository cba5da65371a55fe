"""How widgets look on a page: box context and the safe-URL filter for widget data."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

from flask import url_for

from core.contrib import Widget

SAFE_SCHEMES = ("", "http", "https", "mailto")


def title_of(widget: Widget) -> str:
    from core.web.i18n import is_zh

    return (widget.title_zh or widget.title) if is_zh() else widget.title


def widget_context(widget: Widget) -> dict[str, Any]:
    """What a page needs to draw an (empty) box that then loads ``widget`` by itself."""
    return {
        "key": widget.key, "title": title_of(widget), "module": widget.module, "size": widget.size,
        "src": url_for("desktop.widget_box", key=widget.key),
    }


def safe_url(value: Any) -> str:
    """A link from widget data, or ``#`` when it is not http(s), mailto or relative."""
    text = str(value or "").strip()
    if not text:
        return "#"
    try:
        scheme = urlparse(text).scheme.lower()
    except ValueError:
        return "#"
    return text if scheme in SAFE_SCHEMES else "#"
