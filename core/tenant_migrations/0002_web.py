"""Webhooks and their delivery log (``core_webhook``, ``core_webhook_delivery``)."""

from core.api.webhooks.models import WEBHOOK_MODELS


def upgrade(ctx):
    ctx.create_tables(*WEBHOOK_MODELS)
