"""Follow-up records, their attachments, and follow-up plans (the to-do list)."""

from plugins.customers.followups_models import FOLLOWUP_MODELS


def upgrade(ctx):
    ctx.create_tables(*FOLLOWUP_MODELS)
