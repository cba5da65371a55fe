"""The audit log: who did what, when, to which record, with before and after.

Services call :func:`audit` for every create, update, delete, restore, purge, permission
change, login and export; plugins do the same for their records (``core.toolkit.audit``).
The log is append-only: the app offers no way to change or delete an entry.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import uuid
from collections.abc import Iterable, Mapping
from typing import Any

import peewee
from flask import g, has_app_context, has_request_context, request

from core.identity.models import AuditEntry

# Never copied into the log: a hash is still a secret worth guessing against.
SECRET_FIELDS = frozenset({"password_hash", "token_hash", "password", "secret"})
REDACTED = "***"


def _plain(value: Any) -> Any:
    """A JSON-safe form of a field value (ids for related records, text for dates and money)."""
    if isinstance(value, peewee.Model):
        return value.get_id()
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, bytes | memoryview):
        return f"<{len(bytes(value))} bytes>"
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_plain(v) for v in value]
    return value


def snapshot(record: Any, fields: Iterable[str] | None = None) -> dict[str, Any]:
    """The current values of a record's fields (a peewee model or a dict), JSON-safe.

    Related records appear as their ids (``owner`` → the owner's id); secrets are redacted.
    Take one before and one after a change and hand both to :func:`diff`.
    """
    if isinstance(record, Mapping):
        data = dict(record)
    else:
        data = {f.name: record.__data__.get(f.name) for f in record._meta.sorted_fields}
    wanted = set(fields) if fields is not None else None
    return {
        key: (REDACTED if key in SECRET_FIELDS else _plain(value))
        for key, value in data.items()
        if wanted is None or key in wanted
    }


def diff(before: Mapping[str, Any] | None, after: Mapping[str, Any] | None) -> dict[str, list[Any]]:
    """``{field: [before, after]}`` for the fields whose value changed (None where absent).

    ``diff(None, snapshot(new))`` describes a creation, ``diff(snapshot(old), None)`` a deletion.
    """
    before, after = dict(before or {}), dict(after or {})
    changes: dict[str, list[Any]] = {}
    for key in sorted(set(before) | set(after)):
        old, new = _plain(before.get(key)), _plain(after.get(key))
        if old != new:
            if key in SECRET_FIELDS:
                old, new = (REDACTED if old else old), (REDACTED if new else new)
            changes[key] = [old, new]
    return changes


def audit(action: str, entity: str = "", record_id: Any = "", changes: Mapping[str, Any] | None = None,
          user: Any = None) -> AuditEntry:
    """Record one entry in the current tenant's audit log and return it.

    ``action`` is ``create``, ``update``, ``delete``, ``restore``, ``purge``, ``permission``,
    ``login``, ``logout``, ``login_failed``, ``export`` or a plugin's own verb; ``changes`` is
    usually :func:`diff`'s result (any JSON-able mapping will do). ``user`` defaults to the
    signed-in user of the current request; None outside one means the system did it.
    """
    if user is None and has_app_context():
        user = g.get("user")
    address = (request.remote_addr or "") if has_request_context() else ""
    if has_app_context():
        g.pop("_audit_stamps", None)  # this request's own change moves the stamps too
    return AuditEntry.create(
        user=getattr(user, "id", None),
        username=getattr(user, "username", "") or "",
        action=action[:32],
        entity=entity[:64],
        record_id=str(record_id if record_id is not None else "")[:64],
        changes=json.dumps(_plain(dict(changes or {})), ensure_ascii=False, sort_keys=True),
        address=address[:64],
    )


def entry_dict(entry: AuditEntry) -> dict[str, Any]:
    """The API and page form of one entry (``changes`` decoded)."""
    return {
        "id": entry.id,
        "at": entry.at.replace(tzinfo=dt.UTC).isoformat(),
        "user_id": entry.user,
        "username": entry.username,
        "action": entry.action,
        "entity": entry.entity,
        "record_id": entry.record_id,
        "changes": json.loads(entry.changes or "{}"),
        "address": entry.address,
    }


_ASKED: set[str] = set()  # every entity some cache has asked about (names only)


def audit_stamp(entities: tuple[str, ...]) -> int | None:
    """The id of the newest audit entry about any of ``entities`` in the current tenant.

    Caches of rules, rights and identities compare it to decide whether what they hold is
    still true: every change of those is audited, so an unchanged stamp means nothing moved —
    in this process or any other. The newest entry of every entity any cache of this process
    has asked about is read in one query, once per request (kept in ``g``): the sign-in cache
    and a module's list cache share it. One index seek per entity over ``core_audit
    (entity, id)``.
    """
    store: dict[str, int | None] = g.setdefault("_audit_stamps", {})
    if any(entity not in store for entity in entities):
        _ASKED.update(entities)
        wanted = sorted(_ASKED)
        db = AuditEntry._meta.database
        one = f"(SELECT MAX(id) FROM core_audit WHERE entity = {db.param})"
        row = db.execute_sql("SELECT " + ", ".join([one] * len(wanted)), wanted).fetchone()
        store.update(zip(wanted, row, strict=True))
    return max((store[e] for e in entities if store[e] is not None), default=None)
