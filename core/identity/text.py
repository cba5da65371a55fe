"""Translated text for identity pages: Flask-Babel when the web shell set it up, else English."""

from __future__ import annotations

from typing import Any

from flask import current_app


def _(text: str, **values: Any) -> str:
    """Translate ``text`` (Flask-Babel's gettext) and fill in ``%(name)s`` values."""
    if "babel" in current_app.extensions:
        from flask_babel import gettext

        return gettext(text, **values)
    return text % values if values else text


def is_zh() -> bool:
    """Whether the current request is shown in Chinese (for names kept in two languages)."""
    if "babel" not in current_app.extensions:
        return False
    from flask_babel import get_locale

    locale = get_locale()
    return bool(locale and locale.language == "zh")
