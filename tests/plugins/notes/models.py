from __future__ import annotations

import peewee

from core.toolkit import TenantModel


class Note(TenantModel):
    title = peewee.CharField(max_length=200)
    body = peewee.TextField(default="")
    owner = peewee.CharField(max_length=100, default="")
    locked = peewee.BooleanField(default=False)

    class Meta:
        table_name = "notes_note"

    def to_dict(self) -> dict:
        return {"id": self.id, "title": self.title, "body": self.body, "owner": self.owner,
                "locked": self.locked}


class NoteEvent(TenantModel):
    """What the plugin's signal receiver heard (one row per received signal)."""

    entity = peewee.CharField(max_length=50)
    record_id = peewee.IntegerField()

    class Meta:
        table_name = "notes_event"


class NoteTick(TenantModel):
    """One row per run of the periodic task in this tenant."""

    tenant = peewee.CharField(max_length=40)

    class Meta:
        table_name = "notes_tick"


MODELS = [Note, NoteEvent, NoteTick]
