"""``customers_search_backlog``: customers of big imports whose search documents the worker
writes after the import commits (plugins/customers/search_backlog.py)."""

from plugins.customers.search_backlog import SearchBacklog


def upgrade(ctx):
    ctx.create_tables(SearchBacklog)
