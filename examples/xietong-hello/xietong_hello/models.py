"""The plugin's table; its name starts with the plugin's name."""

from __future__ import annotations

import datetime as dt

import peewee

from core.toolkit import TenantModel


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class Greeting(TenantModel):
    """A greeting, optionally addressed to one customer (by id)."""

    message = peewee.CharField(max_length=200)
    customer_id = peewee.IntegerField(null=True, index=True)
    created_at = peewee.DateTimeField(default=_now)  # UTC

    class Meta:
        table_name = "hello_greeting"

    def to_dict(self) -> dict:
        return {
            "id": self.id,
            "message": self.message,
            "customer_id": self.customer_id,
            "created_at": self.created_at.replace(tzinfo=dt.UTC).isoformat(),
        }
