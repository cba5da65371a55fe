def upgrade(ctx) -> None:
    ctx.execute("CREATE TABLE ledger_dup_first (id INTEGER PRIMARY KEY)")
