"""The relationship network: relation types and relations, with covering partial indexes
(live rows only) for the network walk from either side."""

from plugins.customers.relations_models import RELATION_MODELS


def upgrade(ctx):
    ctx.create_tables(*RELATION_MODELS)
    for name, columns in (("source", "source_id, target_id, type"), ("target", "target_id, source_id, type")):
        ctx.execute(
            f"CREATE INDEX IF NOT EXISTS customers_relation_by_{name} "
            f"ON customers_relation ({columns}) WHERE deleted_at IS NULL"
        )
