"""Listing records: search, whitelisted filters and sort, keyset pagination.

Shared by the list page, the API collection, exports and record tabs, so they all select
the same rows the same way. Pagination is keyset (``WHERE (sort, id) > (last)``): no OFFSET
scan and no ``COUNT(*)``; a page fetches ``limit + 1`` rows to know whether more follow.
Only declared fields can be sorted or filtered on; anything else is a 400, never SQL.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import decimal
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import peewee

from core.errors import ApiError

MAX_LIMIT = 200
MAX_INT = 2**63 - 1  # what every database's BIGINT holds
RESERVED_ARGS = frozenset({"limit", "cursor", "q", "sort", "format", "columns", "lang"})


@dataclass
class ListParams:
    """A parsed, validated collection request."""

    limit: int = 50
    q: str = ""
    sort: str = "id"
    descending: bool = False
    filters: dict[str, Any] = field(default_factory=dict)
    cursor: tuple[Any, int] | None = None

    @property
    def sort_arg(self) -> str:
        return ("-" if self.descending else "") + self.sort


def parse_list_args(args: Mapping[str, str], *, sortable: Iterable[str], filters: Mapping[str, Any],
                    default_sort: str = "-id", default_limit: int = 50,
                    ignore: Iterable[str] = ()) -> ListParams:
    """Validate query arguments against the whitelists; raise ApiError(400) saying what is wrong.

    ``filters`` maps each filterable name to a marshmallow field used to parse its value.
    ``ignore`` names extra arguments a caller handles itself (they are not filters).
    """
    params = ListParams(limit=default_limit)
    raw_limit = args.get("limit")
    if raw_limit not in (None, ""):
        try:
            params.limit = int(raw_limit)
        except ValueError:
            raise ApiError(400, "limit must be a whole number", fields={"limit": ["not a number"]}) from None
        if not 1 <= params.limit <= MAX_LIMIT:
            raise ApiError(400, f"limit must be between 1 and {MAX_LIMIT}",
                           fields={"limit": ["out of range"]})
    params.q = (args.get("q") or "").strip()[:200]
    sort = args.get("sort") or default_sort
    params.descending = sort.startswith("-")
    params.sort = sort.lstrip("-")
    allowed_sort = set(sortable) | {"id"}
    if params.sort not in allowed_sort:
        raise ApiError(400, f"cannot sort by {params.sort!r}; sortable: {', '.join(sorted(allowed_sort))}",
                       fields={"sort": ["not a sortable field"]})
    skip = RESERVED_ARGS | set(ignore)
    for name, value in args.items():
        if name in skip:
            continue
        if name not in filters:
            known = ", ".join(sorted(filters)) or "none"
            raise ApiError(400, f"cannot filter by {name!r}; filterable: {known}",
                           fields={name: ["not a filterable field"]})
        if value == "":
            continue
        try:
            params.filters[name] = filters[name].deserialize(value)
        except Exception as exc:
            raise ApiError(400, f"bad value for filter {name!r}", fields={name: [str(exc)]}) from None
        if isinstance(params.filters[name], int) and abs(params.filters[name]) > MAX_INT:
            raise ApiError(400, f"bad value for filter {name!r}", fields={name: ["out of range"]})
    if args.get("cursor"):
        params.cursor = decode_cursor(args["cursor"], params.sort_arg)
    return params


# -- cursors -----------------------------------------------------------------------------------


def _encode_value(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return {"dt": value.isoformat()}
    if isinstance(value, dt.date):
        return {"d": value.isoformat()}
    if isinstance(value, decimal.Decimal):
        return {"dec": str(value)}
    if isinstance(value, peewee.Model):
        return value.get_id()
    return value


def _decode_value(value: Any) -> Any:
    if isinstance(value, dict):
        if "dt" in value:
            return dt.datetime.fromisoformat(value["dt"])
        if "d" in value:
            return dt.date.fromisoformat(value["d"])
        if "dec" in value:
            return decimal.Decimal(value["dec"])
        raise ValueError("unknown cursor value")
    if value is None or isinstance(value, str | int | float | bool):
        return value
    raise ValueError("unknown cursor value")


def encode_cursor(sort_arg: str, value: Any, record_id: int) -> str:
    """An opaque token for "after this row" under ``sort_arg``."""
    raw = json.dumps([sort_arg, _encode_value(value), record_id], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(token: str, sort_arg: str) -> tuple[Any, int]:
    """(sort value, id) from a cursor; 400 when it is damaged or was made for another sort."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        made_for, value, record_id = json.loads(raw)
        value = _decode_value(value)
        if not isinstance(record_id, int) or isinstance(record_id, bool) or abs(record_id) > MAX_INT:
            raise ValueError("bad id")
        if isinstance(value, int) and abs(value) > MAX_INT:
            raise ValueError("bad value")
    except (ValueError, TypeError, binascii.Error, json.JSONDecodeError):
        raise ApiError(400, "invalid cursor; start again without one",
                       fields={"cursor": ["invalid"]}) from None
    if made_for != sort_arg:
        raise ApiError(400, "the cursor belongs to another sort order", fields={"cursor": ["sort changed"]})
    return value, record_id


# -- applying ----------------------------------------------------------------------------------


def order_and_seek(query: peewee.Select, model: Any, params: ListParams) -> peewee.Select:
    """Order by (sort field, id) with NULLs last in both directions, then seek past the cursor."""
    pk = model._meta.primary_key
    column = getattr(model, params.sort)
    nullable = getattr(column, "null", False) and column is not pk
    direction = (lambda c: c.desc()) if params.descending else (lambda c: c.asc())
    ordering = [direction(column)] if column is pk else [direction(column), direction(pk)]
    if nullable:
        ordering.insert(0, column.is_null().asc())
    query = query.order_by(*ordering)
    if params.cursor is None:
        return query
    value, last_id = params.cursor
    after = (lambda a, b: a < b) if params.descending else (lambda a, b: a > b)
    if column is pk:
        return query.where(after(pk, last_id))
    if value is None:
        # Among the NULLs (they come last), continue by id.
        return query.where(column.is_null() & after(pk, last_id))
    condition = after(column, value) | ((column == value) & after(pk, last_id))
    if nullable:
        condition = condition | column.is_null()
    return query.where(condition)


def fetch_page(query: peewee.Select, model: Any, params: ListParams) -> tuple[list[Any], str | None]:
    """One page of rows and the cursor of the next page (None on the last one)."""
    rows = list(order_and_seek(query, model, params).limit(params.limit + 1))
    more = len(rows) > params.limit
    rows = rows[: params.limit]
    if not more or not rows:
        return rows, None
    last = rows[-1]
    # __data__ holds the raw value (a foreign key's id, not the related row: no extra query).
    value = last.__data__.get(getattr(model, params.sort).name)
    return rows, encode_cursor(params.sort_arg, value, last.get_id())


def iterate_all(query: peewee.Select, model: Any, params: ListParams, batch: int = 500) -> Iterable[Any]:
    """Every row of the query in keyset batches (exports), without one huge result set."""
    page = ListParams(limit=batch, q=params.q, sort=params.sort, descending=params.descending,
                      filters=params.filters)
    while True:
        rows, cursor = fetch_page(query, model, page)
        yield from rows
        if cursor is None:
            return
        page.cursor = decode_cursor(cursor, page.sort_arg)
