"""Relation indexes that cover the network walk's columns (strength, deleted_at too), so each
edge is read from the index alone."""

from plugins.customers.relations_models import RELATION_INDEXES


def upgrade(ctx):
    for name, create in RELATION_INDEXES:
        ctx.execute(f"DROP INDEX IF EXISTS {name}")
        ctx.execute(create)
