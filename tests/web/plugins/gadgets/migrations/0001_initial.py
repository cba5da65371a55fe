from tests.web.plugins.gadgets.models import Gadget, Part


def upgrade(ctx):
    ctx.create_tables(Gadget, Part)
