"""HTML forms generated from a resource's marshmallow schema.

:func:`build_form` turns the fields ``user`` may write into :class:`FormField` records that
``xietong/macros/forms.html`` renders (labels, help, widgets from the field type, selects
from ``metadata["choices"]``, errors next to the field). :func:`form_input` turns a posted
form back into the dict the schema validates, so the API and the form share one validation.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import gettext
from marshmallow import fields as ma
from marshmallow import missing, validate

from core.api import fields as xf
from core.api.choices import cached_choices

from .display import field_help, field_label
from .i18n import pick_timezone


@dataclass
class FormField:
    """One input of a generated form."""

    name: str
    label: str
    widget: str
    required: bool = False
    value: Any = ""
    help: str = ""
    options: list[tuple[str, str]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    step: str = ""


def widget_for(f: ma.Field) -> str:
    """The input type for a field: ``metadata["widget"]`` wins, else derived from its class."""
    meta = f.metadata or {}
    if meta.get("widget"):
        return meta["widget"]
    if meta.get("choices") or _one_of(f):
        return "select"
    if isinstance(f, xf.RichText):
        return "richtext"
    if isinstance(f, ma.Boolean):
        return "checkbox"
    if isinstance(f, ma.Email | xf.Email):
        return "email"
    if isinstance(f, ma.URL):
        return "url"
    if isinstance(f, ma.DateTime):
        return "datetime-local"
    if isinstance(f, ma.Date):
        return "date"
    if isinstance(f, ma.Integer | ma.Decimal | ma.Float):
        return "number"
    return "text"


def _one_of(f: ma.Field) -> list[Any]:
    for validator in f.validators or ():
        if isinstance(validator, validate.OneOf):
            return list(validator.choices)
    return []


def _options(f: ma.Field) -> list[tuple[str, str]]:
    meta = f.metadata or {}
    if meta.get("choices"):
        return [(str(v), str(label)) for v, label in cached_choices(meta["choices"])]
    labels = meta.get("choice_labels") or {}
    return [(str(v), str(labels.get(v, v))) for v in _one_of(f)]


def _step(f: ma.Field) -> str:
    if isinstance(f, ma.Integer):
        return "1"
    if isinstance(f, ma.Decimal):
        places = f.places if isinstance(f.places, int) else 2
        return "0." + "0" * (places - 1) + "1" if places else "1"
    return "any" if isinstance(f, ma.Float) else ""


def to_input_value(f: ma.Field, value: Any) -> Any:
    """A dumped (wire) value as an HTML input expects it."""
    if value is None:
        return ""
    if isinstance(f, ma.DateTime) and isinstance(value, str):
        moment = dt.datetime.fromisoformat(value)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=dt.UTC)
        return moment.astimezone(ZoneInfo(pick_timezone())).strftime("%Y-%m-%dT%H:%M")
    if isinstance(f, ma.Boolean):
        return bool(value)
    return value


def build_form(fields: dict[str, ma.Field], values: dict[str, Any] | None = None,
               errors: dict[str, list[str]] | None = None,
               raw: dict[str, Any] | None = None) -> list[FormField]:
    """Form inputs for ``fields``; ``values`` are dumped values, ``raw`` re-shows posted input."""
    values, errors, raw = values or {}, errors or {}, raw or {}
    form = []
    for name, f in fields.items():
        widget = widget_for(f)
        if name in raw:
            value = raw[name] if widget != "checkbox" else bool(raw[name])
        else:
            value = to_input_value(f, values.get(name, _default(f)))
        form.append(FormField(
            name=name, label=field_label(name, f), widget=widget, required=f.required, value=value,
            help=field_help(f), options=_options(f) if widget == "select" else [],
            errors=errors.get(name, []), step=_step(f),
        ))
    return form


def _default(f: ma.Field) -> Any:
    default = f.load_default
    if default is missing:
        return None
    return default() if callable(default) else default


def form_input(fields: dict[str, ma.Field], form: Any) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """The posted ``form`` as schema input, plus errors found before validation.

    Empty inputs: required → an error; nullable → None; text → ""; else left out.
    A ``datetime-local`` value is read in the user's time zone.
    """
    data: dict[str, Any] = {}
    problems: dict[str, list[str]] = {}
    for name, f in fields.items():
        widget = widget_for(f)
        if widget == "checkbox":
            data[name] = form.get(name) in ("on", "true", "1", "yes")
            continue
        value = (form.get(name) or "").strip() if widget != "richtext" else form.get(name) or ""
        if value == "":
            if f.required:
                problems[name] = [gettext("This field is required.")]
            elif f.allow_none:
                data[name] = None
            elif isinstance(f, ma.String):
                data[name] = ""
            continue
        if widget == "datetime-local":
            try:
                local = dt.datetime.fromisoformat(value).replace(tzinfo=ZoneInfo(pick_timezone()))
            except ValueError:
                problems[name] = [gettext("Not a valid date and time.")]
                continue
            value = local.isoformat()
        data[name] = value
    return data, problems
