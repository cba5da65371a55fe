"""Pipelines, stages, deals, co-owners, stage history, quotas and the aggregate tables."""

from plugins.funnel.models import MODELS

OPEN_DEALS_INDEX = (
    "CREATE INDEX IF NOT EXISTS funnel_deal_live_changed ON funnel_deal "
    "(status, stage_changed_at, owner_id, stage_id, amount) WHERE deleted_at IS NULL"
)


def upgrade(ctx):
    ctx.create_tables(*MODELS)
    ctx.execute(OPEN_DEALS_INDEX)
