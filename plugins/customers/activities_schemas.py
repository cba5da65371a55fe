"""Marshmallow schemas of activity input (API and forms). Unknown fields are errors (422)."""

from __future__ import annotations

from marshmallow import RAISE, Schema, fields, validate

KEY = validate.Regexp(r"^[a-z][a-z0-9_]{0,63}$", error="use lowercase letters, digits and _")


class ActivityTypeInput(Schema):
    class Meta:
        unknown = RAISE

    key = fields.String(required=True, validate=KEY)
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    name_zh = fields.String(load_default="", validate=validate.Length(max=100))
    color = fields.String(load_default="", validate=validate.Regexp(r"^(#[0-9a-fA-F]{6})?$"))
    retired = fields.Boolean(load_default=False)


class ActivityInput(Schema):
    """``date`` is ISO 8601; without an offset it is wall-clock time in the tenant's zone."""

    class Meta:
        unknown = RAISE

    type = fields.String(required=True)
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    date = fields.String(required=True)
    user_ids = fields.List(fields.Integer(strict=True), load_default=list,
                           validate=validate.Length(max=50))
    contact_id = fields.Integer(strict=True, allow_none=True, load_default=None)
    people = fields.String(load_default="", validate=validate.Length(max=500))
    outcome = fields.String(load_default="", validate=validate.Length(max=5000))
    description = fields.String(load_default="", validate=validate.Length(max=20000))
    deal_id = fields.Integer(strict=True, allow_none=True, load_default=None,
                             validate=validate.Range(min=1))
    attachment_ids = fields.List(fields.Integer(strict=True), load_default=list,
                                 validate=validate.Length(max=50))
