"""The REST endpoints of a resource, per CONTRACT.md: ``/t/<tenant>/api/v1/<path>``.

``GET`` collection (keyset pages), ``POST`` (201), ``GET|PATCH|DELETE /<id>`` (ETag and
If-Match; DELETE → trash, 204), ``GET /export?format=csv|xlsx`` and ``GET /<id>/tabs``.
Each view function carries ``_xietong_api = (kind, resource)`` so the OpenAPI builder can
describe it from the same schema.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, g, jsonify, request, url_for

from core.errors import ApiError

from .export import export_response


def etag_of(record: Any) -> str:
    """A strong ETag from the record's id and version (changes on every write)."""
    return f'"{record.get_id()}.{getattr(record, "version", 0)}"'


def expected_version(record: Any) -> int | None:
    """The version the client based its change on, from ``If-Match`` (None when absent).

    ``*`` matches anything; an ETag of another record or a malformed one is a 409 or 400.
    """
    header = request.headers.get("If-Match")
    if not header or header.strip() == "*":
        return None
    tag = header.split(",")[0].strip().removeprefix("W/").strip('"')
    record_id, _, version = tag.partition(".")
    if not version.isdigit() or not record_id.isdigit():
        raise ApiError(400, "If-Match must be an ETag from this API, e.g. \"12.3\"")
    if int(record_id) != record.get_id():
        raise ApiError(409, "If-Match names another record")
    return int(version)


def json_body() -> Any:
    """The request's JSON; 415 for another content type, 400 when it does not parse."""
    if not request.mimetype or request.mimetype != "application/json":
        raise ApiError(415, "send the body as application/json")
    try:
        return json.loads(request.get_data(cache=False) or b"null")
    except (ValueError, UnicodeDecodeError):
        raise ApiError(400, "the body is not valid JSON") from None


def _tag(kind: str, resource: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def mark(view: Callable[..., Any]) -> Callable[..., Any]:
        view._xietong_api = (kind, resource)  # type: ignore[attr-defined]
        return view

    return mark


def api_blueprint(resource: Any) -> Blueprint:
    """A fresh blueprint (one per app) with the resource's endpoints."""
    bp = Blueprint(f"{resource.name}_api", __name__, url_prefix=f"/api/v1/{resource.path}")
    bp.xietong_resource = resource  # type: ignore[attr-defined]

    def one(record: Any, status: int = 200) -> Response:
        response = jsonify(resource.dump(record, g.user))
        response.status_code = status
        response.headers["ETag"] = etag_of(record)
        return response

    @bp.get("")
    @_tag("list", resource)
    def collection() -> Any:
        params = resource.list_params(request.args, g.user)
        rows, cursor = resource.page(g.user, params)
        return jsonify(items=resource.dump_many(rows, g.user), next=cursor)

    @bp.post("")
    @_tag("create", resource)
    def create() -> Any:
        record = resource.create(json_body(), g.user)
        response = one(record, 201)
        response.headers["Location"] = url_for(".record", record_id=record.get_id())
        return response

    @bp.get("/<int:record_id>")
    @_tag("get", resource)
    def record(record_id: int) -> Any:
        item = resource.get(record_id, g.user)
        if request.headers.get("If-None-Match") == etag_of(item):
            return Response(status=304, headers={"ETag": etag_of(item)})
        return one(item)

    @bp.patch("/<int:record_id>")
    @_tag("patch", resource)
    def patch(record_id: int) -> Any:
        item = resource.get(record_id, g.user)
        body = json_body()
        return one(resource.update(item, body, g.user, expected_version=expected_version(item)))

    @bp.delete("/<int:record_id>")
    @_tag("delete", resource)
    def delete(record_id: int) -> Any:
        item = resource.get(record_id, g.user)
        version = expected_version(item)
        if version is not None and version != getattr(item, "version", version):
            raise ApiError(409, f"this {resource.entity} was changed by someone else; reload it")
        resource.delete(item, g.user)
        return Response(status=204)

    @bp.get("/export")
    @_tag("export", resource)
    def export() -> Any:
        from core.identity.permissions import require

        require(g.user, "export", resource.entity)
        params = resource.list_params(request.args, g.user, default_limit=200)
        fmt = request.args.get("format", "csv")
        return export_response(resource, g.user, resource.all(g.user, params), fmt, resource.path)

    @bp.get("/<int:record_id>/tabs")
    @_tag("tabs", resource)
    def tabs(record_id: int) -> Any:
        from core.web.tabs import record_tabs

        item = resource.get(record_id, g.user)
        return jsonify(items=[
            {"key": t.key, "title": t.title, "title_zh": t.title_zh, "url": t.url, "count": t.count,
             "module": t.module}
            for t in record_tabs(resource, item, g.user)
        ])

    return bp
