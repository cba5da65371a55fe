"""The shell around every page: templates, assets, navigation, error pages.

Installed by :func:`core.web.init_app`. Templates live in ``core/web/templates/xietong/``;
plugins extend ``xietong/base.html``. Assets are served from ``/assets/`` (our own files and,
under ``vendor/``, the npm packages copied there by ``python -m core.web.assets``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask, current_app, g, jsonify, render_template, request, send_from_directory, url_for
from jinja2 import ChoiceLoader, FileSystemLoader
from werkzeug.exceptions import HTTPException

from core.errors import ApiError, wants_json

from .charts import chart_html
from .display import display, field_label
from .i18n import localized

STATIC = Path(__file__).parent / "static"
TEMPLATES = Path(__file__).parent / "templates"
ERROR_PAGES = (400, 401, 403, 404, 405, 409, 413, 422, 429)


def nav_items() -> list[dict[str, Any]]:
    """The navigation for the current user: menu items of the tenant's enabled modules that the
    user may use, in order, with the active one marked (hook ``crm_menu_items``)."""
    from core.identity.permissions import can

    user, tenant = g.get("user"), g.get("tenant")
    if user is None or tenant is None:
        return []
    kernel = current_app.extensions["xietong"]
    items = []
    for _, contributed in kernel.each_plugin("crm_menu_items", only=tenant.enabled, kernel=kernel, user=user):
        for item in contributed:
            if item.permission and not can(user, item.permission[1], item.permission[0]):
                continue
            try:
                href = url_for(item.endpoint)
            except Exception:  # an endpoint of a module that failed to register: leave it out
                current_app.logger.warning("menu item %s names unknown endpoint %s", item.key, item.endpoint)
                continue
            active = request.path.startswith(href) and href != f"/t/{tenant.slug}/"
            items.append({"key": item.key, "title": localized(item), "href": href, "icon": item.icon,
                          "order": item.order, "active": active})
    items.sort(key=lambda i: (i["order"], i["title"]))
    return items


def filter_options(field: Any) -> list[tuple[str, str]]:
    """Options of a select for ``field`` (list filters, bulk reassign), or [] for free text."""
    from flask_babel import gettext
    from marshmallow import fields as ma

    from .forms import _options

    if isinstance(field, ma.Boolean):
        return [("true", gettext("Yes")), ("false", gettext("No"))]
    return _options(field)


def asset_url(path: str) -> str:
    """URL of one of our assets; ``vendor/…`` are the npm packages."""
    return url_for("xietong_assets", filename=path)


def init_app(app: Flask) -> None:
    app.jinja_loader = ChoiceLoader([FileSystemLoader(str(TEMPLATES)), *(
        [app.jinja_loader] if app.jinja_loader else [])])
    app.jinja_env.globals.update(nav_items=nav_items, asset=asset_url, field_label=field_label,
                                 filter_options=filter_options, display=display,
                                 chart_html=chart_html)

    def serve_asset(filename: str) -> Any:
        response = send_from_directory(STATIC, filename, max_age=3600)
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response

    app.add_url_rule("/assets/<path:filename>", endpoint="xietong_assets", view_func=serve_asset)

    def error_page(exc: HTTPException) -> Any:
        if wants_json():
            response = jsonify(ApiError(exc.code or 500, exc.description or exc.name).to_dict())
            response.status_code = exc.code or 500
            for header in ("WWW-Authenticate", "Allow", "Retry-After"):
                if exc.get_response().headers.get(header):
                    response.headers[header] = exc.get_response().headers[header]
            return response
        return render_template("xietong/error.html", error=exc), exc.code

    for code in ERROR_PAGES:
        app.register_error_handler(code, error_page)

    @app.after_request
    def security_headers(response: Any) -> Any:
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "SAMEORIGIN")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        return response
