"""The web UI shell: layout, navigation, list/record/form pages generated from schemas.

Plugin authors: declare a :class:`Resource` (see ``docs/ui-api.md``) and return
``resource.blueprints()`` from ``crm_blueprints``. Charts: :mod:`core.web.charts`.
Nothing is imported eagerly, so ``python -m core.web.assets`` runs before the dependencies
are installed.
"""

from __future__ import annotations

from typing import Any

__all__ = ["Resource", "init_app"]


def __getattr__(name: str) -> Any:
    if name == "Resource":
        from core.api.resource import Resource

        return Resource
    raise AttributeError(name)


def init_app(app: Any, kernel: Any) -> None:
    """Install Babel, the template loader, assets, navigation and error pages on ``app``."""
    from . import assets, i18n, shell

    i18n.init_app(app, kernel)
    shell.init_app(app)
    assets.ensure_vendor(app)
