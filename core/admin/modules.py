"""Modules per tenant: the admin page ``/admin/modules`` and the API ``/api/v1/modules``.

A tenant admin sees every installed plugin — healthy or broken, with the reason — and enables
or disables modules for their tenant. Both paths go through the kernel's ``enable_modules`` /
``disable_modules`` (dependencies pulled in and migrated; disabling refused while an enabled
module depends on it; data kept) and are audited.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, flash, g, jsonify, redirect, render_template, url_for

from core.errors import ApiError
from core.identity.audit import audit
from core.identity.auth import admin_required
from core.identity.text import _, is_zh
from core.migrations import MigrationError
from core.tenancy import TenantError

pages = Blueprint("modules_admin", __name__, url_prefix="/admin/modules", template_folder="templates")
api = Blueprint("modules_api", __name__, url_prefix="/api/v1/modules")


def _kernel() -> Any:
    return current_app.extensions["xietong"]


def module_rows() -> list[dict[str, Any]]:
    """Every installed plugin as the tenant admin sees it, in dependency order then by name."""
    kernel = _kernel()
    enabled = set(kernel.runtime(g.tenant.slug, refresh=True).enabled)
    order = {name: index for index, name in enumerate(kernel.order)}
    rows = []
    for name, entry in kernel.plugins.items():
        meta = entry.meta
        title = (meta.title_zh if is_zh() and meta.title_zh else meta.title) if meta else ""
        rows.append({
            "name": name,
            "title": title or name,
            "version": entry.version,
            "depends": dict(meta.depends) if meta else {},
            "status": entry.status,
            "reason": entry.reason,
            "enabled": entry.ok and name in enabled,
            "required": name == "core",
            "required_by": [d for d in kernel.dependents(name) if d in enabled] if entry.ok else [],
        })
    return sorted(rows, key=lambda row: (order.get(row["name"], len(order)), row["name"]))


def change(name: str, enable: bool) -> list[str]:
    """Enable or disable ``name`` in the current tenant; raises TenantError/MigrationError."""
    kernel = _kernel()
    slug = g.tenant.slug
    if name not in kernel.plugins:
        raise LookupError(name)
    if enable:
        changed = kernel.enable_modules(slug, [name])
    else:
        kernel.disable_modules(slug, [name])
        changed = [name]
    audit("module_enable" if enable else "module_disable", "module", name, {"modules": changed})
    return changed


# -- API ---------------------------------------------------------------------------------------


@api.before_request
@admin_required
def _api_admins_only() -> None:
    return None


@api.get("")
def list_modules():
    """Installed modules with version, dependencies, health and whether this tenant has them on."""
    return jsonify(items=module_rows(), next=None)


def _api_change(name: str, enable: bool):
    try:
        changed = change(name, enable)
    except LookupError:
        raise ApiError(404, f"no module {name!r} is installed") from None
    except (TenantError, MigrationError) as exc:
        raise ApiError(409, str(exc)) from exc
    return jsonify(module=name, enabled=enable, changed=changed)


@api.post("/<name>/enable")
def enable_module(name: str):
    """Enable a module and its dependencies (their tables are migrated in this tenant)."""
    return _api_change(name, True)


@api.post("/<name>/disable")
def disable_module(name: str):
    """Disable a module; its data stays. 409 while an enabled module depends on it."""
    return _api_change(name, False)


# -- page --------------------------------------------------------------------------------------


@pages.before_request
@admin_required
def _pages_admins_only() -> None:
    return None


@pages.get("/")
def index():
    crumbs = [(_("Administration"), url_for("identity_admin.users")), (_("Modules"), None)]
    return render_template("admin/modules.html", modules=module_rows(), breadcrumbs=crumbs)


def _page_change(name: str, enable: bool):
    try:
        changed = change(name, enable)
    except LookupError:
        flash(_("No such module is installed."), "danger")
    except (TenantError, MigrationError) as exc:
        flash(str(exc), "danger")
    else:
        message = _("Enabled: %(names)s", names=", ".join(changed)) if enable else \
            _("Disabled: %(names)s (its data is kept)", names=", ".join(changed))
        flash(message, "success")
    return redirect(url_for("modules_admin.index"))


@pages.post("/<name>/enable")
def enable_page(name: str):
    return _page_change(name, True)


@pages.post("/<name>/disable")
def disable_page(name: str):
    return _page_change(name, False)
