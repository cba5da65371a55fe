"""The tenant's OpenAPI document and the readable API page beside it."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, g, jsonify, render_template

from .openapi import build_spec


def docs_blueprint() -> Blueprint:
    bp = Blueprint("xietong_api_docs", __name__, url_prefix="/api/v1")

    @bp.get("/openapi.json")
    def openapi() -> Any:
        """The OpenAPI 3 document of this tenant's enabled modules."""
        response = jsonify(build_spec(g.tenant))
        response.headers["Cache-Control"] = "private, max-age=60"
        return response

    openapi._xietong_hidden = True  # type: ignore[attr-defined]

    @bp.get("/docs")
    def docs() -> Any:
        """The API reference, rendered from openapi.json with swagger-ui (local assets)."""
        return render_template("xietong/api_docs.html", breadcrumbs=[("API", None)])

    docs._xietong_hidden = True  # type: ignore[attr-defined]
    return bp
