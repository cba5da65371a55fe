"""Covering indexes for the stale and won-in-a-period look-ups.

``funnel_stat_month`` gets (stage, month) first, so "open stages before the cut-off month" reads
only those rows; the partial index on live deals gains ``deleted_at`` so SQLite answers the edge
months from the index alone.
"""

INDEXES = (
    "CREATE INDEX IF NOT EXISTS funnel_stat_month_stage_month ON funnel_stat_month "
    "(stage_id, month, owner_id, deals, amount)",
    "DROP INDEX IF EXISTS funnel_deal_live_changed",
    "CREATE INDEX IF NOT EXISTS funnel_deal_live_changed ON funnel_deal "
    "(status, stage_changed_at, owner_id, stage_id, amount, deleted_at) WHERE deleted_at IS NULL",
)


def upgrade(ctx):
    for sql in INDEXES:
        ctx.execute(sql)
