"""Pages: the personal desktop, the company desktop, arranging it, widget boxes (fragments)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, render_template, url_for
from flask.typing import ResponseReturnValue

from core.identity.auth import current_user
from core.identity.permissions import can
from plugins.desktop import announcements, registry, services
from plugins.desktop.api import locale_variant
from plugins.desktop.render import safe_url, widget_context

pages = Blueprint("desktop", __name__, url_prefix="/desktop", template_folder="templates",
                  static_folder="static", static_url_path="/static")
pages.add_app_template_filter(safe_url, "desktop_safe_url")
PINNED_ON_TOP = 3


def _kernel() -> Any:
    return current_app.extensions["xietong"]


def _user() -> Any:
    user = current_user()
    if user is None:
        abort(401)
    return user


def _boxes(keys: list[str], widgets: dict[str, Any]) -> list[dict[str, Any]]:
    return [widget_context(widgets[key]) for key in keys if key in widgets]


@pages.get("/")
def personal() -> ResponseReturnValue:
    """个人桌面: the caller's widgets in their order, each loading on its own."""
    user = _user()
    widgets = registry.visible_widgets(_kernel(), user)
    keys, customised = services.personal_widgets(_kernel(), user)
    available = [widget_context(w) for key, w in widgets.items() if key not in keys]
    return render_template("desktop/personal.html", boxes=_boxes(keys, widgets),
                           available=available, customised=customised)


@pages.get("/company")
def company() -> ResponseReturnValue:
    """公司桌面: the admin's columns (栏目) for the caller's role, pinned announcements on top."""
    user = _user()
    widgets = registry.visible_widgets(_kernel(), user)
    columns = [
        {"title": c["title"], "title_zh": c.get("title_zh", ""), "boxes": _boxes(c["widgets"], widgets)}
        for c in services.effective_company(_kernel(), user)
    ]
    pinned: list[dict[str, Any]] = []
    if can(user, "read", announcements.ENTITY):
        pinned, _ = announcements.listing(user, pinned=True, limit=PINNED_ON_TOP)
    return render_template("desktop/company.html", columns=columns, pinned=pinned,
                           may_arrange=can(user, "write", "company_desktop"))


@pages.get("/company/arrange")
def arrange() -> ResponseReturnValue:
    """The editor of the company desktop: columns of widgets, per role if wanted."""
    user = _user()
    if not can(user, "write", "company_desktop"):
        abort(403)
    offered = registry.offered_widgets(_kernel(), user)
    return render_template("desktop/arrange.html", roles=services.role_keys(),
                           widgets=[widget_context(w) for w in offered.values()])


@pages.get("/w/<key>")
def widget_box(key: str) -> ResponseReturnValue:
    """The inside of one widget's box (HTML), fetched by the page; errors stay in the box."""
    user = _user()
    widget = registry.find_widget(_kernel(), user, key)
    if widget is None:
        return render_template("desktop/widget_error.html", reason="missing"), 404
    try:
        data, cached = services.widget_data(_kernel(), user, widget, locale_variant())
    except services.WidgetFailed:
        return render_template("desktop/widget_error.html", reason="failed"), 500
    template = widget.template or "desktop/widget_body.html"
    return render_template(template, widget=widget, data=data, cached=cached,
                           api_url=url_for("desktop_api.widget_data", key=key))

