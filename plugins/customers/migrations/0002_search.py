"""The search indexes over ``customers_search`` (see plugins/customers/search.py).

SQLite: a trigram FTS5 index (external content: the document table) and a contentless FTS5
index of two-character grams. PostgreSQL: a ``tsvector`` of column-coded grams with a GIN index.
"""

COLUMNS = "name, py, ini, phone, email, cname, cmobile, cphone, cemail"


def upgrade(ctx):
    if ctx.is_postgres:
        ctx.execute("ALTER TABLE customers_search ADD COLUMN IF NOT EXISTS grams tsvector")
        ctx.execute("CREATE INDEX IF NOT EXISTS customers_search_grams ON customers_search USING gin (grams)")
        return
    ctx.execute(
        f"CREATE VIRTUAL TABLE IF NOT EXISTS customers_search_tri USING fts5({COLUMNS}, "
        "content='customers_search', content_rowid='id', tokenize='trigram case_sensitive 0', detail=full)"
    )
    ctx.execute(
        f"CREATE VIRTUAL TABLE IF NOT EXISTS customers_search_bi USING fts5({COLUMNS}, "
        "content='', detail=column)"
    )
