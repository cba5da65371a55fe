"""Public pools: pools, their departments and rules, each customer's pool state, the owner
history and the notices sent to owners; with a partial index for the pool page's list."""

from plugins.customers.pool_models import POOL_MODELS


def upgrade(ctx):
    ctx.create_tables(*POOL_MODELS)
    ctx.execute(
        "CREATE INDEX IF NOT EXISTS customers_pool_state_warned "
        "ON customers_pool_state (pool_id, warned_at) WHERE warned_at IS NOT NULL"
    )
