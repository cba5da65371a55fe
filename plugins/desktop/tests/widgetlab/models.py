from __future__ import annotations

import peewee

from core.toolkit import TenantModel


class LabItem(TenantModel):
    name = peewee.CharField(max_length=100)
    owner = peewee.IntegerField(null=True)

    class Meta:
        table_name = "widgetlab_item"
