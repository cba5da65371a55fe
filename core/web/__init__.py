"""The web UI shell: layout, navigation, list/record/form pages generated from schemas.

Plugin authors: declare a :class:`Resource` (see ``docs/ui-api.md``) and return
``resource.blueprints()`` from ``crm_blueprints``. Charts: :mod:`core.web.charts`.
"""

from __future__ import annotations

from typing import Any

from flask import Flask

from core.api.resource import Resource

__all__ = ["Resource", "init_app"]


def init_app(app: Flask, kernel: Any) -> None:
    """Install Babel, the template loader, assets, navigation and error pages on ``app``."""
    from . import assets, i18n, shell

    i18n.init_app(app, kernel)
    shell.init_app(app)
    assets.ensure_vendor(app)
