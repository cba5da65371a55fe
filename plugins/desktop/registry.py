"""Which widgets a user may have: collected from the tenant's enabled modules, then filtered.

Each enabled plugin's ``crm_dashboard_widgets`` is called on its own, so the desktop knows
which module offered a widget (it fills in ``Widget.module``) and a plugin whose hook raises
loses its own widgets only. Keys are unique: the first plugin in dependency order keeps a key.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

from flask import g

from core.contrib import Widget
from core.identity.permissions import can

log = logging.getLogger(__name__)
SIZES = ("small", "medium", "large", "full")


def offered_widgets(kernel: Any, user: Any) -> dict[str, Widget]:
    """Every widget the tenant's enabled modules offer ``user``, before permission checks.

    Cached for the current request (the app context), keyed by user.
    """
    store = g.setdefault("_desktop_offered", {})
    cache_key = getattr(user, "id", None)
    if cache_key not in store:
        store[cache_key] = _collect(kernel, user, g.tenant.enabled)
    return store[cache_key]


def _collect(kernel: Any, user: Any, enabled: frozenset[str]) -> dict[str, Widget]:
    hook = kernel.pm.hook.crm_dashboard_widgets
    impls = {impl.plugin_name: impl for impl in hook.get_hookimpls()}
    found: dict[str, Widget] = {}
    for name in kernel.order:
        impl = impls.get(name)
        if impl is None or name not in enabled:
            continue
        try:
            offered = impl.function(kernel=kernel, user=user) or []
        except Exception:  # one module's broken hook must not empty the desktop
            log.exception("crm_dashboard_widgets of plugin %s failed", name)
            continue
        for widget in offered:
            if not isinstance(widget, Widget):
                log.warning("plugin %s offered %r, not a core.toolkit.Widget; ignored", name, widget)
                continue
            if widget.key in found:
                log.warning("widget key %r of plugin %s is taken by plugin %s; ignored",
                            widget.key, name, found[widget.key].module)
                continue
            size = widget.size if widget.size in SIZES else "medium"
            found[widget.key] = dataclasses.replace(widget, module=name, size=size)
    return found


def may_see(user: Any, widget: Widget) -> bool:
    """Whether ``user`` passes the widget's permission ``(entity, action)`` (none: everyone)."""
    if user is None:
        return False
    if widget.permission is None:
        return True
    entity, action = widget.permission
    return can(user, action, entity)


def visible_widgets(kernel: Any, user: Any) -> dict[str, Widget]:
    """The widgets ``user`` may see, in module (dependency) order."""
    return {key: w for key, w in offered_widgets(kernel, user).items() if may_see(user, w)}


def find_widget(kernel: Any, user: Any, key: str) -> Widget | None:
    """The widget ``key`` if its module is enabled and ``user`` may see it, else None."""
    widget = offered_widgets(kernel, user).get(key)
    if widget is None or not may_see(user, widget):
        return None
    return widget


def default_for_role(widget: Widget, role_key: str) -> bool:
    """Whether a widget belongs in the built-in default desktop of ``role_key``.

    Widget authors say so with ``settings={"default_roles": ["sales", "manager"]}``; without
    it a widget is in every role's default.
    """
    roles = widget.settings.get("default_roles")
    return roles is None or role_key in roles
