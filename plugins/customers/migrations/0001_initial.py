"""Customers, categories, contacts, custom fields, transactions, notes, attachments."""

from plugins.customers.models import MODELS


def upgrade(ctx):
    ctx.create_tables(*MODELS)
