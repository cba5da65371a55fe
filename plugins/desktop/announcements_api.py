"""REST endpoints of announcements and policies: ``/t/<tenant>/api/v1/desktop/announcements``."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request
from flask.typing import ResponseReturnValue

from core.api.openapi import api_doc
from core.errors import ApiError
from core.identity.auth import current_user
from core.identity.models import User
from core.identity.permissions import can
from core.identity.trash import move_to_trash
from plugins.desktop import announcements as service
from plugins.desktop import openapi as out
from plugins.desktop.models import KINDS, Announcement
from plugins.desktop.schemas import AnnouncementPatchSchema, AnnouncementSchema, load
from plugins.desktop.services import role_keys

api = Blueprint("desktop_announcements_api", __name__, url_prefix="/api/v1/desktop/announcements")
MAX_LIMIT = 200


def _user() -> User:
    user = current_user()
    if user is None:
        raise ApiError(401, "sign in or send 'Authorization: Bearer <token>'")
    return user


def _body() -> Any:
    data = request.get_json(silent=True)
    if data is None:
        raise ApiError(400, "send a JSON body with 'Content-Type: application/json'")
    return data


def _flag(name: str) -> bool | None:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return None
    if raw.lower() in ("1", "true", "yes"):
        return True
    if raw.lower() in ("0", "false", "no"):
        return False
    raise ApiError(400, f"{name} must be true or false", fields={name: ["not a boolean"]})


def _limit() -> int:
    raw = request.args.get("limit", "50")
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_LIMIT:
        raise ApiError(400, f"limit must be 1 to {MAX_LIMIT}", fields={"limit": ["out of range"]})
    return int(raw)


def _check_roles(data: dict[str, Any]) -> None:
    unknown = [r for r in data.get("roles") or [] if r not in role_keys()]
    if unknown:
        raise ApiError(422, "unknown roles", fields={"roles": [f"no role {r!r}" for r in unknown]})


def _visible(user: User, announcement_id: int) -> Announcement:
    item = service.get_visible(user, announcement_id)
    if item is None:
        raise ApiError(404, f"no announcement {announcement_id}")
    return item


def _one(user: User, item: Announcement):
    return jsonify(service.to_dict(item, service.reads_of(user, [item.id]).get(item.id)))


@api.get("")
@api_doc(summary="Announcements and policies", response=out.DesktopAnnouncement, many=True, tags=["desktop"],
         errors=(400, 401, 403), params={"kind": ("string", "announcement or policy"),
         "pinned": ("boolean", ""), "unread": ("boolean", ""), "limit": ("integer", "1-200"),
         "cursor": ("string", "from the previous page's next")})
def list_announcements() -> ResponseReturnValue:
    """``?kind=announcement|policy&pinned=&unread=&limit=&cursor=``; pinned first, newest first."""
    user = _user()
    if not can(user, "read", service.ENTITY):
        raise ApiError(403, "you may not read announcements")
    kind = request.args.get("kind") or None
    if kind is not None and kind not in KINDS:
        raise ApiError(400, f"kind must be one of {', '.join(KINDS)}", fields={"kind": ["unknown"]})
    try:
        items, next_cursor = service.listing(
            user, kind=kind, pinned=_flag("pinned"), unread=bool(_flag("unread")),
            limit=_limit(), cursor=request.args.get("cursor") or None)
    except (ValueError, TypeError) as exc:
        raise ApiError(400, "bad cursor", fields={"cursor": ["not a cursor of this list"]}) from exc
    return jsonify(items=items, next=next_cursor)


@api.post("")
@api_doc(summary="Publish", request=AnnouncementSchema, response=out.DesktopAnnouncement, status=201,
         tags=["desktop"], errors=(400, 401, 403, 422))
def create_announcement() -> ResponseReturnValue:
    user = _user()
    if not can(user, "create", service.ENTITY):
        raise ApiError(403, "you may not publish announcements")
    data = load(AnnouncementSchema(), _body())
    _check_roles(data)
    item = service.create(user, data)
    return jsonify(service.to_dict(item, None)), 201


@api.get("/<int:announcement_id>")
@api_doc(summary="One announcement", response=out.DesktopAnnouncement, tags=["desktop"], errors=(401, 404))
def get_announcement(announcement_id: int) -> ResponseReturnValue:
    user = _user()
    return _one(user, _visible(user, announcement_id))


@api.patch("/<int:announcement_id>")
@api_doc(summary="Change an announcement", request=AnnouncementPatchSchema,
         response=out.DesktopAnnouncement, tags=["desktop"], errors=(400, 401, 403, 404, 409, 422))
def patch_announcement(announcement_id: int) -> ResponseReturnValue:
    user = _user()
    item = _visible(user, announcement_id)
    if not can(user, "write", service.ENTITY, item):
        raise ApiError(403, "you may not change announcements")
    data = load(AnnouncementPatchSchema(), _body())
    expected = data.pop("version", None)
    if expected is not None and expected != item.version:
        raise ApiError(409, "someone changed this announcement meanwhile; reload and try again")
    _check_roles(data)
    service.update(user, item, data)
    return _one(user, item)


@api.delete("/<int:announcement_id>")
@api_doc(summary="Move to the trash", status=204, tags=["desktop"], errors=(401, 403, 404))
def delete_announcement(announcement_id: int) -> ResponseReturnValue:
    user = _user()
    item = _visible(user, announcement_id)
    if not can(user, "delete", service.ENTITY, item):
        raise ApiError(403, "you may not delete announcements")
    move_to_trash(service.ENTITY, item, user)
    return "", 204


@api.post("/<int:announcement_id>/read")
@api_doc(summary="Record that the caller has read it", response=out.DesktopReadMark, tags=["desktop"],
         errors=(401, 404))
def mark_read(announcement_id: int) -> ResponseReturnValue:
    """The caller has read it (a read receipt; the first reading counts)."""
    user = _user()
    item = _visible(user, announcement_id)
    read_at = service.mark_read(user, item)
    return jsonify(id=item.id, read=True, read_at=service.iso(read_at))


@api.get("/<int:announcement_id>/reads")
@api_doc(summary="Read receipts", response=out.DesktopReceipts, tags=["desktop"], errors=(401, 403, 404))
def read_receipts(announcement_id: int) -> ResponseReturnValue:
    """Who has read it and who has not (publishers only)."""
    user = _user()
    item = _visible(user, announcement_id)
    if not service.manages(user):
        raise ApiError(403, "only publishers see read receipts")
    return jsonify(service.receipts(item))
