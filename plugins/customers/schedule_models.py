"""Tables of the schedule (关联日程): calendar items, attendees, feeds, in-app notifications.

Times are stored as naive UTC. ``timezone`` is the zone the item was planned in: recurrence
is expanded there, so a weekly 10:00 Asia/Shanghai meeting stays at 10:00 in Shanghai while a
viewer in Europe/Berlin sees it move with Berlin's summer time.
"""

from __future__ import annotations

import peewee

from core.db import TenantModel
from core.fields import JSONField
from core.identity.models import RecordModel, User, utcnow
from plugins.customers.models import Contact, Customer

KINDS = ("meeting", "call", "visit", "task")
STATUSES = ("planned", "done", "cancelled")


class ScheduleItem(RecordModel):
    customer = peewee.ForeignKeyField(Customer, null=True, backref="schedule_items", on_delete="CASCADE")
    contact = peewee.ForeignKeyField(Contact, null=True, on_delete="SET NULL")
    deal_id = peewee.IntegerField(null=True, index=True)
    kind = peewee.CharField(max_length=16, default="meeting")
    title = peewee.CharField(max_length=200)
    description = peewee.TextField(default="")
    location = peewee.CharField(max_length=300, default="")
    start = peewee.DateTimeField()  # UTC
    end = peewee.DateTimeField()  # UTC
    all_day = peewee.BooleanField(default=False)
    timezone = peewee.CharField(max_length=64, default="UTC")
    rrule = peewee.TextField(default="")
    exdates = JSONField(default=list)  # UTC ISO strings of cancelled occurrences
    series_end = peewee.DateTimeField(null=True)  # end of the last occurrence; None: never ends
    owner = peewee.ForeignKeyField(User, null=True, on_delete="SET NULL")
    status = peewee.CharField(max_length=16, default="planned")
    outcome = peewee.TextField(default="")
    reminders = JSONField(default=list)  # minutes before the start
    uid = peewee.CharField(max_length=255, unique=True)
    sequence = peewee.IntegerField(default=0)

    class Meta:
        table_name = "customers_schedule_item"
        indexes = (
            (("owner", "start"), False),
            (("customer", "start"), False),
            (("start", "series_end"), False),
        )


class ScheduleAttendee(TenantModel):
    item = peewee.ForeignKeyField(ScheduleItem, backref="attendee_rows", on_delete="CASCADE")
    user = peewee.ForeignKeyField(User, on_delete="CASCADE")

    class Meta:
        table_name = "customers_schedule_attendee"
        indexes = ((("item", "user"), True), (("user", "item"), False))


class CalendarFeed(TenantModel):
    """A user's secret iCalendar subscription URL; only the token's SHA-256 is kept."""

    user = peewee.ForeignKeyField(User, on_delete="CASCADE", unique=True)
    token_hash = peewee.CharField(max_length=64, unique=True)
    prefix = peewee.CharField(max_length=16)
    created_at = peewee.DateTimeField(default=utcnow)
    revoked_at = peewee.DateTimeField(null=True)

    class Meta:
        table_name = "customers_calendar_feed"


class ScheduleNotification(TenantModel):
    """An in-app reminder of a schedule item; ``key`` makes delivery idempotent."""

    user = peewee.ForeignKeyField(User, on_delete="CASCADE")
    kind = peewee.CharField(max_length=32, default="reminder")
    key = peewee.CharField(max_length=200, unique=True)
    title = peewee.CharField(max_length=300)
    body = peewee.TextField(default="")
    url = peewee.CharField(max_length=500, default="")
    created_at = peewee.DateTimeField(default=utcnow)
    read_at = peewee.DateTimeField(null=True)

    class Meta:
        table_name = "customers_schedule_notification"
        indexes = ((("user", "read_at", "created_at"), False),)


SCHEDULE_MODELS = (ScheduleItem, ScheduleAttendee, CalendarFeed, ScheduleNotification)
