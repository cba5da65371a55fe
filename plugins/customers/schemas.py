"""Marshmallow schemas: the wire shape of customers, contacts and what hangs on them
(CONTRACT.md), and the input the API, forms and imports accept.

Business rules that need the database (visible categories, duplicates, required custom
fields per category) live in the services and resources, so every caller shares them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from flask import g, has_app_context
from marshmallow import RAISE, Schema, ValidationError, fields, validate

from core.api.choices import UserId
from core.api.fields import DateTime, Money, RichText
from plugins.customers.models import TRANSACTION_KINDS

PHONE_RE = re.compile(r"^\+?[0-9０-９][0-9０-９ ()\-－+#*,，;转ext.]{2,48}$", re.IGNORECASE)
EMAIL_RE = re.compile(r"^[^@\s<>\"']+@[^@\s<>\"']+\.[^@\s<>\"']+$")
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class Text(fields.String):
    """Plain text, trimmed, control characters refused (it is escaped wherever it is shown)."""

    def __init__(self, max_length: int = 200, **kwargs: Any) -> None:
        if not kwargs.get("required"):
            kwargs.setdefault("load_default", "")
        kwargs.setdefault("validate", validate.Length(max=max_length))
        super().__init__(**kwargs)

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> Any:
        text = super()._deserialize(value, attr, data, **kwargs)
        if CONTROL.search(text):
            raise ValidationError("Control characters are not allowed.")
        return text.strip() if "\n" not in text else text.rstrip()


class Phone(Text):
    """A phone number as people write it (+86 138-0013-8000, 010-6552 8888 转 123), or empty."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(max_length=50, **kwargs)

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> Any:
        text = super()._deserialize(value, attr, data, **kwargs)
        if text and not PHONE_RE.match(text):
            raise ValidationError("Not a phone number.")
        return text


class EmailText(Text):
    """An e-mail address, or empty."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(max_length=254, **kwargs)

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> Any:
        text = super()._deserialize(value, attr, data, **kwargs)
        if text and not EMAIL_RE.match(text):
            raise ValidationError("Not a valid email address.")
        return text


@dataclass(frozen=True)
class QuickRule:
    """What a :func:`quick_text` check tests, for code that inlines it on stripped cells: the
    value is one of ``allowed``, or else its length is within bounds, it has no control
    character (if ``control``) and it matches ``pattern`` (if any, and the value is not empty)."""

    allowed: frozenset[str] | None = None
    shortest: int = 0
    longest: int = 0
    pattern: re.Pattern[str] | None = None
    control: bool = False


def quick_text(field: fields.Field) -> Any:
    """For imports: a plain function that accepts exactly the cells ``field`` accepts and
    returns the same value, or None when ``field`` is not a plain string or one of the text
    fields above with only a length check (or, for a plain string, a choice). The function
    answers None for a value it does not accept; the caller then asks ``field`` itself, which
    raises with its own message.
    (Imports check millions of cells; marshmallow's per-field machinery costs more than the
    checks themselves.)"""
    kind = type(field)
    if kind not in (Text, Phone, EmailText, fields.String) or len(field.validators) != 1:
        return None
    length = field.validators[0]
    if kind is fields.String and type(length) is validate.OneOf:  # a choice custom field
        allowed = frozenset(c for c in length.choices if isinstance(c, str))

        def choose(value: Any) -> str | None:
            return value if type(value) is str and value in allowed else None

        choose.rule = QuickRule(allowed=allowed)  # type: ignore[attr-defined]
        return choose
    if not isinstance(length, validate.Length) or length.max is None or length.equal is not None:
        return None
    shortest, longest = length.min or 0, length.max
    pattern = PHONE_RE if kind is Phone else EMAIL_RE if kind is EmailText else None
    plain = kind is fields.String

    def check(value: Any) -> str | None:
        if type(value) is not str:
            return None
        if plain:
            text = value
        elif CONTROL.search(value):
            return None
        else:
            text = value.strip() if "\n" not in value else value.rstrip()
        if not shortest <= len(text) <= longest or (pattern is not None and text and not pattern.match(text)):
            return None
        return text

    check.rule = QuickRule(  # type: ignore[attr-defined]
        shortest=shortest, longest=longest, pattern=pattern, control=not plain
    )
    return check


def category_choices() -> list[tuple[int, str]]:
    """The categories the current user may see, as ``(id, "Parent / Child")``."""
    from plugins.customers.categories import visible_categories

    names: dict[int, str] = {}
    out: list[tuple[int, str]] = []
    for _depth, category in visible_categories(g.get("user") if has_app_context() else None):
        parent = names.get(category.parent_id) if category.parent_id is not None else None
        label = category.name if parent is None else f"{parent} / {category.name}"
        names[category.id] = label
        out.append((category.id, label))
    return out


def _label(en: str, zh: str, **extra: Any) -> dict[str, Any]:
    return {"label": en, "label_zh": zh, **extra}


class CustomerSchema(Schema):
    """A customer: ``id, name, category_id, owner_id, phone, email, address, region, profile,
    custom, created_at, updated_at`` (+ ``shareholders``, ``version``; custom fields also as
    ``cf_<key>``)."""

    class Meta:
        unknown = RAISE
        ordered = True

    id = fields.Integer(dump_only=True)
    name = Text(required=True, validate=validate.Length(min=1, max=200), metadata=_label("Name", "客户名称"))
    category_id = fields.Integer(
        allow_none=True, load_default=None, metadata=_label("Category", "分类", choices=category_choices)
    )
    owner_id = UserId(allow_none=True, metadata=_label("Owner", "负责人"))
    phone = Phone(metadata=_label("Phone", "电话"))
    email = EmailText(metadata=_label("E-mail", "电子邮件"))
    address = Text(max_length=300, metadata=_label("Address", "地址"))
    region = Text(max_length=100, metadata=_label("Region", "地区"))
    profile = RichText(load_default="", metadata=_label("Company profile", "公司简介", widget="richtext"))
    shareholders = RichText(
        load_default="", metadata=_label("Shareholders and background", "股东背景", widget="richtext")
    )
    created_at = DateTime(dump_only=True, metadata=_label("Created", "创建时间"))
    updated_at = DateTime(dump_only=True, metadata=_label("Updated", "更新时间"))
    version = fields.Integer(dump_only=True)
    # API only (not form fields, list columns or export columns; see CustomerResource.fields):
    custom = fields.Dict(dump_only=True, metadata={"description": "custom field values by key"})
    duplicates = fields.Dict(dump_only=True, metadata={"description": "likely duplicates (create only)"})


API_ONLY = frozenset({"custom", "duplicates"})


class ContactSchema(Schema):
    """A contact: ``id, customer_id, name, title, mobile, phone, email, birthday, hobbies,
    background`` (+ ``notes``, ``customer_name``, ``version``)."""

    class Meta:
        unknown = RAISE
        ordered = True

    id = fields.Integer(dump_only=True)
    customer_id = fields.Integer(required=True, metadata=_label("Customer", "客户"))
    customer_name = fields.Function(
        lambda c: c.customer.name, dump_only=True, metadata=_label("Customer", "客户")
    )
    name = Text(
        required=True,
        max_length=100,
        validate=validate.Length(min=1, max=100),
        metadata=_label("Name", "姓名"),
    )
    title = Text(max_length=100, metadata=_label("Title", "职务"))
    mobile = Phone(metadata=_label("Mobile", "手机"))
    phone = Phone(metadata=_label("Phone", "电话"))
    email = EmailText(metadata=_label("E-mail", "电子邮件"))
    birthday = fields.Date(allow_none=True, load_default=None, metadata=_label("Birthday", "生日"))
    hobbies = Text(max_length=2000, metadata=_label("Hobbies", "爱好", widget="textarea"))
    background = Text(max_length=5000, metadata=_label("Background", "背景", widget="textarea"))
    notes = Text(max_length=5000, metadata=_label("Notes", "备注", widget="textarea"))
    created_at = DateTime(dump_only=True, metadata=_label("Created", "创建时间"))
    updated_at = DateTime(dump_only=True, metadata=_label("Updated", "更新时间"))
    version = fields.Integer(dump_only=True)


class TransactionSchema(Schema):
    """A transaction memo: an order, payment or invoice, with a date and an optional amount."""

    class Meta:
        unknown = RAISE
        ordered = True

    id = fields.Integer(dump_only=True)
    customer_id = fields.Integer(dump_only=True)
    date = fields.Date(required=True, metadata=_label("Date", "日期"))
    kind = fields.String(
        load_default="order", validate=validate.OneOf(TRANSACTION_KINDS), metadata=_label("Kind", "类别")
    )
    memo = Text(max_length=5000, metadata=_label("Memo", "备忘", widget="textarea"))
    amount = Money(allow_none=True, load_default=None, metadata=_label("Amount", "金额"))
    author_id = fields.Integer(dump_only=True)
    created_at = DateTime(dump_only=True)
    version = fields.Integer(dump_only=True)


class NoteSchema(Schema):
    """A team note; ``@username`` or ``@display name`` in the body notifies that colleague."""

    class Meta:
        unknown = RAISE
        ordered = True

    id = fields.Integer(dump_only=True)
    customer_id = fields.Integer(dump_only=True)
    body = Text(required=True, max_length=10000, validate=validate.Length(min=1, max=10000))
    author_id = fields.Integer(dump_only=True)
    author = fields.Function(lambda n: str(n.author) if n.author_id else "", dump_only=True)
    mentions = fields.List(fields.Integer(), dump_only=True)
    created_at = DateTime(dump_only=True)


class AttachmentSchema(Schema):
    id = fields.Integer(dump_only=True)
    customer_id = fields.Integer(dump_only=True)
    filename = fields.String(dump_only=True)
    content_type = fields.String(dump_only=True)
    size = fields.Integer(dump_only=True)
    sha256 = fields.String(dump_only=True)
    uploaded_by_id = fields.Integer(dump_only=True)
    created_at = DateTime(dump_only=True)


class CategorySchema(Schema):
    class Meta:
        unknown = RAISE

    id = fields.Integer(dump_only=True)
    name = fields.String(required=True)
    parent_id = fields.Integer(allow_none=True)
    position = fields.Integer()
    visible_roles = fields.List(fields.String())
    count = fields.Integer(dump_only=True)
    total = fields.Integer(dump_only=True)
    depth = fields.Integer(dump_only=True)


class CustomFieldSchema(Schema):
    class Meta:
        unknown = RAISE

    id = fields.Integer(dump_only=True)
    key = fields.String(required=True)
    label = fields.String(required=True)
    label_zh = fields.String()
    type = fields.String(required=True)
    required = fields.Boolean()
    choices = fields.List(fields.String())
    category_id = fields.Integer(allow_none=True)
    position = fields.Integer()
    retired = fields.Boolean()
    help = fields.String()


class HandoverSchema(Schema):
    """``from_user`` and ``to_user``: a user id or user name; ``customer_ids``: optional subset."""

    class Meta:
        unknown = RAISE

    from_user = fields.Raw(required=True)
    to_user = fields.Raw(required=True)
    customer_ids = fields.List(fields.Integer(), load_default=None, allow_none=True)
    reason = Text(max_length=500)


class ImportReportSchema(Schema):
    created = fields.Integer()
    updated = fields.Integer()
    skipped = fields.Integer()
    errors = fields.List(fields.Dict())
