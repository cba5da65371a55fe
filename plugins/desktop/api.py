"""The desktop's REST endpoints under ``/t/<tenant>/api/v1/desktop`` (CONTRACT.md)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, g, jsonify, request
from flask.typing import ResponseReturnValue
from flask_babel import get_locale

from core.api.openapi import api_doc
from core.errors import ApiError
from core.identity.auth import current_user
from core.identity.models import User
from core.identity.permissions import can
from plugins.desktop import openapi as out
from plugins.desktop import registry, services
from plugins.desktop.schemas import CompanySchema, PersonalSchema, load
from plugins.desktop.signals import company_layout_changed

api = Blueprint("desktop_api", __name__, url_prefix="/api/v1/desktop")


def _kernel() -> Any:
    return current_app.extensions["xietong"]


def _user() -> User:
    user = current_user()
    if user is None:  # the identity guard answers 401 first; this keeps the type honest
        raise ApiError(401, "sign in or send 'Authorization: Bearer <token>'")
    return user


def _body() -> Any:
    data = request.get_json(silent=True)
    if data is None:
        raise ApiError(400, "send a JSON body with 'Content-Type: application/json'")
    return data


def widget_dict(widget: Any) -> dict[str, Any]:
    return {"key": widget.key, "title": widget.title, "title_zh": widget.title_zh,
            "module": widget.module, "size": widget.size}


def locale_variant() -> str:
    return str(get_locale() or "")


@api.get("/widgets")
@api_doc(summary="Widgets the caller may use", response=out.DesktopWidget, many=True, tags=["desktop"],
         errors=(401,))
def list_widgets() -> ResponseReturnValue:
    """The widgets the caller may put on a desktop: ``{"items": [...], "next": null}``."""
    widgets = registry.visible_widgets(_kernel(), _user())
    return jsonify(items=[widget_dict(w) for w in widgets.values()], next=None)


@api.get("/widgets/<key>")
@api_doc(summary="One widget's data", response=out.DesktopWidgetData, tags=["desktop"],
         errors=(401, 404, 500))
def widget_data(key: str) -> ResponseReturnValue:
    """One widget's data; 404 when it does not exist, its module is off or the caller may not."""
    user = _user()
    widget = registry.find_widget(_kernel(), user, key)
    if widget is None:
        raise ApiError(404, f"no widget {key!r} here")
    try:
        data, cached = services.widget_data(_kernel(), user, widget, locale_variant())
    except services.WidgetFailed as exc:
        raise ApiError(500, f"{exc}; it has been logged", code="widget_failed") from exc
    return jsonify(key=widget.key, module=widget.module, data=data, cached=cached)


# -- personal desktop ---------------------------------------------------------------------------


def _personal_response(user: User):
    keys, customised = services.personal_widgets(_kernel(), user)
    return jsonify(widgets=keys, customised=customised)


@api.get("/personal")
@api_doc(summary="The caller's personal desktop", response=out.DesktopPersonal, tags=["desktop"],
         errors=(401,))
def get_personal() -> ResponseReturnValue:
    """The caller's widgets in order; ``customised`` False means their role's default."""
    return _personal_response(_user())


@api.put("/personal")
@api_doc(summary="Subscribe to widgets, in order", request=PersonalSchema, response=out.DesktopPersonal,
         tags=["desktop"], errors=(400, 401, 422))
def put_personal() -> ResponseReturnValue:
    """``{"widgets": [key, ...]}``: 422 names every widget the caller may not have."""
    user = _user()
    data = load(PersonalSchema(), _body())
    visible = registry.visible_widgets(_kernel(), user)
    bad = [key for key in data["widgets"] if key not in visible]
    if bad:
        raise ApiError(422, "unknown widgets, or widgets you may not see",
                       fields={"widgets": [f"not available: {key}" for key in bad]})
    services.save_personal(user, data["widgets"])
    return _personal_response(user)


@api.delete("/personal")
@api_doc(summary="Back to the role's default", response=out.DesktopPersonal, tags=["desktop"], errors=(401,))
def reset_personal() -> ResponseReturnValue:
    """Forget the caller's choice; their role's default applies again."""
    user = _user()
    services.reset_personal(user)
    return _personal_response(user)


# -- company desktop ----------------------------------------------------------------------------


def _may_arrange(user: User) -> bool:
    return can(user, "write", "company_desktop")


def _role_arg(value: str | None) -> str:
    role = (value or "").strip()
    if role and role not in services.role_keys():
        raise ApiError(404, f"no role {role!r}")
    return role


@api.get("/company")
@api_doc(summary="The company desktop", response=out.DesktopCompany, tags=["desktop"], errors=(401, 403, 404),
         params={"role": ("string", "arrangers: the stored layout of this role (empty: company-wide)")})
def get_company() -> ResponseReturnValue:
    """The company desktop as the caller sees it; admins pass ``?role=`` (empty: everyone)
    to read the stored layout of a role instead."""
    user = _user()
    if "role" not in request.args:
        return jsonify(role=user.role.key, columns=services.effective_company(_kernel(), user),
                       editable=_may_arrange(user))
    if not _may_arrange(user):
        raise ApiError(403, "only those who arrange the company desktop may read other roles' layouts")
    role = _role_arg(request.args["role"])
    columns, inherited = services.stored_company(role)
    return jsonify(role=role or None, columns=columns, inherited=inherited, editable=True)


@api.put("/company")
@api_doc(summary="Arrange the company desktop", request=CompanySchema, response=out.DesktopCompany,
         tags=["desktop"], errors=(400, 401, 403, 422))
def put_company() -> ResponseReturnValue:
    """``{"role": null | key, "columns": [{"title", "title_zh", "widgets": [key, ...]}]}``."""
    user = _user()
    if not _may_arrange(user):
        raise ApiError(403, "you may not arrange the company desktop")
    data = load(CompanySchema(), _body())
    role = (data["role"] or "").strip()
    problems: dict[str, list[str]] = {}
    if role and role not in services.role_keys():
        problems["role"] = [f"no role {role!r}"]
    offered = registry.offered_widgets(_kernel(), user)
    seen: set[str] = set()
    for index, column in enumerate(data["columns"]):
        for key in column["widgets"]:
            if key not in offered:
                problems.setdefault(f"columns.{index}.widgets", []).append(f"not available: {key}")
            elif key in seen:
                problems.setdefault(f"columns.{index}.widgets", []).append(f"used twice: {key}")
            seen.add(key)
    if problems:
        raise ApiError(422, "invalid company desktop", fields=problems)
    services.save_company(role, data["columns"], user)
    company_layout_changed.send(_kernel(), tenant=g.tenant.slug, role=role, user=user)
    columns, inherited = services.stored_company(role)
    return jsonify(role=role or None, columns=columns, inherited=inherited, editable=True)


@api.delete("/company")
@api_doc(summary="Remove a role's layout", status=204, tags=["desktop"], errors=(401, 403, 404),
         params={"role": ("string", "the role (empty: the company-wide layout)")})
def delete_company() -> ResponseReturnValue:
    """``?role=key``: that role inherits the company-wide layout again (no role: the
    company-wide layout goes back to the default, one column per module)."""
    user = _user()
    if not _may_arrange(user):
        raise ApiError(403, "you may not arrange the company desktop")
    role = _role_arg(request.args.get("role"))
    if not services.delete_company(role, user):
        raise ApiError(404, "there is no such layout")
    company_layout_changed.send(_kernel(), tenant=g.tenant.slug, role=role, user=user)
    return "", 204

