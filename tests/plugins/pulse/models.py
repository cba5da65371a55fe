from __future__ import annotations

import peewee

from core.toolkit import TenantModel


class Beat(TenantModel):
    label = peewee.CharField(max_length=100)

    class Meta:
        table_name = "pulse_beat"

    def to_dict(self) -> dict:
        return {"id": self.id, "label": self.label}
