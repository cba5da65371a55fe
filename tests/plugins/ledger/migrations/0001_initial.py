from core.toolkit import MigrationContext
from tests.plugins.ledger.models import Entry


def upgrade(ctx: MigrationContext) -> None:
    ctx.create_tables(Entry)
