"""``funnel_stat_month`` by (stage, owner, month): sums per owner and stage stream from the
index in order, with no sort (replaces 0002's (stage, month) index)."""


def upgrade(ctx):
    ctx.execute("CREATE INDEX IF NOT EXISTS funnel_stat_month_stage_owner ON funnel_stat_month "
                "(stage_id, owner_id, month, deals, amount)")
    ctx.execute("DROP INDEX IF EXISTS funnel_stat_month_stage_month")
