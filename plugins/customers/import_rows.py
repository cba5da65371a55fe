"""Writing an import's rows: the SQL values of customers and contacts, in the columns'
order, and the SQLite settings a big write runs with."""

from __future__ import annotations

import gc
import json
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

CUSTOMER_COLUMNS = (
    "id", "name", "name_key", "category_id", "owner_id", "phone", "phone_key", "email", "email_key",
    "address", "region", "profile", "shareholders", "custom", "created_at", "updated_at", "version",
)
CONTACT_COLUMNS = (
    "customer_id", "name", "title", "mobile", "phone", "email", "birthday", "birthday_md", "hobbies",
    "background", "notes", "created_at", "updated_at", "version",
)
IMPORT_CACHE_KIB = 256 * 1024
WAL_AUTOCHECKPOINT = 1000  # SQLite's default, which the import suspends


def custom_encoder() -> Callable[[dict[str, Any]], str]:
    """``encode(custom)``: the JSON text of a row's custom values. Values that are all text
    (choices, mostly: a few values over thousands of rows) are encoded once per distinct set."""
    memo: dict[tuple[tuple[str, Any], ...], str] = {}

    def encode(custom: dict[str, Any]) -> str:
        if not custom:
            return "{}"
        items = tuple(custom.items())
        try:
            return memo[items]  # only all-text keys are stored, and text equals only text
        except (KeyError, TypeError):
            text = json.dumps(custom, ensure_ascii=False, sort_keys=True)
        if all(type(value) is str for _, value in items):
            memo[items] = text
        return text

    return encode


def customer_row(
    customer_id: int, row: dict[str, Any], stamp: Any, encode: Callable[[dict[str, Any]], str]
) -> tuple[Any, ...]:
    """The ``customers_customer`` values of one checked row (see :data:`CUSTOMER_COLUMNS`)."""
    name_key, phone_key, email_key = row["_keys"]
    get = row.get
    return (
        customer_id, get("name", ""), name_key, row["category_id"], row["owner_id"], get("phone", ""),
        phone_key, get("email", ""), email_key, get("address", ""), get("region", ""),
        get("profile", ""), get("shareholders", ""), encode(row["custom"]), stamp, stamp, 1,
    )


def contact_row(customer_id: int, person: dict[str, Any], stamp: Any) -> tuple[Any, ...]:
    """The ``customers_contact`` values of one checked contact (see :data:`CONTACT_COLUMNS`)."""
    birthday = person.get("birthday")
    return (
        customer_id, person["name"], person.get("title", ""), person.get("mobile", ""),
        person.get("phone", ""), person.get("email", ""), birthday,
        birthday.strftime("%m-%d") if birthday else "", person.get("hobbies", ""),
        person.get("background", ""), person.get("notes", ""), stamp, stamp, 1,
    )


def insert_sql(db: Any, table: str, columns: Sequence[str]) -> str:
    marks = ", ".join([db.param] * len(columns))
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"


@contextmanager
def bulk_settings(db: Any) -> Iterator[None]:
    """A big import touches index pages all over a large file: give the connection room, and
    leave copying the write-ahead log into the database file (as costly as the writing
    itself) to the search backlog's drain, in the background."""
    before = db.execute_sql("PRAGMA cache_size").fetchone()[0]
    db.execute_sql(f"PRAGMA cache_size = {-IMPORT_CACHE_KIB}")
    db.execute_sql("PRAGMA wal_autocheckpoint = 0")
    try:
        yield
    finally:
        db.execute_sql(f"PRAGMA cache_size = {int(before)}")
        db.execute_sql(f"PRAGMA wal_autocheckpoint = {WAL_AUTOCHECKPOINT}")


_pause_lock = threading.Lock()
_pausing = 0  # imports running with the collector paused
_was_enabled = False


@contextmanager
def collector_paused() -> Iterator[None]:
    """Run without Python's cyclic garbage collector. An import holds tens of thousands of
    row dictionaries at once; every full collection walks all of them (≈ 5 % of an import's
    time) and finds nothing to free, since rows are freed by reference counting. Nested and
    concurrent imports share one pause; the collector resumes, if it was on, when the last
    one ends."""
    global _pausing, _was_enabled
    with _pause_lock:
        if _pausing == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _pausing += 1
    try:
        yield
    finally:
        with _pause_lock:
            _pausing -= 1
            if _pausing == 0 and _was_enabled:
                gc.enable()
