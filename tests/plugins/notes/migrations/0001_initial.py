from core.toolkit import MigrationContext


def upgrade(ctx: MigrationContext) -> None:
    ctx.execute(
        "CREATE TABLE notes_note (id INTEGER PRIMARY KEY, title VARCHAR(200) NOT NULL, "
        "body TEXT NOT NULL DEFAULT '', owner VARCHAR(100) NOT NULL DEFAULT '', "
        "locked BOOLEAN NOT NULL DEFAULT FALSE)"
        if not ctx.is_postgres else
        "CREATE TABLE notes_note (id SERIAL PRIMARY KEY, title VARCHAR(200) NOT NULL, "
        "body TEXT NOT NULL DEFAULT '', owner VARCHAR(100) NOT NULL DEFAULT '', "
        "locked BOOLEAN NOT NULL DEFAULT FALSE)"
    )
