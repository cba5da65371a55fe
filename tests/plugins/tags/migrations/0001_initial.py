from core.toolkit import MigrationContext
from tests.plugins.tags.models import Tag


def upgrade(ctx: MigrationContext) -> None:
    ctx.create_tables(Tag)
