"""The trash: deletes are soft, admins restore, and only an explicit purge destroys data.

A record in the trash keeps its row with ``deleted_at`` set (see
:class:`core.identity.models.RecordModel`); the permission engine treats it as absent on every
path, so it is 404 everywhere until it is restored.
"""

from __future__ import annotations

from typing import Any

import peewee
from flask import current_app, g

from core.identity.audit import audit, snapshot
from core.identity.errors import IdentityError
from core.identity.models import TrashEntry, User, utcnow
from core.signals import record_deleted, record_restored


def _kernel() -> Any:
    return current_app.extensions["xietong"]


def _model_of(entity: str) -> Any:
    entity_type = _kernel().entity_types.get(entity)
    if entity_type is None or entity_type.model is None:
        raise IdentityError(f"unknown entity {entity!r}", field="entity", status=404)
    if "deleted_at" not in entity_type.model._meta.fields:
        raise IdentityError(f"{entity} records cannot go to the trash (no deleted_at field)",
                            field="entity")
    return entity_type.model


def label_of(record: Any) -> str:
    """A short human name of a record for the trash page (name, title, or entity #id)."""
    for attr in ("name", "title", "subject", "username"):
        value = getattr(record, attr, None)
        if isinstance(value, str) and value:
            return value[:300]
    return f"#{record.get_id()}"


def _signal_kwargs(entity: str, record: Any, user: User | None) -> dict[str, Any]:
    """What every record signal carries (the sender is the entity key)."""
    return {"tenant": g.tenant.slug, "entity": entity, "record": record, "record_id": record.get_id(),
            "user": user}


def move_to_trash(entity: str, record: Any, user: User | None = None) -> TrashEntry:
    """Soft-delete ``record`` of ``entity``: audited, announced, restorable.

    Check ``permissions.require(user, "delete", entity, record)`` before calling this.
    """
    model = _model_of(entity)
    if not isinstance(record, model):
        raise IdentityError(f"record is not a {entity}", field="entity")
    if record.deleted_at is not None:
        raise IdentityError(f"this {entity} is already in the trash", status=409)
    user = user if user is not None else g.get("user")
    now = utcnow()
    with model._meta.database.atomic():
        model.update(deleted_at=now, version=model.version + 1).where(
            model._meta.primary_key == record.get_id()).execute()
        record.deleted_at, record.version = now, record.version + 1
        TrashEntry.delete().where((TrashEntry.entity == entity)
                                  & (TrashEntry.record_id == record.get_id())).execute()
        entry = TrashEntry.create(entity=entity, record_id=record.get_id(), label=label_of(record),
                                  deleted_by=getattr(user, "id", None), deleted_at=now)
        audit("delete", entity, record.get_id(), {"deleted_at": [None, now]}, user)
    record_deleted.send(entity, **_signal_kwargs(entity, record, user))
    return entry


def _trashed(entity: str, record_id: Any) -> tuple[Any, Any, TrashEntry | None]:
    model = _model_of(entity)
    record = model.get_or_none(model._meta.primary_key == record_id)
    if record is None or record.deleted_at is None:
        raise IdentityError(f"no {entity} #{record_id} in the trash", status=404)
    entry = TrashEntry.get_or_none((TrashEntry.entity == entity) & (TrashEntry.record_id == record_id))
    return model, record, entry


def restore(entity: str, record_id: Any, user: User | None = None) -> Any:
    """Take a record out of the trash; returns it."""
    model, record, entry = _trashed(entity, record_id)
    user = user if user is not None else g.get("user")
    with model._meta.database.atomic():
        model.update(deleted_at=None, version=model.version + 1, updated_at=utcnow()).where(
            model._meta.primary_key == record_id).execute()
        if entry is not None:
            entry.delete_instance()
        audit("restore", entity, record_id, {"deleted_at": [record.deleted_at, None]}, user)
    record = model.get(model._meta.primary_key == record_id)
    record_restored.send(entity, **_signal_kwargs(entity, record, user))
    return record


def purge(entity: str, record_id: Any, user: User | None = None) -> None:
    """Destroy a trashed record for good (an explicit admin action; the audit keeps its values)."""
    model, record, entry = _trashed(entity, record_id)
    user = user if user is not None else g.get("user")
    try:
        with model._meta.database.atomic():
            audit("purge", entity, record_id, {k: [v, None] for k, v in snapshot(record).items()}, user)
            if entry is not None:
                entry.delete_instance()
            record.delete_instance()
    except peewee.IntegrityError as exc:
        raise IdentityError(f"{entity} #{record_id} cannot be purged while other records refer "
                            "to it; purge or change those first", status=409) from exc
