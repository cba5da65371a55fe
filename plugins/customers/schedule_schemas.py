"""Marshmallow schemas of schedule input (API and forms). Unknown fields are errors (422)."""

from __future__ import annotations

from marshmallow import RAISE, Schema, fields, validate

from plugins.customers.schedule_models import KINDS, STATUSES

MAX_LEAD_MINUTES = 7 * 24 * 60


class ScheduleInput(Schema):
    """``start``/``end`` are ISO 8601; without an offset they are wall-clock time in ``timezone``
    (default: the tenant's). ``rrule`` is an RFC 5545 recurrence rule such as
    ``FREQ=WEEKLY;BYDAY=MO;COUNT=10``; ``reminders`` are minutes before the start."""

    class Meta:
        unknown = RAISE

    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    start = fields.String(required=True)
    end = fields.String(load_default=None, allow_none=True)
    kind = fields.String(load_default="meeting", validate=validate.OneOf(KINDS))
    description = fields.String(load_default="", validate=validate.Length(max=20000))
    location = fields.String(load_default="", validate=validate.Length(max=300))
    all_day = fields.Boolean(load_default=False)
    timezone = fields.String(load_default=None, allow_none=True)
    rrule = fields.String(load_default="", validate=validate.Length(max=500))
    exdates = fields.List(fields.String(), load_default=list, validate=validate.Length(max=500))
    customer_id = fields.Integer(strict=True, allow_none=True, load_default=None)
    contact_id = fields.Integer(strict=True, allow_none=True, load_default=None)
    deal_id = fields.Integer(strict=True, allow_none=True, load_default=None, validate=validate.Range(min=1))
    attendee_ids = fields.List(fields.Integer(strict=True), load_default=list,
                               validate=validate.Length(max=100))
    reminders = fields.List(fields.Integer(strict=True, validate=validate.Range(min=0, max=MAX_LEAD_MINUTES)),
                            load_default=list, validate=validate.Length(max=5))
    status = fields.String(load_default="planned", validate=validate.OneOf(STATUSES))
    outcome = fields.String(load_default="", validate=validate.Length(max=5000))
