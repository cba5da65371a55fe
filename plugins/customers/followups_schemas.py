"""Marshmallow schemas of follow-ups, follow-up plans and collaborators."""

from __future__ import annotations

import datetime as dt

from marshmallow import Schema, ValidationError, fields, validate

from plugins.customers.collaborators_models import ACCESS_LEVELS
from plugins.customers.followups_models import FOLLOWUP_KINDS
from plugins.customers.pool_schemas import ID, Trimmed


class LocalDateTime(fields.DateTime):
    """An ISO 8601 time; with an offset it is converted to UTC, without one (a form's
    ``datetime-local``) it is read in the user's time zone, else the tenant's. Loads as naive
    UTC (how times are stored)."""

    def _deserialize(self, value, attr, data, **kwargs):
        from plugins.customers.pool_common import user_zone

        moment = super()._deserialize(value, attr, data, **kwargs)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=user_zone())
        try:
            moment = moment.astimezone(dt.UTC).replace(tzinfo=None)
        except (OverflowError, ValueError):
            raise ValidationError("Not a usable time.") from None
        if not 1970 <= moment.year <= 2200:
            raise ValidationError("Give a time between 1970 and 2200.")
        return moment


class FollowupSchema(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(FOLLOWUP_KINDS))
    content = Trimmed(required=True, validate=validate.Length(min=1, max=20000))
    happened_at = LocalDateTime(load_default=None, allow_none=True)
    next_at = LocalDateTime(load_default=None, allow_none=True)
    next_note = Trimmed(load_default="", validate=validate.Length(max=500))
    contact_id = fields.Integer(load_default=None, allow_none=True, strict=True, validate=ID)
    attachment_ids = fields.List(fields.Integer(strict=True, validate=ID), load_default=list,
                                 validate=validate.Length(max=20))


class FollowupUpdateSchema(Schema):
    kind = fields.String(validate=validate.OneOf(FOLLOWUP_KINDS))
    content = Trimmed(validate=validate.Length(min=1, max=20000))
    happened_at = LocalDateTime()
    contact_id = fields.Integer(allow_none=True, strict=True, validate=ID)
    attachment_ids = fields.List(fields.Integer(strict=True, validate=ID), validate=validate.Length(max=20))


class FollowupPlanSchema(Schema):
    due_at = LocalDateTime(required=True)
    kind = fields.String(load_default="", validate=validate.OneOf(("", *FOLLOWUP_KINDS)))
    note = Trimmed(load_default="", validate=validate.Length(max=500))


class CollaboratorSchema(Schema):
    user = fields.Raw(required=True)
    access = fields.String(load_default="read", validate=validate.OneOf(ACCESS_LEVELS))
    expires_at = LocalDateTime(load_default=None, allow_none=True)


class CollaboratorUpdateSchema(Schema):
    access = fields.String(validate=validate.OneOf(ACCESS_LEVELS))
    expires_at = LocalDateTime(allow_none=True)
