"""``customers_contact (customer_id, birthday_md)`` replaces ``(customer_id)``: it finds a
customer's contacts as before, and the birthdays widget probes an owner's customers for
contacts with a birthday in the window from the index alone. The table keeps its number of
indexes (each one costs every imported contact)."""


def upgrade(ctx):
    ctx.execute(
        'CREATE INDEX IF NOT EXISTS "customers_contact_customer_id_birthday_md" '
        'ON "customers_contact" ("customer_id", "birthday_md")'
    )
    ctx.execute('DROP INDEX IF EXISTS "customers_contact_customer_id"')
    if not ctx.is_postgres and ctx.execute(
            "SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'").fetchone():
        ctx.execute('ANALYZE "customers_contact_customer_id_birthday_md"')
