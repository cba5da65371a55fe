"""The customer list's hot path: one prepared SQL statement per (user, list shape).

Building the list query through peewee costs more than running it: every request would ask
every enabled module for its record rules (``crm_permission_filter``; some look up their own
tables to answer) and compile the combined expression to SQL again. Here the *visibility*
part — ``permissions.visible(...)``, the one enforcement path, unchanged — is compiled once
per user and kept for at most :data:`TTL` seconds, and dropped at once when the tenant's
permission-relevant audit trail moves (access rights, field rules, departments, categories,
pools …). Filters, sort, cursor and limit are added as whitelisted columns and parameters,
rows are read as tuples and turned into :class:`Customer` objects without peewee's per-row
machinery. Anything unusual (custom-field filters, a nullable sort) takes the ordinary path.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from typing import Any

from flask import current_app, g

from core.api.query import ListParams, encode_cursor
from core.identity import permissions
from core.toolkit import audit_stamp
from plugins.customers.models import Customer

TTL = 2.0
VISIBILITY_INDEX = "customers_customer_id_visibility"  # migration 0037 (SQLite)
WATCHED = (
    "access_right",
    "field_rule",
    "department",
    "user",
    "role",
    "customer_category",
    "customer_custom_field",
    "customer_pool",
    "pool",
    "pool_department",
)
_lock = threading.Lock()


def _cache() -> dict[Any, Any]:
    store = current_app.extensions.setdefault("customers.fastlist", {})
    return store


def fingerprint() -> Any:
    """The newest audit entry about anything record rules or custom fields depend on (read once
    per request); cached definitions are valid while it holds."""
    return audit_stamp(WATCHED)


def cached(key: Any, build: Any) -> Any:
    """``build()``'s result for ``key`` in this tenant, reused across requests for at most
    :data:`TTL` seconds and while :func:`fingerprint` is unchanged."""
    stamp = fingerprint()
    now = time.monotonic()
    full = (g.tenant.slug, *key)
    hit = _cache().get(full)
    if hit is not None and hit[0] > now and hit[1] == stamp:
        return hit[2]
    value = build()
    with _lock:
        cache = _cache()
        if len(cache) > 10_000:
            cache.clear()
        cache[full] = (now + TTL, stamp, value)
    return value


def visibility(user: Any, action: str = "read") -> tuple[str, list[Any]]:
    """The WHERE text (over table alias ``t1``) and parameters of the customers ``user`` may
    ``action``, compiled from ``permissions.visible`` and cached briefly."""

    def build() -> tuple[str, list[Any]]:
        query = permissions.visible(Customer.select(Customer.id), user, "customer", Customer, action)
        sql, params = query.sql()
        return (sql.split(" WHERE ", 1)[1] if " WHERE " in sql else "1 = 1"), list(params)

    where, params = cached(
        ("visible", user.id, user.role_id, user.department_id, bool(user.active), action), build
    )
    return where, list(params)


def forget() -> None:
    """Drop every cached visibility (after changing categories in this process)."""
    _cache().clear()


COLUMNS = [f for f in Customer._meta.sorted_fields]
NAMES = [f.name for f in COLUMNS]
SELECT = ", ".join(f'"t1"."{f.column_name}"' for f in COLUMNS)
_DATETIMES = {i for i, f in enumerate(COLUMNS) if f.field_type == "DATETIME"}
_JSON = {i for i, f in enumerate(COLUMNS) if f.name == "custom"}


def supported(params: ListParams) -> bool:
    """Whether the fast path can answer these list arguments."""
    if params.q or getattr(params, "custom", None):
        return False
    column = Customer._meta.fields.get(params.sort)
    return (
        column is not None
        and not column.null
        and all(
            n in Customer._meta.fields or n.removesuffix("_id") in Customer._meta.fields
            for n in params.filters
        )
    )


def _field(name: str) -> Any:
    fields = Customer._meta.fields
    return fields[name] if name in fields else fields[name.removesuffix("_id")]


def _instance(row: tuple[Any, ...]) -> Customer:
    data = dict(zip(NAMES, row, strict=True))
    for i in _DATETIMES:
        value = row[i]
        if isinstance(value, str):
            data[NAMES[i]] = dt.datetime.fromisoformat(value)
    for i in _JSON:
        data[NAMES[i]] = COLUMNS[i].python_value(row[i])
    obj = Customer.__new__(Customer)
    obj.__data__ = data
    obj._dirty = set()
    obj.__rel__ = {}
    return obj


def page(user: Any, params: ListParams, action: str = "read") -> tuple[list[Customer], str | None]:
    """One page of the customer list, as :func:`core.api.query.fetch_page` would give it."""
    db = Customer._meta.database
    where, args = visibility(user, action)
    clauses = ['"t1"."deleted_at" IS NULL', f"({where})"]
    for name, value in params.filters.items():
        field = _field(name)
        clauses.append(f'"t1"."{field.column_name}" = {db.param}')
        args.append(field.db_value(value))
    sort = _field(params.sort)
    order = "DESC" if params.descending else "ASC"
    if params.cursor is not None:
        value, last_id = params.cursor
        op = "<" if params.descending else ">"
        if sort.name == "id":
            clauses.append(f'"t1"."id" {op} {db.param}')
            args.append(last_id)
        else:
            col = f'"t1"."{sort.column_name}"'
            clauses.append(f'({col} {op} {db.param} OR ({col} = {db.param} AND "t1"."id" {op} {db.param}))')
            args += [sort.db_value(value), sort.db_value(value), last_id]
    ordering = (
        f'"t1"."id" {order}' if sort.name == "id" else f'"t1"."{sort.column_name}" {order}, "t1"."id" {order}'
    )
    sql = (
        f'SELECT {SELECT} FROM "customers_customer" AS "t1" WHERE {" AND ".join(clauses)} '
        f"ORDER BY {ordering} LIMIT {db.param}"
    )
    rows = [_instance(row) for row in db.execute_sql(sql, [*args, params.limit + 1]).fetchall()]
    more = len(rows) > params.limit
    rows = rows[: params.limit]
    if not more or not rows:
        return rows, None
    last = rows[-1]
    return rows, encode_cursor(params.sort_arg, last.__data__.get(sort.name), last.id)


def search_page(
    user: Any,
    q: str,
    limit: int,
    before_id: int | None = None,
    filters: dict[str, Any] | None = None,
    action: str = "read",
) -> list[Customer]:
    """Customers ``user`` may see that match ``q``, newest first, driven by the search index
    (see :mod:`plugins.customers.search`); the same answer as ``search.matching``."""
    from plugins.customers import search

    db = Customer._meta.database
    plan = search.plan(user, q)
    if plan.empty:
        return []
    where, args = visibility(user, action)
    clauses = ['"t1"."deleted_at" IS NULL', f"({where})"]
    join, order = "", '"t1"."id" DESC'
    if plan.exact_only:
        clauses.append(f'"t1"."name_key" = {db.param}')
        args.append(plan.folded)
        key = '"t1"."id"'
    elif search.is_postgres():
        condition, params = plan.postgres()
        clauses.append(f'"t1"."id" IN (SELECT s.id FROM customers_search s WHERE {condition})')
        args += params
        key = '"t1"."id"'
    else:
        index, expression = plan.sqlite()
        table = index._meta.table_name
        # Each match is checked through the narrow (id, owner, category, deleted) index
        # before its row is read: a user who may see few of the newest matches (an admin's
        # big import) has their search walk past them at a quarter of the cost.
        join = f' INDEXED BY {VISIBILITY_INDEX} JOIN {table} ON {table}.rowid = "t1"."id"'
        clauses.insert(0, f"{table} MATCH {db.param}")
        args.insert(0, expression)
        key, order = f"{table}.rowid", f"{table}.rowid DESC"
    for name, value in (filters or {}).items():
        field = _field(name)
        clauses.append(f'"t1"."{field.column_name}" = {db.param}')
        args.append(field.db_value(value))
    if before_id is not None:
        clauses.append(f"{key} < {db.param}")
        args.append(before_id)
    sql = (
        f'SELECT {SELECT} FROM "customers_customer" AS "t1"{join} WHERE {" AND ".join(clauses)} '
        f"ORDER BY {order} LIMIT {db.param}"
    )
    return [_instance(row) for row in db.execute_sql(sql, [*args, limit]).fetchall()]
