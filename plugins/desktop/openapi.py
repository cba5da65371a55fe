"""Output shapes of the desktop API, for the tenant's OpenAPI document (``api_doc``)."""

from __future__ import annotations

from marshmallow import Schema, fields


class DesktopWidget(Schema):
    key = fields.String(required=True)
    title = fields.String(required=True)
    title_zh = fields.String()
    module = fields.String(required=True)
    size = fields.String(metadata={"description": "small, medium, large or full"})


class DesktopWidgetData(Schema):
    key = fields.String(required=True)
    module = fields.String(required=True)
    data = fields.Raw(metadata={"description": "the widget's content (see docs/desktop.md)"})
    cached = fields.Boolean()


class DesktopPersonal(Schema):
    widgets = fields.List(fields.String(), required=True)
    customised = fields.Boolean(metadata={"description": "false: the role's default"})


class DesktopColumn(Schema):
    title = fields.String(required=True)
    title_zh = fields.String()
    widgets = fields.List(fields.String(), required=True)


class DesktopCompany(Schema):
    role = fields.String(allow_none=True)
    columns = fields.List(fields.Nested(DesktopColumn), required=True)
    inherited = fields.Boolean()
    editable = fields.Boolean()


class DesktopAuthor(Schema):
    id = fields.Integer()
    name = fields.String()


class DesktopAnnouncement(Schema):
    id = fields.Integer(required=True)
    kind = fields.String(metadata={"description": "announcement or policy"})
    title = fields.String()
    body = fields.String(metadata={"description": "sanitised HTML"})
    excerpt = fields.String()
    pinned = fields.Boolean()
    roles = fields.List(fields.String())
    author = fields.Nested(DesktopAuthor, allow_none=True)
    published_at = fields.String()
    updated_at = fields.String()
    read = fields.Boolean()
    read_at = fields.String(allow_none=True)


class DesktopReadMark(Schema):
    id = fields.Integer()
    read = fields.Boolean()
    read_at = fields.String()


class DesktopReader(Schema):
    user_id = fields.Integer()
    username = fields.String()
    name = fields.String()
    read_at = fields.String()


class DesktopReceipts(Schema):
    read = fields.List(fields.Nested(DesktopReader))
    unread = fields.List(fields.Nested(DesktopReader))
    read_count = fields.Integer()
    audience_count = fields.Integer()
