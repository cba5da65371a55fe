"""The desktop's business rules, callable without HTTP: widget data and layouts."""

from __future__ import annotations

import datetime as dt
import decimal
import json
import logging
import threading
from typing import Any

from flask import g

from core.contrib import Widget
from core.identity.audit import audit
from core.identity.models import Role, User, utcnow
from plugins.desktop import registry
from plugins.desktop.cache import WidgetCache, build_cache
from plugins.desktop.models import CompanyLayout, PersonalLayout

log = logging.getLogger(__name__)
_cache_lock = threading.Lock()


class WidgetFailed(RuntimeError):
    """A widget's data function raised; the desktop shows an error in that widget's box."""


def cache_of(kernel: Any) -> WidgetCache:
    """The app's widget cache (built on first use from the app's configuration)."""
    cache = kernel.app.extensions.get("desktop.cache")
    if cache is None:
        with _cache_lock:
            cache = kernel.app.extensions.get("desktop.cache")
            if cache is None:
                cache = kernel.app.extensions["desktop.cache"] = build_cache(kernel.config)
    return cache


def modules_read_by(kernel: Any, module: str) -> list[str]:
    """The module, everything it depends on (transitively) and ``core``: what its widget reads."""
    found, stack = {"core"}, [module]
    while stack:
        name = stack.pop()
        if name in found:
            continue
        found.add(name)
        plugin = kernel.plugins.get(name)
        if plugin is not None and plugin.meta is not None:
            stack.extend(plugin.meta.depends)
    return sorted(found)


def _plain(value: Any) -> Any:
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, dt.datetime):
        return (value if value.tzinfo else value.replace(tzinfo=dt.UTC)).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    raise TypeError(f"{type(value).__name__} is not JSON-able")


def widget_data(kernel: Any, user: User, widget: Widget, variant: str = "") -> tuple[Any, bool]:
    """``(data, cached)`` for ``widget`` and ``user``: from the cache, or computed and cached.

    Data go through JSON either way (money as decimal strings, times as ISO 8601), so a hit
    and a miss look the same. ``settings["cache_seconds"]`` of a widget overrides the TTL
    (0: never cached). Raises :class:`WidgetFailed` when the widget's function raises.
    """
    cache = cache_of(kernel)
    ttl = widget.settings.get("cache_seconds")
    key = cache.key(g.tenant.slug, user.id, widget.key, modules_read_by(kernel, widget.module), variant)
    if ttl != 0:
        hit, value = cache.get(key)
        if hit:
            return value, True
    try:
        raw = widget.data(kernel, user, dict(widget.settings))
        encoded = json.dumps(raw, ensure_ascii=False, default=_plain)
    except Exception as exc:
        log.exception("widget %s of module %s failed", widget.key, widget.module)
        raise WidgetFailed(f"widget {widget.key} failed: {type(exc).__name__}") from exc
    value = json.loads(encoded)
    if ttl != 0:
        cache.set(key, value, None if ttl is None else float(ttl))
    return value, False


# -- personal desktop ---------------------------------------------------------------------------


def _role_key(user: User) -> str:
    return user.role.key


def default_personal(kernel: Any, user: User) -> list[str]:
    """A new user's desktop: the widgets of their role's company layout (or the company-wide
    one) that they may see; with no layout arranged, every widget meant for their role."""
    visible = registry.visible_widgets(kernel, user)
    columns, _ = stored_company(_role_key(user))
    keys = [key for column in columns for key in column["widgets"] if key in visible]
    if keys:
        return list(dict.fromkeys(keys))
    role = _role_key(user)
    return [key for key, widget in visible.items() if registry.default_for_role(widget, role)]


def personal_widgets(kernel: Any, user: User) -> tuple[list[str], bool]:
    """``(keys, customised)``: the user's saved order (less widgets they may no longer see —
    kept in storage, so they come back with their module) or the role's default."""
    row = PersonalLayout.get_or_none(PersonalLayout.user == user.id)
    if row is None:
        return default_personal(kernel, user), False
    visible = registry.visible_widgets(kernel, user)
    return [key for key in row.widgets if key in visible], True


def save_personal(user: User, keys: list[str]) -> None:
    """Store the user's widgets and order (already validated against what they may see)."""
    now = utcnow()
    updated = PersonalLayout.update(widgets=keys, updated_at=now).where(
        PersonalLayout.user == user.id).execute()
    if not updated:
        PersonalLayout.create(user=user.id, widgets=keys, updated_at=now)


def reset_personal(user: User) -> None:
    """Forget the user's choice: their role's default applies again."""
    PersonalLayout.delete().where(PersonalLayout.user == user.id).execute()


# -- company desktop ----------------------------------------------------------------------------


def stored_company(role: str) -> tuple[list[dict[str, Any]], bool]:
    """``(columns, inherited)``: the layout stored for ``role`` ("" = everyone), or the
    company-wide one when that role has none (``inherited`` True)."""
    rows = {row.role: row for row in CompanyLayout.select().where(CompanyLayout.role.in_([role, ""]))}
    if role in rows:
        return rows[role].columns, False
    if "" in rows:
        return rows[""].columns, role != ""
    return [], role != ""


def effective_company(kernel: Any, user: User) -> list[dict[str, Any]]:
    """The company desktop as ``user`` sees it: their role's columns, only widgets they may see."""
    visible = registry.visible_widgets(kernel, user)
    columns, _ = stored_company(_role_key(user))
    if not columns:
        columns = default_columns(kernel, visible)
    return [{"title": c["title"], "title_zh": c.get("title_zh", ""),
             "widgets": [k for k in c["widgets"] if k in visible]} for c in columns]


def default_columns(kernel: Any, widgets: dict[str, Widget]) -> list[dict[str, Any]]:
    """Before the admin arranges anything: one column (栏目) per module, in module order."""
    columns: dict[str, dict[str, Any]] = {}
    for key, widget in widgets.items():
        column = columns.get(widget.module)
        if column is None:
            meta = kernel.plugins[widget.module].meta
            column = columns[widget.module] = {
                "title": meta.title or widget.module, "title_zh": meta.title_zh, "widgets": []}
        column["widgets"].append(key)
    return list(columns.values())


def _stored_columns(role: str) -> list[dict[str, Any]] | None:
    row = CompanyLayout.get_or_none(CompanyLayout.role == role)
    return None if row is None else row.columns


def save_company(role: str, columns: list[dict[str, Any]], actor: User) -> None:
    """Store the columns for ``role`` ("" = everyone), audited; validation is the schema's job."""
    now = utcnow()
    with CompanyLayout._meta.database.atomic():
        before = _stored_columns(role)
        updated = CompanyLayout.update(columns=columns, updated_at=now, updated_by=actor.id).where(
            CompanyLayout.role == role).execute()
        if not updated:
            CompanyLayout.create(role=role, columns=columns, updated_at=now, updated_by=actor.id)
        audit("update" if updated else "create", "company_desktop", role or "*",
              {"columns": [before, columns]}, actor)


def delete_company(role: str, actor: User) -> bool:
    """Remove ``role``'s own layout (it inherits the company-wide one again), audited."""
    with CompanyLayout._meta.database.atomic():
        before = _stored_columns(role)
        if before is None:
            return False
        CompanyLayout.delete().where(CompanyLayout.role == role).execute()
        audit("delete", "company_desktop", role or "*", {"columns": [before, None]}, actor)
    return True


def role_keys() -> list[str]:
    return [role.key for role in Role.select(Role.key).order_by(Role.id)]
