"""Leads (线索) and the lead pool."""

from plugins.customers.leads_models import LEAD_MODELS


def upgrade(ctx):
    ctx.create_tables(*LEAD_MODELS)
