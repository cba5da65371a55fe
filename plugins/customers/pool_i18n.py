"""English and Chinese side by side for the pool's pages, flashes and widgets.

The module keeps its strings as pairs (like ``title``/``title_zh`` in hook records) instead of
a gettext catalog, so it never edits the catalog the rest of the customers plugin shares.
Templates get :func:`tr` as ``tr``.
"""

from __future__ import annotations


def is_zh() -> bool:
    from core.web.i18n import is_zh as request_is_zh

    return request_is_zh()


def tr(english: str, chinese: str) -> str:
    """``chinese`` when the request is in Chinese, else ``english``."""
    return chinese if is_zh() else english
