"""How a field's value looks on a page: localised numbers, money, times, labels, safe HTML."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask_babel import format_date, format_datetime, format_decimal, gettext
from markupsafe import Markup
from marshmallow import fields as ma

from core.api import fields as xf
from core.api.choices import label_for
from core.identity.permissions import mask_value

from .i18n import localized, money


def field_label(name: str, field: ma.Field | None) -> str:
    """The field's label in the current language (``metadata`` label/label_zh), else its name."""
    meta = (field.metadata if field is not None else None) or {}
    if meta.get("label"):
        return localized(_Meta(meta), "label")
    return name.replace("_", " ").capitalize()


def field_help(field: ma.Field | None) -> str:
    meta = (field.metadata if field is not None else None) or {}
    return localized(_Meta(meta), "help") if meta.get("help") else ""


class _Meta:
    def __init__(self, meta: dict[str, Any]) -> None:
        self.__dict__.update(meta)


def display(record: Any, name: str, field: ma.Field | None, rules: dict[str, str] | None = None) -> Any:
    """The value of ``record.name`` for a page; masked per ``rules``; never unescaped text."""
    mode = (rules or {}).get(name)
    if mode == "hide":
        return ""
    value = _raw(record, name)
    if mode == "mask":
        return mask_value(value)
    if value is None or value == "":
        return ""
    if field is None:
        return value
    meta = field.metadata or {}
    if meta.get("display"):
        return meta["display"](value)
    if meta.get("choices"):
        return label_for(field, value)
    if isinstance(field, xf.RichText):
        return Markup(xf.sanitize_html(value))
    if isinstance(field, xf.Money):
        return money(value, field.places if isinstance(field.places, int) else 2)
    if isinstance(field, ma.DateTime) and isinstance(value, dt.datetime):
        return format_datetime(value, "medium")
    if isinstance(field, ma.Date) and isinstance(value, dt.date):
        return format_date(value, "medium")
    if isinstance(field, ma.Boolean):
        return gettext("Yes") if value else gettext("No")
    if isinstance(field, ma.Number) and not isinstance(value, bool):
        return format_decimal(value)
    if isinstance(field, ma.List | ma.Dict | ma.Nested):
        return ", ".join(map(str, value)) if isinstance(value, list) else str(value)
    return value


def _raw(record: Any, name: str) -> Any:
    if isinstance(record, dict):
        return record.get(name)
    data = getattr(record, "__data__", None)
    if data is not None and name in data:
        return data[name]
    if data is not None and name.endswith("_id") and name[:-3] in data:
        return data[name[:-3]]  # peewee keeps a foreign key's id under the field's name
    return getattr(record, name, None)
