"""Custom fields: the tenant admin's own fields on customers, and the marshmallow fields
generated from them.

A field ``industry`` appears as ``cf_industry`` in the customer schema (forms, list columns
and filters, exports, import mapping) and under ``custom`` in API responses
(``{"custom": {"industry": "IT"}}``; the API accepts either form). Values are stored in
``Customer.custom`` as JSON: numbers as integers, decimals as strings (exact), dates as ISO
text, multi-choice as lists, users as ids. Retiring a field hides it everywhere and keeps its
values; un-retiring brings them back. A field limited to a category applies to customers in
that category and below; ``required`` is enforced only where the field applies.
"""

from __future__ import annotations

import datetime as dt
import decimal
import re
from collections.abc import Mapping
from typing import Any

import peewee
from flask import g, has_app_context
from flask_babel import gettext as _
from marshmallow import ValidationError, validate
from marshmallow import fields as ma

from core.api.choices import UserId
from core.errors import ApiError
from core.identity.audit import audit, diff, snapshot
from core.identity.models import utcnow
from plugins.customers.models import CUSTOM_FIELD_TYPES, Customer, CustomField

PREFIX = "cf_"
KEY_RE = re.compile(r"^[a-z][a-z0-9_]{0,47}$")
PHONE_RE = re.compile(r"^\+?[0-9][0-9 ()\-]{2,29}$")
TYPE_LABELS = {
    "text": ("Text", "文本"),
    "number": ("Whole number", "整数"),
    "decimal": ("Decimal", "小数"),
    "date": ("Date", "日期"),
    "choice": ("Choice", "单选"),
    "multi": ("Multiple choice", "多选"),
    "user": ("User", "用户"),
    "url": ("Web address", "网址"),
    "phone": ("Phone", "电话"),
    "email": ("E-mail", "电子邮件"),
}


class ExactDecimal(ma.Decimal):
    """A decimal as a string on the wire; floats are refused (they are not exact)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("as_string", True)
        kwargs.setdefault("allow_nan", False)
        super().__init__(**kwargs)

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> Any:
        if isinstance(value, float):
            raise ValidationError(_('Send decimals as strings, e.g. "12.50".'))
        return super()._deserialize(value, attr, data, **kwargs)


class MultiChoice(ma.Field):
    """Several of a fixed set of values: a JSON list, or text separated by commas."""

    def __init__(self, choices: list[str], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.choices = list(choices)

    def _serialize(self, value: Any, attr: Any, obj: Any, **kwargs: Any) -> Any:
        return list(value) if value else []

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> Any:
        if isinstance(value, str):
            value = [v.strip() for v in re.split(r"[,，;；]", value) if v.strip()]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ValidationError(_("Give a list of choices."))
        wrong = [v for v in value if v not in self.choices]
        if wrong:
            raise ValidationError(_("Not a choice: %(values)s", values=", ".join(wrong)))
        return list(dict.fromkeys(value))


# -- reading the definitions -------------------------------------------------------------------


def all_fields() -> list[CustomField]:
    """Every custom field, retired ones too, in form order (cached per request)."""
    if not has_app_context() or g.get("tenant") is None:
        return list(CustomField.select().order_by(CustomField.position, CustomField.id))
    store = g.setdefault("_customers_fields", {})
    if "all" not in store:
        from plugins.customers.fastlist import cached

        store["all"] = cached(
            ("custom-fields",),
            lambda: list(CustomField.select().order_by(CustomField.position, CustomField.id)),
        )
    return store["all"]


def revision() -> tuple[Any, ...]:
    """What the generated schema depends on: every field's definition (cheap, from the cache)."""
    return tuple(
        (
            f.id,
            f.key,
            f.type,
            f.retired,
            f.updated_at,
            tuple(f.choices or ()),
            f.label,
            f.label_zh,
            f.help,
            f.category_id,
            f.required,
            f.position,
        )
        for f in all_fields()
    )


def active_fields() -> list[CustomField]:
    return [f for f in all_fields() if not f.retired]


def by_key() -> dict[str, CustomField]:
    return {f.key: f for f in all_fields()}


def forget() -> None:
    """After changing definitions: this request and this process see the change at once
    (other processes within the cache's two seconds, or at their next audit check)."""
    if has_app_context():
        g.pop("_customers_fields", None)
        g.pop("_xietong_schemas", None)
        g.pop("_customers_schema", None)
        g.pop("_customers_dumpers", None)
        from plugins.customers.fastlist import forget as forget_cached

        forget_cached()


def applies(field: CustomField, category_id: int | None) -> bool:
    """Whether ``field`` applies to a customer in ``category_id``."""
    if field.category_id is None:
        return True
    from plugins.customers.categories import ancestors

    return field.category_id in ancestors(category_id)


# -- marshmallow -------------------------------------------------------------------------------


def marshmallow_field(field: CustomField) -> ma.Field:
    """The schema field for one custom field (never ``required``: that depends on the category)."""
    meta: dict[str, Any] = {
        "label": field.label,
        "label_zh": field.label_zh or field.label,
        "custom": field.key,
    }
    if field.help:
        meta["help"] = meta["help_zh"] = field.help
    common: dict[str, Any] = {"allow_none": True, "metadata": meta}
    kind = field.type
    if kind == "number":
        return ma.Integer(strict=False, **common)
    if kind == "decimal":
        return ExactDecimal(**common)
    if kind == "date":
        return ma.Date(**common)
    if kind == "choice":
        meta["choice_labels"] = {c: c for c in field.choices}
        return ma.String(validate=validate.OneOf(list(field.choices)), **common)
    if kind == "multi":
        meta.setdefault("help", _("Separate choices with commas: %(c)s", c=", ".join(field.choices)))
        meta.setdefault("help_zh", meta["help"])
        meta["widget"] = "text"
        return MultiChoice(list(field.choices), **common)
    if kind == "user":
        return UserId(**common)
    if kind == "url":
        return ma.Url(schemes={"http", "https"}, **common)
    if kind == "email":
        return ma.Email(**common)
    if kind == "phone":
        return ma.String(validate=validate.Regexp(PHONE_RE, error=_("Not a phone number.")), **common)
    return ma.String(validate=validate.Length(max=2000), **common)


def schema_fields(kernel: Any = None, tenant: Any = None) -> dict[str, ma.Field]:
    """``{"cf_<key>": field}`` for the active custom fields (the customer resource's extender)."""
    return {PREFIX + f.key: marshmallow_field(f) for f in active_fields()}


def to_storage(field: CustomField, value: Any) -> Any:
    """A validated Python value as kept in ``Customer.custom``."""
    if value is None or value == "" or value == []:
        return None
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def from_storage(field: CustomField, value: Any) -> Any:
    """A stored value as the schema field expects it (dates and decimals parsed)."""
    if value is None:
        return None
    try:
        if field.type == "date" and isinstance(value, str):
            return dt.date.fromisoformat(value)
        if field.type == "decimal":
            return decimal.Decimal(str(value))
    except (ValueError, decimal.InvalidOperation):
        return None
    return value


def getter(field: CustomField) -> Any:
    """``fn(customer)`` reading ``field``'s value straight from the row (for fast dumping)."""
    key = field.key

    def get(customer: Customer) -> Any:
        raw = (customer.__data__.get("custom") or {}).get(key)
        return None if raw is None else from_storage(field, raw)

    return get


def value_of(customer: Customer, key: str) -> Any:
    field = by_key().get(key)
    raw = (customer.__data__.get("custom") or {}).get(key)
    return from_storage(field, raw) if field is not None else raw


def missing_required(category_id: int | None, custom: Mapping[str, Any]) -> dict[str, list[str]]:
    """``{"cf_<key>": [message]}`` for required fields that apply and are empty."""
    return {
        PREFIX + f.key: [_("This field is required.")]
        for f in active_fields()
        if f.required and applies(f, category_id) and custom.get(f.key) in (None, "", [])
    }


def filter_condition(field: CustomField, value: Any) -> Any:
    """A condition matching customers whose ``field`` equals ``value`` (contains it, for multi)."""
    from plugins.customers.search import is_postgres

    stored = to_storage(field, value)
    if is_postgres():
        if field.type == "multi":
            tail = peewee.SQL("::jsonb -> %s ? %s", [field.key, stored])
        else:
            tail = peewee.SQL("::jsonb ->> %s = %s", [field.key, str(stored)])
        return peewee.NodeList((peewee.SQL("("), Customer.custom, tail, peewee.SQL(")")), glue="")
    if field.type == "multi":
        return peewee.NodeList(
            (
                peewee.SQL("EXISTS (SELECT 1 FROM json_each("),
                Customer.custom,
                peewee.SQL(", ?) WHERE value = ?)", [f"$.{field.key}", stored]),
            ),
            glue="",
        )
    return peewee.fn.json_extract(Customer.custom, f"$.{field.key}") == stored


# -- changing the definitions ------------------------------------------------------------------

EDITABLE = ("label", "label_zh", "required", "choices", "category_id", "position", "retired", "help")


def _clean(data: Mapping[str, Any], field: CustomField) -> None:
    from plugins.customers.categories import get_category

    def bad(name: str, message: str) -> ApiError:
        return ApiError(422, message, fields={name: [message]})

    for name in ("label", "label_zh", "help"):
        if name in data:
            value = str(data[name] or "").strip()
            limit = 300 if name == "help" else 100
            if (name == "label" and not value) or len(value) > limit:
                raise bad(name, _("Required, at most %(n)d characters.", n=limit))
            setattr(field, name, value)
    for name in ("required", "retired"):
        if name in data:
            if not isinstance(data[name], bool):
                raise bad(name, _("Give true or false."))
            setattr(field, name, data[name])
    if "position" in data:
        if isinstance(data["position"], bool) or not isinstance(data["position"], int):
            raise bad("position", _("Not a number."))
        field.position = data["position"]
    if "category_id" in data:
        try:
            field.category = get_category(data["category_id"]).id if data["category_id"] is not None else None
        except ApiError:
            raise bad("category_id", _("No such category.")) from None
    if "choices" in data:
        choices = data["choices"]
        if not isinstance(choices, list) or not all(isinstance(c, str) and c.strip() for c in choices):
            raise bad("choices", _("Give a list of non-empty texts."))
        field.choices = list(dict.fromkeys(c.strip() for c in choices))
    if field.type in ("choice", "multi") and not field.choices:
        raise bad("choices", _("A choice field needs at least one choice."))


def create_field(data: Mapping[str, Any], actor: Any = None) -> CustomField:
    """Define a field: ``key`` (a-z, 0-9, _), ``label``, ``type`` and the editable options."""
    unknown = set(data) - {"key", "type", *EDITABLE}
    if unknown:
        raise ApiError(422, _("Unknown fields."), fields={k: [_("Unknown field.")] for k in unknown})
    key = str(data.get("key") or "").strip()
    if not KEY_RE.match(key):
        raise ApiError(
            422,
            _("The key is 1-48 lowercase letters, digits or _, starting with a letter."),
            fields={"key": [_("Invalid key.")]},
        )
    if CustomField.select().where(CustomField.key == key).exists():
        raise ApiError(409, _("A custom field with this key exists."), fields={"key": [_("Already taken.")]})
    kind = data.get("type")
    if kind not in CUSTOM_FIELD_TYPES:
        raise ApiError(422, _("Unknown type."), fields={"type": [", ".join(CUSTOM_FIELD_TYPES)]})
    last = CustomField.select(peewee.fn.MAX(CustomField.position)).scalar() or 0
    field = CustomField(key=key, type=kind, label="", position=last + 1)
    _clean({"label": data.get("label", ""), **{k: v for k, v in data.items() if k in EDITABLE}}, field)
    with CustomField._meta.database.atomic():
        field.save(force_insert=True)
        audit("create", "customer_custom_field", field.id, diff(None, snapshot(field)), actor)
    forget()
    return field


def update_field(field: CustomField, data: Mapping[str, Any], actor: Any = None) -> CustomField:
    """Rename, reorder, (un)retire, change choices, ``required`` or category. The key and the
    type never change (stored values depend on them): retire the field and add another."""
    fixed = [k for k in ("key", "type") if k in data and data[k] != getattr(field, k)]
    if fixed:
        raise ApiError(
            422,
            _("The key and type of a field cannot change; retire it and add a new one."),
            fields={k: [_("Cannot change.")] for k in fixed},
        )
    unknown = set(data) - {"key", "type", *EDITABLE}
    if unknown:
        raise ApiError(422, _("Unknown fields."), fields={k: [_("Unknown field.")] for k in unknown})
    before = snapshot(field)
    _clean(data, field)
    changes = diff(before, snapshot(field))
    if changes:
        field.updated_at = utcnow()
        with CustomField._meta.database.atomic():
            field.save()
            audit("update", "customer_custom_field", field.id, changes, actor)
        forget()
    return field


def reorder(keys: list[str], actor: Any = None) -> None:
    """Put the fields in this order (others keep theirs, after these)."""
    known = by_key()
    wrong = [k for k in keys if k not in known]
    if wrong:
        raise ApiError(422, _("Unknown field: %(keys)s", keys=", ".join(wrong)), fields={"keys": wrong})
    with CustomField._meta.database.atomic():
        for position, key in enumerate(keys, start=1):
            CustomField.update(position=position).where(CustomField.key == key).execute()
        audit("update", "customer_custom_field", "", {"order": [None, keys]}, actor)
    forget()


def field_dict(field: CustomField) -> dict[str, Any]:
    return {
        "id": field.id,
        "key": field.key,
        "label": field.label,
        "label_zh": field.label_zh,
        "type": field.type,
        "required": field.required,
        "choices": list(field.choices or []),
        "category_id": field.category_id,
        "position": field.position,
        "retired": field.retired,
        "help": field.help,
    }
