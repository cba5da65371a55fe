"""Search that understands Chinese: any substring of a name (华为, two characters included),
pinyin (huawei) and initials (hw), phone and e-mail fragments, Latin names in any case.

The design (docs/customers.md, "Search"):

* Each customer has one **search document** (:class:`~plugins.customers.models.SearchDoc`):
  its name, the name's pinyin and initials, phone and e-mail, and its contacts' names,
  mobiles, phones and e-mails — every column *folded* (NFKC, case-folded, letters and
  digits only). Queries are folded the same way.
* **SQLite**: two FTS5 indexes over those columns. ``customers_search_tri`` uses the
  ``trigram`` tokenizer and answers queries of three or more characters as a substring
  (phrase) match. Trigrams cannot see two-character queries, so ``customers_search_bi``
  indexes every two-character gram (plus each value's last character) as a token: a
  two-character query is one token look-up, a one-character Chinese query a prefix look-up.
  Results come in rowid order, newest first, so a page of 50 stops early even when a query
  matches most of a million customers.
* **PostgreSQL**: the same grams, prefixed by a column code, in a ``tsvector`` with a GIN
  index; longer queries are the AND of their grams, re-checked with ``strpos``.
* Columns a field rule hides from or masks for the user (a contact's mobile, say), and all
  contact columns for users who may not read contacts, are left out of the match, so hidden
  values cannot be probed by searching for them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import peewee

from core.db import TenantModel, tenant_db
from core.identity import permissions
from plugins.customers import normalize

COLUMNS = ("name", "py", "ini", "phone", "email", "cname", "cmobile", "cphone", "cemail")
# Columns that exist only when a field of a customer or contact is readable.
CUSTOMER_FIELD_OF = {"phone": "phone", "email": "email"}
CONTACT_FIELD_OF = {"cname": "name", "cmobile": "mobile", "cphone": "phone", "cemail": "email"}
PG_CODE = dict(zip(COLUMNS, "abcdefghi", strict=True))
TRI, BI = "customers_search_tri", "customers_search_bi"
CHUNK = 500


class SearchTrigrams(TenantModel):
    """The SQLite trigram index (virtual table, created by the migration)."""

    rowid = peewee.IntegerField(primary_key=True)

    class Meta:
        table_name = TRI


class SearchBigrams(TenantModel):
    """The SQLite bigram index (virtual table, created by the migration)."""

    rowid = peewee.IntegerField(primary_key=True)

    class Meta:
        table_name = BI


def is_postgres() -> bool:
    return isinstance(tenant_db.obj, peewee.PostgresqlDatabase)


# -- documents ---------------------------------------------------------------------------------


def document(name: str, phone: str, email: str, contacts: Iterable[Sequence[str]] = ()) -> dict[str, str]:
    """The folded search columns of one customer; ``contacts`` are (name, mobile, phone, email)."""
    py, ini = normalize.pinyin(name)
    people = list(contacts)

    def join(values: Iterable[str]) -> str:
        return " ".join(dict.fromkeys(v for v in values if v))

    return {
        "name": normalize.fold(name),
        "py": py,
        "ini": ini,
        "phone": normalize.digits(phone),
        "email": normalize.fold(email),
        "cname": join(normalize.fold(c[0]) for c in people),
        "cmobile": join(normalize.digits(c[1]) for c in people),
        "cphone": join(normalize.digits(c[2]) for c in people),
        "cemail": join(normalize.fold(c[3]) for c in people),
    }


def grams(text: str) -> list[str]:
    """Every two-character gram of each space-separated value, and each value's last character."""
    found: dict[str, None] = {}
    for part in text.split():
        for i in range(len(part) - 1):
            found[part[i : i + 2]] = None
        found[part[-1]] = None
    return list(found)


def _pg_vector(doc: dict[str, str]) -> str:
    lexemes = dict.fromkeys(PG_CODE[col] + gram for col in COLUMNS for gram in grams(doc.get(col, "")))
    return " ".join("'" + lex.replace("\\", "\\\\").replace("'", "''") + "'" for lex in lexemes)


# -- writing -----------------------------------------------------------------------------------


def reindex(customer_ids: Iterable[Any]) -> int:
    """Rebuild the search documents of these customers from the database (trashed customers
    keep theirs; customers that no longer exist lose theirs). Returns how many were written."""
    from plugins.customers.models import Contact, Customer

    ids = sorted({int(getattr(i, "id", i)) for i in customer_ids if i is not None})
    written = 0
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        people: dict[int, list[tuple[str, str, str, str]]] = {i: [] for i in chunk}
        for row in (
            Contact.select(Contact.customer, Contact.name, Contact.mobile, Contact.phone, Contact.email)
            .where(Contact.customer.in_(chunk) & Contact.deleted_at.is_null())
            .order_by(Contact.id)
            .tuples()
        ):
            people[row[0]].append(row[1:])
        docs = {
            cid: document(name, phone, email, people[cid])
            for cid, name, phone, email in Customer.select(
                Customer.id, Customer.name, Customer.phone, Customer.email
            )
            .where(Customer.id.in_(chunk))
            .tuples()
        }
        remove([i for i in chunk if i not in docs])
        write(docs)
        written += len(docs)
    return written


def write(docs: dict[int, dict[str, str]], fresh: bool = False) -> None:
    """Store documents ``{customer id: document}``; ``fresh``: none of them exists yet (bulk
    loads skip the look-up of old entries)."""
    if not docs:
        return
    db = tenant_db.obj
    with db.atomic():
        if not fresh:
            remove(list(docs))
        rows = [(cid, *(doc.get(c, "") for c in COLUMNS)) for cid, doc in docs.items()]
        cols = ", ".join(COLUMNS)
        marks = ", ".join([db.param] * (len(COLUMNS) + 1))
        if is_postgres():
            cursor = db.cursor()
            cursor.executemany(
                f"INSERT INTO customers_search (id, {cols}, grams) VALUES ({marks}, {db.param}::tsvector)",
                [(*row, _pg_vector(docs[row[0]])) for row in rows],
            )
            return
        cursor = db.cursor()
        cursor.executemany(f"INSERT INTO customers_search (id, {cols}) VALUES ({marks})", rows)
        cursor.executemany(f"INSERT INTO {TRI} (rowid, {cols}) VALUES ({marks})", rows)
        cursor.executemany(
            f"INSERT INTO {BI} (rowid, {cols}) VALUES ({marks})",
            [(row[0], *(" ".join(grams(v)) for v in row[1:])) for row in rows],
        )


def remove(customer_ids: Sequence[int]) -> None:
    """Drop the search documents of these customers (purged ones)."""
    from plugins.customers.models import SearchDoc

    if not customer_ids:
        return
    db = tenant_db.obj
    if not is_postgres():
        old = list(SearchDoc.select().where(SearchDoc.id.in_(list(customer_ids))).tuples())
        if old:
            cols = ", ".join(COLUMNS)
            marks = ", ".join([db.param] * (len(COLUMNS) + 1))
            cursor = db.cursor()
            cursor.executemany(f"INSERT INTO {TRI} ({TRI}, rowid, {cols}) VALUES ('delete', {marks})", old)
            cursor.executemany(
                f"INSERT INTO {BI} ({BI}, rowid, {cols}) VALUES ('delete', {marks})",
                [(row[0], *(" ".join(grams(v)) for v in row[1:])) for row in old],
            )
    SearchDoc.delete().where(SearchDoc.id.in_(list(customer_ids))).execute()


def rebuild() -> int:
    """Rebuild every customer's search document (``xietong customers reindex``)."""
    from plugins.customers.models import Customer, SearchDoc

    db = tenant_db.obj
    with db.atomic():
        if not is_postgres():
            db.execute_sql(f"INSERT INTO {BI} ({BI}) VALUES ('delete-all')")
            db.execute_sql(f"INSERT INTO {TRI} ({TRI}) VALUES ('delete-all')")
        SearchDoc.delete().execute()
        ids = [i for (i,) in Customer.select(Customer.id).tuples()]
        return reindex(ids)


def optimize() -> None:
    """Merge the SQLite index segments (after a bulk load); a no-op on PostgreSQL."""
    if is_postgres():
        tenant_db.obj.execute_sql("ANALYZE customers_search")
        return
    for table in (TRI, BI):
        tenant_db.obj.execute_sql(f"INSERT INTO {table} ({table}) VALUES ('optimize')")


# -- querying ----------------------------------------------------------------------------------


def searchable_columns(user: Any) -> list[str]:
    """The columns ``user``'s query may match: none a field rule hides or masks for them."""
    customer_rules = permissions.field_rules(user, "customer")
    columns = [c for c in COLUMNS[:5] if CUSTOMER_FIELD_OF.get(c) not in customer_rules]
    if permissions.can(user, "read", "contact"):
        contact_rules = permissions.field_rules(user, "contact")
        columns += [c for c, f in CONTACT_FIELD_OF.items() if f not in contact_rules]
    return columns


class Plan:
    """How one query is answered: which index, which match expression, and a re-check."""

    def __init__(self, folded: str, columns: list[str]):
        self.folded = folded
        self.columns = columns
        self.cjk_single = len(folded) == 1 and normalize.has_cjk(folded)
        # A single Latin letter or digit matches too much to mean anything: exact names only.
        self.exact_only = len(folded) == 1 and not self.cjk_single
        self.empty = not folded or not columns

    def sqlite(self) -> tuple[type[TenantModel], str]:
        cols = "{" + " ".join(self.columns) + "}"
        if len(self.folded) >= 3:
            return SearchTrigrams, f'{cols} : "{self.folded}"'
        return SearchBigrams, f'{cols} : "{self.folded}"' + ("*" if self.cjk_single else "")

    def postgres(self) -> tuple[str, list[Any]]:
        """A condition on table ``s`` (customers_search) and its parameters."""
        parts: list[str] = []
        if len(self.folded) <= 2:
            star = ":*" if self.cjk_single else ""
            query = " | ".join(f"'{PG_CODE[c]}{self.folded}'{star}" for c in self.columns)
            return "s.grams @@ %s::tsquery", [query]
        for col in self.columns:
            pairs = dict.fromkeys(self.folded[i : i + 2] for i in range(len(self.folded) - 1))
            parts.append("(" + " & ".join(f"'{PG_CODE[col]}{g}'" for g in pairs) + ")")
        recheck = " OR ".join(f"strpos(s.{c}, %s) > 0" for c in self.columns)
        params = [" | ".join(parts), *[self.folded] * len(self.columns)]
        return f"s.grams @@ %s::tsquery AND ({recheck})", params


def plan(user: Any, q: str) -> Plan:
    return Plan(normalize.fold(q)[:100], searchable_columns(user))


def matching(query: peewee.Select, user: Any, q: str, ordered: bool = True) -> peewee.Select:
    """Narrow a query over :class:`Customer` to customers matching ``q`` for ``user``.

    ``ordered``: the search index drives the query and orders it newest first (``id``
    descending) — the fast form for pages; otherwise an ``IN`` condition that keeps the
    query's own order (slower when a query matches a large share of all customers).
    """
    from plugins.customers.models import Customer

    p = plan(user, q)
    if p.empty:
        return query.where(permissions.NOTHING)
    if p.exact_only or is_postgres():
        if p.exact_only:
            query = query.where(Customer.name_key == p.folded)
        else:
            condition, params = p.postgres()
            query = query.where(
                Customer.id.in_(
                    peewee.SQL(f"(SELECT s.id FROM customers_search s WHERE {condition})", params)
                )
            )
        return query.order_by(Customer.id.desc()) if ordered else query
    index, expression = p.sqlite()
    if not ordered:
        sub = peewee.SQL(
            f"(SELECT rowid FROM {index._meta.table_name} WHERE {index._meta.table_name} MATCH ?)",
            [expression],
        )
        return query.where(Customer.id.in_(sub))
    match = peewee.Expression(index._meta.entity, "MATCH", expression)
    return query.join(index, on=(index.rowid == Customer.id)).where(match).order_by(index.rowid.desc())


def rowid_column(user: Any, q: str) -> Any:
    """The column a search-ordered page seeks on (the index's rowid on SQLite)."""
    from plugins.customers.models import Customer

    p = plan(user, q)
    if p.empty or p.exact_only or is_postgres():
        return Customer.id
    return p.sqlite()[0].rowid


def search(user: Any, q: str, limit: int = 20, before_id: int | None = None) -> list[Any]:
    """Up to ``limit`` customers ``user`` may see that match ``q``, newest first.

    ``before_id`` continues after the last id of a previous page. Field rules and record
    rules apply exactly as on the customer list.
    """
    from plugins.customers.fastlist import search_page

    return search_page(user, q, limit, before_id)
