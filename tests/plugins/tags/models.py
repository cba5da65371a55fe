from __future__ import annotations

import peewee

from core.toolkit import TenantModel


class Tag(TenantModel):
    note_id = peewee.IntegerField(index=True)
    label = peewee.CharField(max_length=50)

    class Meta:
        table_name = "tags_tag"

    def to_dict(self) -> dict:
        return {"id": self.id, "note_id": self.note_id, "label": self.label}
