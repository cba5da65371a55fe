"""Announcements and policies: publishing, the audience, read receipts.

Who sees what: users with ``read`` on entity ``announcement`` see those addressed to everyone
and to their role; users with ``write`` (admins, managers by default) see all of them, and
the read receipts.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from typing import Any

import peewee
from flask import current_app, g

from core.identity.audit import audit, diff, snapshot
from core.identity.models import User, utcnow
from core.identity.permissions import can
from core.signals import record_created, record_updated
from plugins.desktop.models import Announcement, AnnouncementRead
from plugins.desktop.sanitize import clean_html, plain_text
from plugins.desktop.signals import announcement_read

ENTITY = "announcement"
AUDITED = ("kind", "title", "body", "pinned", "roles")


def manages(user: User) -> bool:
    """Whether ``user`` publishes announcements (and so sees all of them and their receipts)."""
    return can(user, "write", ENTITY)


def _audience(user: User) -> Any:
    everyone = Announcement.roles == peewee.Value("[]", converter=False)
    key = user.role.key.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    pattern = peewee.Value(f'%"{key}"%', converter=False)
    addressed = peewee.NodeList((Announcement.roles, peewee.SQL("LIKE"), pattern, peewee.SQL("ESCAPE '\\'")))
    return everyone | addressed


def visible_query(user: User) -> Any:
    """Live announcements ``user`` may read (no right: none)."""
    query = Announcement.select().where(Announcement.deleted_at.is_null())
    if not can(user, "read", ENTITY):
        return query.where(peewee.SQL("1 = 0"))
    if manages(user):
        return query
    return query.where(_audience(user))


def get_visible(user: User, announcement_id: int) -> Announcement | None:
    return visible_query(user).where(Announcement.id == announcement_id).first()


def iso(value: dt.datetime | None) -> str | None:
    return None if value is None else value.replace(tzinfo=dt.UTC).isoformat()


def to_dict(item: Announcement, read_at: dt.datetime | None) -> dict[str, Any]:
    author = item.author if item.author_id else None
    return {
        "id": item.id, "kind": item.kind, "title": item.title, "body": item.body,
        "excerpt": plain_text(item.body), "pinned": item.pinned, "roles": item.roles,
        "author": None if author is None else {"id": author.id, "name": str(author)},
        "published_at": iso(item.published_at), "updated_at": iso(item.updated_at),
        "read": read_at is not None, "read_at": iso(read_at),
    }


def reads_of(user: User, ids: list[int]) -> dict[int, dt.datetime]:
    if not ids:
        return {}
    rows = AnnouncementRead.select(AnnouncementRead.announcement, AnnouncementRead.read_at).where(
        (AnnouncementRead.user == user.id) & AnnouncementRead.announcement.in_(ids)).tuples()
    return dict(rows)


def _attach_authors(rows: list[Announcement]) -> None:
    """Load the authors of a page in one query (not one per row)."""
    wanted = {row.author_id for row in rows if row.author_id}
    if not wanted:
        return
    authors = {u.id: u for u in User.select().where(User.id.in_(wanted))}
    for row in rows:
        if row.author_id in authors:
            row.author = authors[row.author_id]


def encode_cursor(item: Announcement) -> str:
    raw = json.dumps([int(item.pinned), item.published_at.isoformat(), item.id])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[bool, dt.datetime, int]:
    """Raises ValueError on a cursor this module did not make."""
    padded = cursor + "=" * (-len(cursor) % 4)
    pinned, published, ident = json.loads(base64.urlsafe_b64decode(padded.encode()))
    return bool(pinned), dt.datetime.fromisoformat(published), int(ident)


def listing(user: User, kind: str | None = None, pinned: bool | None = None, unread: bool = False,
            limit: int = 50, cursor: str | None = None) -> tuple[list[dict[str, Any]], str | None]:
    """A page of announcements for ``user``: pinned first, newest first; and the next cursor."""
    query = visible_query(user)
    if kind:
        query = query.where(Announcement.kind == kind)
    if pinned is not None:
        query = query.where(Announcement.pinned == pinned)
    if unread:
        query = query.where(Announcement.id.not_in(AnnouncementRead.select(
            AnnouncementRead.announcement).where(AnnouncementRead.user == user.id)))
    if cursor:
        c_pinned, c_published, c_id = decode_cursor(cursor)
        a = Announcement
        after_same_pin = (a.published_at < c_published) | (
            (a.published_at == c_published) & (a.id < c_id))
        condition = (a.pinned == c_pinned) & after_same_pin
        if c_pinned:
            condition = condition | (a.pinned == False)  # noqa: E712
        query = query.where(condition)
    rows = list(query.order_by(Announcement.pinned.desc(), Announcement.published_at.desc(),
                               Announcement.id.desc()).limit(limit + 1))
    _attach_authors(rows)
    more = len(rows) > limit
    rows = rows[:limit]
    reads = reads_of(user, [row.id for row in rows])
    items = [to_dict(row, reads.get(row.id)) for row in rows]
    return items, (encode_cursor(rows[-1]) if more and rows else None)


def _send(signal: Any, item: Announcement, user: User, **extra: Any) -> None:
    signal.send(current_app.extensions["xietong"], tenant=g.tenant.slug, entity=ENTITY,
                record=item, user=user, **extra)


def create(user: User, data: dict[str, Any]) -> Announcement:
    """Publish an announcement or policy; ``data`` is the schema's validated output."""
    fields = {**data, "body": clean_html(data.get("body", ""))}
    with Announcement._meta.database.atomic():
        item = Announcement.create(author=user.id, published_at=utcnow(), **fields)
        audit("create", ENTITY, item.id, diff(None, snapshot(item, AUDITED)), user)
    _send(record_created, item, user)
    return item


def update(user: User, item: Announcement, data: dict[str, Any]) -> Announcement:
    """Change an announcement (a stale ``version`` is the caller's check)."""
    before = snapshot(item, AUDITED)
    for key, value in data.items():
        setattr(item, key, clean_html(value) if key == "body" else value)
    item.updated_at = utcnow()
    item.version += 1
    with Announcement._meta.database.atomic():
        item.save()
        audit("update", ENTITY, item.id, diff(before, snapshot(item, AUDITED)), user)
    _send(record_updated, item, user)
    return item


def mark_read(user: User, item: Announcement) -> dt.datetime:
    """Record that ``user`` has read ``item`` (the first reading counts); returns when."""
    existing = AnnouncementRead.select(AnnouncementRead.read_at).where(
        (AnnouncementRead.announcement == item.id) & (AnnouncementRead.user == user.id)).scalar()
    if existing is not None:
        return existing
    now = utcnow()
    try:
        with Announcement._meta.database.atomic():
            AnnouncementRead.create(announcement=item.id, user=user.id, read_at=now)
    except peewee.IntegrityError:  # a parallel request recorded it first
        return mark_read(user, item)
    announcement_read.send(current_app.extensions["xietong"], tenant=g.tenant.slug,
                           announcement=item, user=user)
    return now


def _audience_users(item: Announcement) -> Any:
    query = User.select().where(User.active == True)  # noqa: E712
    if item.roles:
        from core.identity.models import Role

        query = query.join(Role).where(Role.key.in_(item.roles))
    return query


def receipts(item: Announcement) -> dict[str, Any]:
    """Who has read ``item`` (and when) and who in its audience has not."""
    reads = list(AnnouncementRead.select(AnnouncementRead, User).join(User).where(
        AnnouncementRead.announcement == item.id).order_by(AnnouncementRead.read_at))
    read_ids = {r.user_id for r in reads}
    unread = [u for u in _audience_users(item).order_by(User.username) if u.id not in read_ids]
    return {
        "read": [{"user_id": r.user.id, "username": r.user.username, "name": str(r.user),
                  "read_at": iso(r.read_at)} for r in reads],
        "unread": [{"user_id": u.id, "username": u.username, "name": str(u)} for u in unread],
        "read_count": len(reads),
        "audience_count": len(reads) + len(unread),
    }
