"""Schedule items, attendees, calendar feeds and in-app notifications."""

from plugins.customers.schedule_models import SCHEDULE_MODELS


def upgrade(ctx):
    ctx.create_tables(*SCHEDULE_MODELS)
