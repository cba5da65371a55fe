"""Pages of announcements and policies: the list, one announcement (a read receipt), and the
publisher's form. Forms post back here (CSRF-protected by the identity guard)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from core.errors import ApiError
from core.identity.auth import current_user
from core.identity.permissions import can
from core.identity.trash import move_to_trash
from plugins.desktop import announcements as service
from plugins.desktop.models import KINDS
from plugins.desktop.sanitize import clean_html
from plugins.desktop.schemas import AnnouncementSchema, load
from plugins.desktop.services import role_keys

pages = Blueprint("desktop_announcements", __name__, url_prefix="/desktop/announcements",
                  template_folder="templates")


def _user() -> Any:
    user = current_user()
    if user is None:
        abort(401)
    return user


def _item(user: Any, announcement_id: int) -> Any:
    item = service.get_visible(user, announcement_id)
    if item is None:
        abort(404)
    return item


@pages.get("/")
def index() -> ResponseReturnValue:
    user = _user()
    if not can(user, "read", service.ENTITY):
        abort(403)
    kind = request.args.get("kind") if request.args.get("kind") in KINDS else None
    try:
        items, next_cursor = service.listing(user, kind=kind, limit=50,
                                             cursor=request.args.get("cursor") or None)
    except (ValueError, TypeError):
        abort(400)
    return render_template("desktop/announcements.html", items=items, next_cursor=next_cursor,
                           kind=kind, may_publish=can(user, "create", service.ENTITY))


@pages.get("/<int:announcement_id>")
def detail(announcement_id: int) -> ResponseReturnValue:
    """Opening an announcement is reading it: the read receipt is recorded here."""
    user = _user()
    item = _item(user, announcement_id)
    read_at = service.mark_read(user, item)
    receipts = service.receipts(item) if service.manages(user) else None
    return render_template("desktop/announcement.html", item=service.to_dict(item, read_at),
                           receipts=receipts, may_write=can(user, "write", service.ENTITY, item),
                           may_delete=can(user, "delete", service.ENTITY, item))


def _form_data() -> dict[str, Any]:
    return {
        "kind": request.form.get("kind", "announcement"),
        "title": request.form.get("title", "").strip(),
        "body": request.form.get("body", ""),
        "pinned": request.form.get("pinned") in ("1", "on", "true"),
        "roles": [r for r in request.form.getlist("roles") if r],
    }


def _form(item: dict[str, Any] | None, errors: dict[str, list[str]] | None = None, status: int = 200):
    return render_template("desktop/announcement_form.html", item=item, errors=errors or {},
                           roles=role_keys(), kinds=KINDS), status


def _save(user: Any, existing: Any = None):
    raw = _form_data()
    try:
        data = load(AnnouncementSchema(), raw)
        unknown = [r for r in data["roles"] if r not in role_keys()]
        if unknown:
            problems = [_("Unknown role: %(r)s", r=r) for r in unknown]
            raise ApiError(422, "unknown roles", fields={"roles": problems})
    except ApiError as err:
        shown = {**raw, "body": clean_html(raw["body"]), "id": getattr(existing, "id", None)}
        return _form(shown, err.fields, 422)
    item = service.update(user, existing, data) if existing else service.create(user, data)
    return redirect(url_for("desktop_announcements.detail", announcement_id=item.id))


@pages.route("/new", methods=["GET", "POST"])
def create() -> ResponseReturnValue:
    user = _user()
    if not can(user, "create", service.ENTITY):
        abort(403)
    if request.method == "POST":
        return _save(user)
    return _form({"kind": request.args.get("kind") if request.args.get("kind") in KINDS else "announcement"})


@pages.route("/<int:announcement_id>/edit", methods=["GET", "POST"])
def edit(announcement_id: int) -> ResponseReturnValue:
    user = _user()
    item = _item(user, announcement_id)
    if not can(user, "write", service.ENTITY, item):
        abort(403)
    if request.method == "POST":
        return _save(user, item)
    return _form(service.to_dict(item, None))


@pages.post("/<int:announcement_id>/delete")
def delete(announcement_id: int) -> ResponseReturnValue:
    user = _user()
    item = _item(user, announcement_id)
    if not can(user, "delete", service.ENTITY, item):
        abort(403)
    move_to_trash(service.ENTITY, item, user)
    return redirect(url_for("desktop_announcements.index"))
