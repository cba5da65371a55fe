"""The application factory. No module-global state: build as many apps as you like."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask, abort, g, jsonify, redirect, request
from werkzeug.middleware.proxy_fix import ProxyFix

from core.api import init_app as init_api
from core.config import build_config
from core.db import SLUG_RE
from core.errors import install_error_handlers
from core.identity.auth import init_app as init_auth
from core.kernel import Kernel
from core.signals import connect_plugin_receivers
from core.tasks import TaskQueue
from core.web import init_app as init_web

TENANT_PREFIX = "/t/<tenant>"


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build a Xietong CRM app.

    ``config`` overrides the environment (``XIETONG_DATA``, ``XIETONG_DATABASE_URL`` …) and the
    defaults in :mod:`core.config`; ``XIETONG_PLUGINS`` picks an explicit plugin set.
    """
    app = Flask("core", static_folder=None)
    app.config.update(build_config(config))
    app.config.setdefault("SESSION_COOKIE_HTTPONLY", True)
    app.config.setdefault("SESSION_COOKIE_SAMESITE", "Lax")
    hops = app.config["XIETONG_PROXY_HOPS"]
    if hops:
        # Only the addresses and scheme the trusted proxies add; a forwarded Host is not
        # trusted (proxies pass the client's own header on, and links are built from it).
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]
    kernel = Kernel(app)
    kernel.setup_control()
    kernel.load_plugins()
    queue = TaskQueue(kernel)
    queue.register()
    _register_entity_types(kernel)
    _register_blueprints(app, kernel)
    connect_plugin_receivers(kernel)
    _install_tenant_routing(app, kernel)
    install_error_handlers(app)
    init_auth(app, kernel)
    init_web(app, kernel)
    init_api(app, kernel)

    @app.get("/healthz")
    def healthz():
        return jsonify(status="ok", version=kernel.version)

    @app.get("/")
    def index():
        return redirect(f"/t/{app.config['XIETONG_DEFAULT_TENANT']}/")

    return app


def _register_entity_types(kernel: Kernel) -> None:
    for plugin, types in kernel.each_plugin("crm_entity_types", kernel=kernel):
        clash = next((e.key for e in types if e.key in kernel.entity_types), None)
        if clash:
            kernel.refuse_plugin(plugin, f"entity type {clash!r} is already declared by "
                                         f"{kernel.entity_types[clash].plugin}")
            continue
        for entity in types:
            object.__setattr__(entity, "plugin", plugin)
            kernel.entity_types[entity.key] = entity


def _register_blueprints(app: Flask, kernel: Kernel) -> None:
    """Mount every healthy plugin's blueprints under /t/<tenant> (Flask cannot add them later)."""
    for plugin, blueprints in kernel.each_plugin("crm_blueprints", kernel=kernel):
        names = [bp.name for bp in blueprints]
        clash = next((n for n in names if n in kernel.blueprint_owner or names.count(n) > 1), None)
        if clash:
            owner = kernel.blueprint_owner.get(clash, plugin)
            kernel.refuse_plugin(plugin, f"blueprint name {clash!r} is already taken by {owner}")
            continue
        for bp in blueprints:
            prefix = TENANT_PREFIX + (bp.url_prefix or "")
            app.register_blueprint(bp, url_prefix=prefix)
            kernel.blueprint_owner[bp.name] = plugin


def _install_tenant_routing(app: Flask, kernel: Kernel) -> None:
    @app.url_value_preprocessor
    def pick_tenant(endpoint: str | None, values: dict[str, Any] | None) -> None:
        if not values or "tenant" not in values:
            return
        slug = values.pop("tenant")
        # Check the shape first: a NUL or an overlong slug must be a 404, not a database error.
        runtime = kernel.runtime(slug) if SLUG_RE.match(slug) else None
        if runtime is None:
            abort(404, description=f"no tenant {slug!r}")
        g.tenant = runtime
        owner = kernel.blueprint_owner.get((request.blueprint or "").split(".")[0], "core")
        if owner not in runtime.enabled:
            abort(404)  # a module the tenant has not enabled does not exist there
        if not kernel.databases.is_postgres:
            return
        runtime.database.connect(reuse_if_open=True)

    @app.url_defaults
    def add_tenant(endpoint: str, values: dict[str, Any]) -> None:
        if "tenant" in values or not g.get("tenant"):
            return
        if app.url_map.is_endpoint_expecting(endpoint, "tenant"):
            values["tenant"] = g.tenant.slug

    @app.teardown_request
    def close_tenant_db(exc: BaseException | None) -> None:
        # SQLite connections stay open per worker thread (cheap, and WAL likes it);
        # PostgreSQL ones go back after each request so many tenants do not exhaust the server.
        tenant = g.get("tenant")
        if tenant is not None and kernel.databases.is_postgres and not tenant.database.is_closed():
            tenant.database.close()
