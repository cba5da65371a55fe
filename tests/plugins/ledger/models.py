from __future__ import annotations

import peewee

from core.toolkit import TenantModel


class Entry(TenantModel):
    description = peewee.CharField(max_length=200)
    amount_minor = peewee.IntegerField()  # money in integer minor units, never a float

    class Meta:
        table_name = "ledger_entry"
