"""Reminders of schedule items, delivered by the task queue as in-app notifications.

The periodic task ``customers.schedule_reminders`` (every minute, in every tenant with the
customers module) finds occurrences whose reminder time has come and writes one
:class:`Notification` per recipient (owner and attendees). Delivery is idempotent — a
notification's ``key`` names item, occurrence, lead time and user — so a retried or doubled run
sends nothing twice, and a worker that was down catches up until the occurrence starts.
Each delivery also sends the blinker signal :data:`reminder_due`, for the mailbox plugin to
send email once it exists.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from blinker import Namespace
from flask import current_app, g

from core.identity.models import User
from plugins.customers import schedule_time as times
from plugins.customers.schedule import attendee_ids, occurrences
from plugins.customers.schedule_models import ScheduleItem
from plugins.customers.schedule_models import ScheduleNotification as Notification
from plugins.customers.schedule_schemas import MAX_LEAD_MINUTES

reminder_signals = Namespace()
reminder_due = reminder_signals.signal("customers.reminder-due")
LATE_GRACE = dt.timedelta(minutes=15)  # a reminder may still go out this long after the start


def deliver_due(now: dt.datetime | None = None) -> int:
    """Write the notifications due at ``now`` (aware; default: the current time). Returns how
    many were written."""
    now = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
    lead = dt.timedelta(minutes=MAX_LEAD_MINUTES)
    lo, hi = times.to_storage(now - LATE_GRACE), times.to_storage(now + lead)
    items = ScheduleItem.live().where(
        (ScheduleItem.reminders != "[]") & (ScheduleItem.status == "planned") & (ScheduleItem.start <= hi)
        & (ScheduleItem.series_end.is_null() | (ScheduleItem.series_end >= lo))
    )
    written = 0
    for item in items:
        minutes = [m for m in item.reminders or [] if isinstance(m, int)]
        if not minutes:
            continue
        horizon = now + dt.timedelta(minutes=max(minutes)) + dt.timedelta(seconds=1)
        for occurrence in occurrences(item, now - LATE_GRACE, horizon):
            if occurrence.start < now - LATE_GRACE:
                continue
            for lead_minutes in minutes:
                if occurrence.start - dt.timedelta(minutes=lead_minutes) <= now:
                    written += _notify(item, occurrence.start, lead_minutes)
    return written


def _notify(item: ScheduleItem, start: dt.datetime, lead_minutes: int) -> int:
    recipients = dict.fromkeys([item.owner_id, *attendee_ids(item)])
    written = 0
    for user_id in recipients:
        if user_id is None:
            continue
        key = f"reminder:{item.id}:{start.strftime('%Y%m%dT%H%M%SZ')}:{lead_minutes}:{user_id}"
        user = User.get_or_none(User.id == user_id)
        if user is None or not user.active:
            continue
        if Notification.select().where(Notification.key == key).exists():
            continue
        shown = start.astimezone(times.user_zone(user))
        Notification.insert(
            user=user_id, kind="reminder", key=key, title=item.title,
            body=f"{shown.strftime('%Y-%m-%d %H:%M')} {item.location}".strip(),
            url=f"/t/{g.tenant.slug}/schedule/items/{item.id}",
        ).on_conflict_ignore().execute()
        written += 1
        reminder_due.send(current_app.extensions["xietong"], tenant=g.tenant.slug, user_id=user_id,
                          item_id=item.id, start=start, key=key)
    return written


def notifications(user: User, unread_only: bool = False, limit: int = 50) -> list[Notification]:
    query = Notification.select().where(Notification.user == user.id)
    if unread_only:
        query = query.where(Notification.read_at.is_null())
    return list(query.order_by(Notification.created_at.desc(), Notification.id.desc()).limit(limit))


def mark_read(user: User, notification_id: Any) -> bool:
    try:
        notification_id = int(notification_id)
    except (TypeError, ValueError):
        return False
    return bool(Notification.update(read_at=times.now()).where(
        (Notification.id == notification_id) & (Notification.user == user.id)).execute())


def notification_dict(note: Notification, tz: Any) -> dict[str, Any]:
    return {"id": note.id, "kind": note.kind, "title": note.title, "body": note.body, "url": note.url,
            "created_at": times.show(note.created_at, tz), "read": note.read_at is not None}
