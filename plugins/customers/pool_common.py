"""What the pool, claim, follow-up, collaborator and lead services share: their error type,
tenant-local days, marshmallow loading and the JSON form of times."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Mapping
from typing import Any

import peewee
from flask import current_app, g
from marshmallow import Schema, ValidationError

from core.db import tenant_db
from core.identity.models import utcnow

__all__ = ["PoolError", "announce", "as_id", "day_start", "for_update", "iso", "load", "local_date", "utcnow",
           "write_transaction"]

MAX_ID = 2**63 - 1


def as_id(value: Any) -> int:
    """A record id from a path or a body; 0 (which matches nothing) when it is not one."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return 0
    return number if 0 < number <= MAX_ID else 0


class PoolError(ValueError):
    """Bad input or a conflict in a pool/follow-up/lead service; the message is for the user.

    ``status``: 422 invalid values, 409 conflict with the current state (already claimed,
    over a limit), 404 not visible, 403 visible but not allowed. ``fields`` maps input names
    to messages (shown next to form fields and under ``fields`` in the API).
    """

    def __init__(self, message: str, status: int = 422, field: str | None = None,
                 fields: Mapping[str, list[str]] | None = None, code: str | None = None,
                 details: Mapping[str, Any] | None = None):
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code
        self.fields = dict(fields or ({field: [message]} if field else {}))
        self.details = dict(details or {})


def load(schema: Schema, data: Any, partial: bool = False) -> dict[str, Any]:
    """Validate ``data`` with ``schema``; a PoolError (422, per field) when it is invalid."""
    if not isinstance(data, Mapping):
        raise PoolError("expected a JSON object", status=422)
    try:
        return schema.load(data, partial=partial)
    except ValidationError as exc:
        messages = exc.messages if isinstance(exc.messages, dict) else {"_schema": exc.messages}
        fields = {str(k): _flatten(v) for k, v in messages.items()}
        first = next(iter(fields.items()))
        raise PoolError(f"{first[0]}: {first[1][0]}", status=422, fields=fields) from exc


def _flatten(value: Any) -> list[str]:
    if isinstance(value, list):
        return [m for item in value for m in _flatten(item)]
    if isinstance(value, dict):
        return [f"{k}: {m}" for k, v in value.items() for m in _flatten(v)]
    return [str(value)]


def tenant_zone() -> zoneinfo.ZoneInfo:
    tenant = g.get("tenant")
    name = getattr(tenant, "timezone", "") or "Asia/Shanghai"
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def user_zone() -> zoneinfo.ZoneInfo:
    """The signed-in user's time zone when they chose one, else the tenant's."""
    name = getattr(g.get("user"), "timezone", "") or ""
    if name:
        try:
            return zoneinfo.ZoneInfo(name)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            pass
    return tenant_zone()


def local_date(moment: dt.datetime) -> dt.date:
    """The tenant-local calendar date of a naive-UTC time."""
    return moment.replace(tzinfo=dt.UTC).astimezone(tenant_zone()).date()


def day_start(moment: dt.datetime | None = None, days: int = 0) -> dt.datetime:
    """Naive UTC of the start of the tenant-local day of ``moment`` (default now), ``days`` on."""
    date = local_date(moment or utcnow()) + dt.timedelta(days=days)
    local = dt.datetime.combine(date, dt.time(), tzinfo=tenant_zone())
    return local.astimezone(dt.UTC).replace(tzinfo=None)


def iso(value: dt.datetime | None) -> str | None:
    """ISO 8601 with offset (UTC) for the API."""
    return value.replace(tzinfo=dt.UTC).isoformat() if value else None


def to_utc(value: dt.datetime | None) -> dt.datetime | None:
    """Naive UTC from an aware time (naive times are taken as UTC already)."""
    if value is None or value.tzinfo is None:
        return value
    return value.astimezone(dt.UTC).replace(tzinfo=None)


# -- transactions -------------------------------------------------------------------------


def is_postgres() -> bool:
    return isinstance(tenant_db.obj, peewee.PostgresqlDatabase)


def write_transaction() -> Any:
    """A transaction that takes the write lock at once on SQLite (``BEGIN IMMEDIATE``), so
    that what it reads stays true until it commits; a plain one on PostgreSQL, where the
    callers lock the rows they depend on with :func:`for_update`."""
    db = tenant_db.obj
    if isinstance(db, peewee.SqliteDatabase) and not db.in_transaction():
        return db.atomic("IMMEDIATE")
    return db.atomic()


def for_update(query: Any) -> Any:
    """``SELECT … FOR UPDATE`` on PostgreSQL; SQLite's write transaction already serialises."""
    return query.for_update() if is_postgres() else query


def announce(signal: Any, **kwargs: Any) -> None:
    """Send one of this module's signals the kernel's way (sender kernel, ``tenant`` slug)."""
    signal.send(current_app.extensions["xietong"], tenant=g.tenant.slug, **kwargs)
