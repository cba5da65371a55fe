"""The REST API framework: resources from schemas, pagination, errors, OpenAPI, webhooks.

Plugin authors use :class:`core.api.resource.Resource` (also exported as
``core.web.Resource``), the fields in :mod:`core.api.fields` and :mod:`core.api.choices`,
and :func:`core.api.openapi.api_doc` to describe hand-written endpoints.
"""

from __future__ import annotations

from typing import Any

from flask import Flask


def init_app(app: Flask, kernel: Any) -> None:
    """Index the resources the plugins registered (for OpenAPI and webhooks)."""
    resources: dict[str, Any] = {}
    for blueprint in app.blueprints.values():
        resource = getattr(blueprint, "xietong_resource", None)
        if resource is not None:
            resources[resource.entity] = resource
    app.extensions["xietong.resources"] = resources
    from .webhooks.service import register

    register(kernel)
