"""Personal and company layouts, announcements and their read receipts."""

from plugins.desktop.models import MODELS


def upgrade(ctx):
    ctx.create_tables(*MODELS)
