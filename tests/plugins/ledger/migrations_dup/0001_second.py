def upgrade(ctx) -> None:
    ctx.execute("CREATE TABLE ledger_dup_second (id INTEGER PRIMARY KEY)")
