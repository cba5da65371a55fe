from core.toolkit import MigrationContext
from tests.plugins.notes.models import NoteEvent, NoteTick


def upgrade(ctx: MigrationContext) -> None:
    ctx.create_tables(NoteEvent, NoteTick)
