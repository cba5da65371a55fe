from core.toolkit import MigrationContext


def upgrade(ctx: MigrationContext) -> None:
    bad = ctx.execute("SELECT id FROM ledger_entry WHERE amount_minor < 0 ORDER BY id").fetchall()
    if bad:
        raise ValueError(f"entry {bad[0][0]} has a negative amount; correct it, then migrate again")
    ctx.execute(f"UPDATE ledger_entry SET currency = {ctx.db.param}", ["CNY"])
