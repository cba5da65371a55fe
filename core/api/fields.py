"""Marshmallow fields with the contract's wire formats: money as decimal strings, times in
ISO 8601 with an offset, rich text sanitised on the server.

Use them in every schema a :class:`core.api.resource.Resource` serves, so the API, forms,
exports and OpenAPI agree. ``metadata`` keys the UI understands: ``label``, ``label_zh``,
``help``, ``help_zh``, ``widget`` (``textarea``), ``choices`` (a callable returning
``[(value, label), ...]`` for selects and for display).
"""

from __future__ import annotations

import datetime as dt
import decimal
import re
from typing import Any

import nh3
from marshmallow import ValidationError, fields, validate

# What rich text may contain: formatting, lists, links, tables, images by URL. No script,
# no event handlers, no style attributes, no javascript: URLs (nh3 drops them).
RICH_TAGS = {
    "a",
    "b",
    "blockquote",
    "br",
    "code",
    "em",
    "h1",
    "h2",
    "h3",
    "h4",
    "hr",
    "i",
    "img",
    "li",
    "ol",
    "p",
    "pre",
    "s",
    "strong",
    "sub",
    "sup",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "tr",
    "u",
    "ul",
    "span",
    "div",
}
RICH_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
}
RICH_URL_SCHEMES = {"http", "https", "mailto", "tel"}


def sanitize_html(value: str | None) -> str | None:
    """Return ``value`` with everything that could run script removed (None stays None)."""
    if value is None:
        return None
    return nh3.clean(
        str(value),
        tags=RICH_TAGS,
        attributes=RICH_ATTRIBUTES,
        url_schemes=RICH_URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
    )


class RichText(fields.String):
    """HTML text that is sanitised with nh3 both when stored and when served.

    Sanitising on the way out too means rows written before a rule tightened, or by SQL,
    still cannot run script in a browser.
    """

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        return sanitize_html(super()._deserialize(value, attr, data, **kwargs))

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> Any:
        return sanitize_html(super()._serialize(value, attr, obj, **kwargs))


class Money(fields.Decimal):
    """An exact amount: a decimal string on the wire (``"1234.50"``), never a float.

    Input may be a string or an integer; floats are refused because they are not exact, and
    amounts are bounded (|x| < 10^15) so they fit integer minor units in any database.
    """

    LIMIT = decimal.Decimal(10) ** 15

    def __init__(self, places: int = 2, **kwargs: Any) -> None:
        kwargs.setdefault("as_string", True)
        kwargs.setdefault("allow_nan", False)
        metadata = dict(kwargs.pop("metadata", {}) or {})
        metadata.setdefault("pattern", rf"^-?\d{{1,15}}(\.\d{{1,{places}}})?$")
        super().__init__(places=places, metadata=metadata, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        if isinstance(value, float):
            raise ValidationError("send money as a decimal string, e.g. \"1234.50\"")
        amount = super()._deserialize(value, attr, data, **kwargs)
        if amount is not None and abs(amount) >= self.LIMIT:
            raise ValidationError("the amount is too large")
        return amount


class DateTime(fields.DateTime):
    """A moment in time: stored as naive UTC, served as ISO 8601 with ``+00:00``.

    Input must carry an offset (``2024-05-01T09:30:00+08:00``) or end in ``Z``; it is
    converted to UTC for storage. A time without an offset is ambiguous and refused.
    """

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> Any:
        if value is None:
            return None
        if isinstance(value, str):
            value = dt.datetime.fromisoformat(value)
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC).isoformat()

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        parsed = super()._deserialize(value, attr, data, **kwargs)
        if parsed.tzinfo is None:
            raise ValidationError("give the time with an offset, e.g. 2024-05-01T09:30:00+08:00")
        return parsed.astimezone(dt.UTC).replace(tzinfo=None)


class Email(fields.String):
    """An e-mail address, or "" for none (optional contact fields are common in a CRM).

    marshmallow's ``Email`` refuses "", so an optional address would need ``None``; here both
    the empty string and a valid address are accepted and the address is lower-cased.
    """

    PATTERN = r"^$|^[^@\s]+@[^@\s]+\.[^@\s]+$"

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("validate", validate.Length(max=254))
        metadata = dict(kwargs.pop("metadata", {}) or {})
        metadata.setdefault("pattern", self.PATTERN)
        super().__init__(metadata=metadata, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        text = (super()._deserialize(value, attr, data, **kwargs) or "").strip()
        if text and not re.fullmatch(self.PATTERN, text):
            raise ValidationError("not a valid e-mail address")
        return text.lower()


def to_decimal(value: Any) -> decimal.Decimal | None:
    """A stored amount (Decimal, int or text) as a Decimal, for formatting and sums."""
    if value is None or value == "":
        return None
    return value if isinstance(value, decimal.Decimal) else decimal.Decimal(str(value))


def openapi_mappings() -> dict[type, tuple[str, str | None]]:
    """How these fields appear in OpenAPI (apispec's MarshmallowPlugin.map_to_openapi_type)."""
    return {
        Money: ("string", "decimal"),
        DateTime: ("string", "date-time"),
        RichText: ("string", "html"),
        Email: ("string", None),
    }
