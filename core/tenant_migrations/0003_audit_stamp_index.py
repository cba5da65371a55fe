"""``core_audit (entity, id)`` replaces the index on ``entity`` alone: :func:`audit_stamp`
asks for the newest entry about a few entities on every request, and PostgreSQL answers that
from a composite index with one seek per entity instead of reading every matching entry."""


def upgrade(ctx):
    ctx.execute("DROP INDEX IF EXISTS core_audit_entity")
    ctx.execute("CREATE INDEX IF NOT EXISTS core_audit_entity_id ON core_audit (entity, id)")
