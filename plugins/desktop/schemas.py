"""Marshmallow schemas: API input of layouts and announcements, and error flattening."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates

from core.errors import ApiError
from plugins.desktop.models import KINDS

MAX_PERSONAL = 60
MAX_COLUMNS = 12
MAX_PER_COLUMN = 30
Key = fields.String(validate=validate.Length(min=1, max=100))


class PersonalSchema(Schema):
    widgets = fields.List(Key, required=True, validate=validate.Length(max=MAX_PERSONAL))

    @validates("widgets")
    def _unique(self, value: list[str], **_: Any) -> None:
        if len(set(value)) != len(value):
            raise ValidationError("a widget may appear only once")


class ColumnSchema(Schema):
    title = fields.String(required=True, validate=validate.Length(min=1, max=100))
    title_zh = fields.String(load_default="", validate=validate.Length(max=100))
    widgets = fields.List(Key, required=True, validate=validate.Length(max=MAX_PER_COLUMN))


class CompanySchema(Schema):
    role = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=64))
    columns = fields.List(fields.Nested(ColumnSchema), required=True,
                          validate=validate.Length(max=MAX_COLUMNS))


class AnnouncementSchema(Schema):
    kind = fields.String(load_default="announcement", validate=validate.OneOf(KINDS))
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    body = fields.String(load_default="", validate=validate.Length(max=200_000))
    pinned = fields.Boolean(load_default=False)
    roles = fields.List(fields.String(validate=validate.Length(min=1, max=64)), load_default=list,
                        validate=validate.Length(max=50))


class AnnouncementPatchSchema(Schema):
    kind = fields.String(validate=validate.OneOf(KINDS))
    title = fields.String(validate=validate.Length(min=1, max=200))
    body = fields.String(validate=validate.Length(max=200_000))
    pinned = fields.Boolean()
    roles = fields.List(fields.String(validate=validate.Length(min=1, max=64)),
                        validate=validate.Length(max=50))
    version = fields.Integer(load_only=True)


def flatten(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    """marshmallow's nested messages as ``{"columns.0.title": ["..."]}``."""
    if isinstance(messages, list):
        if all(isinstance(m, str) for m in messages):
            return {prefix or "_schema": list(messages)}
        merged: dict[str, list[str]] = {}
        for item in messages:
            merged.update(flatten(item, prefix))
        return merged
    if isinstance(messages, dict):
        flat: dict[str, list[str]] = {}
        for key, value in messages.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            flat.update(flatten(value, name))
        return flat
    return {prefix or "_schema": [str(messages)]}


def load(schema: Schema, data: Any) -> dict[str, Any]:
    """Validate ``data`` or raise a 422 :class:`ApiError` naming each bad field."""
    if not isinstance(data, dict):
        raise ApiError(400, "the body must be a JSON object")
    try:
        return schema.load(data)
    except ValidationError as err:
        for field, problems in err.messages.items() if isinstance(err.messages, dict) else ():
            if problems == ["Unknown field."]:
                err.messages[field] = ["unknown field"]
        raise ApiError(422, "invalid input", fields=flatten(err.messages)) from err
