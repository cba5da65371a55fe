"""How the REST API framework plugs into the kernel (called from core.builtin)."""

from __future__ import annotations

from typing import Any


def blueprints(kernel: Any) -> list:
    """The OpenAPI document, the API page and the webhook endpoints."""
    from .docs_views import docs_blueprint
    from .webhooks.api import webhooks_api

    return [docs_blueprint(), webhooks_api()]
