"""English and Chinese side by side for the network, activity and schedule pages.

Strings are kept as pairs (like ``title``/``title_zh`` in hook records) rather than in the
gettext catalog the rest of the customers plugin shares. Templates get ``tr(en, zh)``.
"""

from __future__ import annotations

from typing import Any


def tr(english: str, chinese: str) -> str:
    """``chinese`` when the request is in Chinese, else ``english``."""
    from core.web.i18n import is_zh

    return chinese if is_zh() else english


def named(record: Any) -> str:
    """A type's name in the request's language (``name_zh`` falls back to ``name``)."""
    from core.web.i18n import is_zh

    chinese = getattr(record, "name_zh", "") if not isinstance(record, dict) else record.get("name_zh", "")
    english = getattr(record, "name", "") if not isinstance(record, dict) else record.get("name", "")
    return chinese if is_zh() and chinese else english


def context() -> dict[str, Any]:
    return {"tr": tr, "named": named}
