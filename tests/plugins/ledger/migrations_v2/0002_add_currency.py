import peewee
from playhouse.migrate import migrate

from core.toolkit import MigrationContext


def upgrade(ctx: MigrationContext) -> None:
    migrate(ctx.migrator.add_column("ledger_entry", "currency", peewee.CharField(max_length=3, null=True)))
