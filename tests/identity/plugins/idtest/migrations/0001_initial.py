from tests.identity.plugins.idtest.models import IdContact, IdMemo


def upgrade(ctx):
    ctx.create_tables(IdContact, IdMemo)
