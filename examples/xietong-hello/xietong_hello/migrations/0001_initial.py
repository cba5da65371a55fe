"""Create hello_greeting.

The table is declared here as it was at this step, not imported from models.py: later
steps may change the model, and this step must keep creating what it created.
"""

import datetime as dt

import peewee

from core.toolkit import MigrationContext, TenantModel


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class Greeting(TenantModel):
    message = peewee.CharField(max_length=200)
    customer_id = peewee.IntegerField(null=True, index=True)
    created_at = peewee.DateTimeField(default=_now)

    class Meta:
        table_name = "hello_greeting"


def upgrade(ctx: MigrationContext) -> None:
    ctx.create_tables(Greeting)
