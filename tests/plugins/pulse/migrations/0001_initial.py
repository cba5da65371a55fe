from core.toolkit import MigrationContext
from tests.plugins.pulse.models import Beat


def upgrade(ctx: MigrationContext) -> None:
    ctx.create_tables(Beat)
