"""Time zones for activities and the schedule: parse in, store naive UTC, show in the viewer's zone.

A time given without an offset means wall-clock time in the tenant's zone (the issue's "start/end
in the tenant's time zone"); output is ISO 8601 with the viewer's offset (the user's own zone if
set, else the tenant's), so Asia/Shanghai and Europe/Berlin see the same instant.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import g

UTC = dt.UTC


def zone(name: str | None, fallback: str = "UTC") -> ZoneInfo:
    """The zone called ``name`` (an IANA name), or ``fallback`` when it is empty or unknown."""
    for candidate in (name, fallback, "UTC"):
        if candidate:
            try:
                return ZoneInfo(candidate)
            except (ZoneInfoNotFoundError, ValueError):
                continue
    return ZoneInfo("UTC")


def valid_zone(name: Any) -> bool:
    if not isinstance(name, str) or not name or "/" not in name and name != "UTC":
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def tenant_zone() -> ZoneInfo:
    tenant = g.get("tenant")
    return zone(getattr(tenant, "timezone", None), "Asia/Shanghai")


def user_zone(user: Any) -> ZoneInfo:
    """The zone ``user`` sees times in: their own, else the tenant's."""
    return zone(getattr(user, "timezone", "") or None, tenant_zone().key)


def parse_datetime(value: Any, tz: ZoneInfo | None = None) -> dt.datetime:
    """An aware datetime from ISO 8601 text (``2026-03-02T10:00:00+08:00``, ``…Z``, or no offset:
    wall-clock time in ``tz``); a bare date means midnight. Raises ValueError with a reason."""
    if isinstance(value, dt.datetime):
        parsed = value
    elif isinstance(value, dt.date):
        parsed = dt.datetime.combine(value, dt.time())
    elif isinstance(value, str) and value.strip():
        text = value.strip()
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        try:
            parsed = dt.datetime.fromisoformat(text)
        except ValueError as exc:
            raise ValueError(f"not an ISO 8601 date and time: {value!r}") from exc
    else:
        raise ValueError("a date and time in ISO 8601 is required")
    if parsed.year < 1900 or parsed.year > 2200:
        raise ValueError("the year must be between 1900 and 2200")
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=tz or tenant_zone())
    return parsed


def to_storage(moment: dt.datetime) -> dt.datetime:
    """Naive UTC, whole seconds: how times are stored."""
    return moment.astimezone(UTC).replace(tzinfo=None, microsecond=0)


def from_storage(value: dt.datetime | None) -> dt.datetime | None:
    if value is None:
        return None
    if isinstance(value, str):  # SQLite hands back text for some expressions
        value = dt.datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC)


def show(value: dt.datetime | None, tz: ZoneInfo) -> str | None:
    """A stored (naive UTC) time as ISO 8601 in ``tz``."""
    moment = from_storage(value)
    return None if moment is None else moment.astimezone(tz).isoformat()


def now() -> dt.datetime:
    return dt.datetime.now(UTC).replace(tzinfo=None, microsecond=0)
