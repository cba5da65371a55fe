"""What the desktop's customer widgets need (issue #8).

Two indexes, for a million customers:

- ``customers_customer (owner_id, last_activity_at)`` replaces ``(last_activity_at)``: the
  overdue follow-up list reads one owner's customers in the order it shows them (nothing else
  filters or sorts on ``last_activity_at`` alone). The table keeps its number of indexes, on
  which its import speed depends.
- ``customers_pool_state (customer_id, locked, warn_due) WHERE warned_at IS NOT NULL``: the
  "about to return to the pool" widget probes it with the owner's customer ids.

Both are declared on the models too, so a new tenant gets them from its first migrations; the
statements here are the ones peewee runs for those declarations.

And a repair. Until 9fd9393 the schedule's reminders (``ScheduleNotification``) were stored in
a table named ``customers_notification`` as well: in a tenant that ran 0022 before 0001 had the
notes' ``Notification``, that name holds the reminders' columns (``key``, ``title``…), the
notes' notifications cannot be stored or read (no ``customer_id``: the mentions widget answered
500), and the reminders' ``customers_schedule_notification`` is missing. The reminders' table
gets its current name (its rows kept) and the notes' table is created.
"""

from plugins.customers.models import Notification
from plugins.customers.schedule_models import ScheduleNotification

INDEXES = (
    ("customers_customer_last_activity_at", None),  # replaced by the next
    ("customers_customer_owner_id_last_activity_at",
     'CREATE INDEX IF NOT EXISTS "customers_customer_owner_id_last_activity_at" '
     'ON "customers_customer" ("owner_id", "last_activity_at")'),
    ("customers_pool_state_customer_id_locked_warn_due",
     'CREATE INDEX IF NOT EXISTS "customers_pool_state_customer_id_locked_warn_due" '
     'ON "customers_pool_state" ("customer_id", "locked", "warn_due") WHERE ("warned_at" IS NOT NULL)'),
)
OLD, REMINDERS = "customers_notification", "customers_schedule_notification"


def upgrade(ctx):
    for name, create in INDEXES:
        if create is None:
            ctx.execute(f'DROP INDEX IF EXISTS "{name}"')
        else:
            ctx.execute(create)
    if not ctx.is_postgres and ctx.execute(
            "SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'").fetchone():
        # an analysed database plans with statistics: give the new indexes theirs (without
        # them SQLite guesses; a database never analysed is left to guess for every index)
        for name, create in INDEXES:
            if create is not None:
                ctx.execute(f'ANALYZE "{name}"')
    repair_notifications(ctx)


def _schema(ctx):
    return ctx.execute("SELECT current_schema()").fetchone()[0] if ctx.is_postgres else None


def _columns(ctx, table):
    return {column.name for column in ctx.db.get_columns(table, _schema(ctx))}


def repair_notifications(ctx):
    """Give the reminders' rows in ``customers_notification`` their own table, then create the
    notes' (a no-op where ``customers_notification`` is already the notes' table)."""
    columns = _columns(ctx, OLD)
    if columns and "customer_id" not in columns and "key" in columns:
        if _columns(ctx, REMINDERS):  # both there: move the rows (a key already there wins)
            moved = ", ".join(f'"{f.column_name}"' for f in ScheduleNotification._meta.sorted_fields
                              if f.column_name != "id" and f.column_name in columns)
            ctx.execute(f'INSERT INTO "{REMINDERS}" ({moved}) SELECT {moved} FROM "{OLD}" '
                        'WHERE 1 = 1 ON CONFLICT DO NOTHING')  # WHERE: SQLite's parser needs it
            ctx.execute(f'DROP TABLE "{OLD}"')
        else:
            ctx.execute(f'ALTER TABLE "{OLD}" RENAME TO "{REMINDERS}"')
            for index in ctx.db.get_indexes(REMINDERS, _schema(ctx)):
                if not index.name.startswith(OLD):
                    continue
                if ctx.is_postgres:  # the primary key's and the rest keep their table's prefix
                    ctx.execute(f'ALTER INDEX "{index.name}" RENAME TO "{REMINDERS}{index.name[len(OLD):]}"')
                else:  # SQLite cannot rename an index; create_tables below makes it again
                    ctx.execute(f'DROP INDEX "{index.name}"')
            if ctx.is_postgres:
                sequence = f"{OLD}_id_seq"
                ctx.execute(f'ALTER SEQUENCE IF EXISTS "{sequence}" RENAME TO "{REMINDERS}_id_seq"')
    ctx.create_tables(ScheduleNotification, Notification)
