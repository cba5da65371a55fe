"""Collaborators: customers shared with colleagues (read or read-write, optional expiry)."""

from plugins.customers.collaborators_models import COLLABORATOR_MODELS


def upgrade(ctx):
    ctx.create_tables(*COLLABORATOR_MODELS)
