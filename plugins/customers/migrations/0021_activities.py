"""Activities and their tenant-defined types."""

from plugins.customers.activities_models import ACTIVITY_MODELS


def upgrade(ctx):
    ctx.create_tables(*ACTIVITY_MODELS)
