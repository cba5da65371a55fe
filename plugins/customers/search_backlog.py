"""Search documents written after the fact: the backlog of big imports.

Writing a customer's search document and its two full-text entries costs more than writing
the customer itself, so a large import (more than :data:`INDEX_NOW_MAX` new customers) commits
its customers with only their ids in ``customers_search_backlog``, in the same transaction,
and queues the task ``customers.search_backlog``. The worker writes the documents in chunks
of :data:`CHUNK`, each chunk in its own transaction, removing the ids it has done — so the
customers are in every list at once and found by search seconds later. The periodic task of
the same name drains whatever a lost task or a stopped worker left behind, and
``xietong customers reindex`` does it all by hand. Small imports index at once, as before.
On SQLite the drain also checkpoints the write-ahead log, which the import leaves full.

Indexing twice is harmless (a document is replaced), so a customer edited, trashed or purged
while still in the backlog ends up with the right document either way.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import peewee
from flask import current_app, g

from core.db import TenantModel, tenant_db

log = logging.getLogger(__name__)

INDEX_NOW_MAX = 1_000
CHUNK = 2_000
TASK = "customers.search_backlog"


class SearchBacklog(TenantModel):
    """A customer whose search document is still to be written."""

    customer_id = peewee.IntegerField(primary_key=True)

    class Meta:
        table_name = "customers_search_backlog"


def defer(customer_ids: Sequence[int]) -> None:
    """Put these customers in the backlog (inside the caller's transaction)."""
    if not customer_ids:
        return
    db = tenant_db.obj
    conflict = "ON CONFLICT (customer_id) DO NOTHING"
    db.cursor().executemany(
        f"INSERT INTO customers_search_backlog (customer_id) VALUES ({db.param}) {conflict}",
        [(int(i),) for i in customer_ids],
    )


def queue_drain() -> None:
    """Ask the worker to drain this tenant's backlog (after the caller's commit)."""
    kernel = current_app.extensions["xietong"]
    kernel.enqueue(TASK, tenant=g.tenant.slug)


def pending() -> int:
    """How many customers are waiting for their search document."""
    return SearchBacklog.select().count()


def drain(limit: int | None = None) -> int:
    """Write the documents of the backlog's customers, oldest first, a chunk per transaction;
    stops after ``limit`` customers (None: all). Returns how many were written."""
    from plugins.customers import search

    db = tenant_db.obj
    postgres = isinstance(db, peewee.PostgresqlDatabase)
    if not postgres:
        # the import left its pages in the write-ahead log (it suspends checkpoints to finish
        # sooner): move them into the database file here, in the background
        db.execute_sql("PRAGMA wal_checkpoint(PASSIVE)")
    done = 0
    while limit is None or done < limit:
        size = CHUNK if limit is None else min(CHUNK, limit - done)
        # SQLite: take the write lock first, so two drains never pick the same ids;
        # PostgreSQL: rows another drain holds are skipped, not waited for.
        with db.atomic(**({} if postgres else {"lock_type": "IMMEDIATE"})):
            query = (SearchBacklog.select(SearchBacklog.customer_id)
                     .order_by(SearchBacklog.customer_id).limit(size))
            if postgres:
                query = query.for_update("FOR UPDATE SKIP LOCKED")
            ids = [i for (i,) in query.tuples()]
            if not ids:
                break
            search.reindex(ids)
            SearchBacklog.delete().where(SearchBacklog.customer_id.in_(ids)).execute()
        done += len(ids)
    if done:
        log.info("search backlog: %d customer(s) indexed", done)
    return done


def drain_task(kernel: Any, **kwargs: Any) -> int:
    """Body of the task and the periodic task ``customers.search_backlog``."""
    return drain()
