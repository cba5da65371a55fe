from plugins.desktop.tests.widgetlab.models import LabItem


def upgrade(ctx):
    ctx.create_tables(LabItem)
