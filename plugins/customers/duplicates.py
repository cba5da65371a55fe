"""Duplicate detection: the same phone or e-mail, or a name that differs only by a legal
form (有限公司, 股份有限公司, Co., Ltd. …), spacing or full-width characters.

A warning names the duplicates the user may see. Those they may not see are only counted
(``hidden``): two salespeople should learn that a customer is already being looked after
(that is what stops 撞单) without learning whose or which one it is.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from core.identity import permissions
from plugins.customers import normalize
from plugins.customers.models import Customer

MIN_PHONE_DIGITS = 6


def stored_keys(name: str = "", phone: str = "", email: str = "") -> tuple[str, str, str]:
    """The (name, phone, e-mail) keys a customer row stores."""
    return normalize.name_key(name), normalize.phone_key(phone), normalize.email_key(email)


def compared(stored: tuple[str, str, str]) -> tuple[str, str, str]:
    """The stored keys as compared: empty where a value is too short to mean much."""
    name_key, phone_key, email_key = stored
    return (
        name_key,
        phone_key if len(phone_key) >= MIN_PHONE_DIGITS else "",
        email_key if "@" in email_key else "",
    )


def keys(name: str = "", phone: str = "", email: str = "") -> tuple[str, str, str]:
    """The (name, phone, e-mail) keys compared; empty when a value is too short to mean much."""
    return compared(stored_keys(name, phone, email))


def _condition(name_key: str, phone_key: str, email_key: str) -> Any:
    parts = []
    if name_key:
        parts.append(Customer.name_key == name_key)
    if phone_key:
        parts.append(Customer.phone_key == phone_key)
    if email_key:
        parts.append(Customer.email_key == email_key)
    if not parts:
        return None
    condition = parts[0]
    for part in parts[1:]:
        condition = condition | part
    return condition


def reasons(customer: Customer, name_key: str, phone_key: str, email_key: str) -> list[str]:
    found = []
    if name_key and customer.name_key == name_key:
        found.append("name")
    if phone_key and customer.phone_key == phone_key:
        found.append("phone")
    if email_key and customer.email_key == email_key:
        found.append("email")
    return found


def find_duplicates(
    user: Any,
    name: str = "",
    phone: str = "",
    email: str = "",
    exclude_id: int | None = None,
    limit: int = 10,
) -> dict[str, Any]:
    """Likely duplicates of a customer with these values.

    Returns ``{"items": [{"id", "name", "owner_id", "reasons": ["name"|"phone"|"email"]}],
    "hidden": n}`` — ``items`` are customers ``user`` may see, ``hidden`` counts the others.
    """
    name_key, phone_key, email_key = keys(name, phone, email)
    condition = _condition(name_key, phone_key, email_key)
    if condition is None:
        return {"items": [], "hidden": 0}
    query = Customer.live().where(condition)
    if exclude_id is not None:
        query = query.where(Customer.id != exclude_id)
    every = list(query.limit(200))
    if not every:
        return {"items": [], "hidden": 0}
    visible = permissions.visible(Customer.live(Customer.id), user, "customer", Customer)
    seen = {cid for (cid,) in visible.where(Customer.id.in_([c.id for c in every])).tuples()}
    items = [
        {
            "id": c.id,
            "name": c.name,
            "owner_id": c.owner_id,
            "reasons": reasons(c, name_key, phone_key, email_key),
        }
        for c in every
        if c.id in seen
    ]
    return {"items": items[:limit], "hidden": len(every) - len(items)}


def existing_matches(rows: Iterable[tuple[str, str, str]]) -> dict[str, dict[str, int]]:
    """For bulk imports: the oldest live customer per name key, phone key and e-mail key (one
    grouped query per kind and 500 keys, ids only). Returns ``{"name": {key: id}, "phone":
    {...}, "email": {...}}``.

    Written as SQL text: building a 500-value ``IN`` through the ORM costs several times what
    the database spends answering it, and imports ask once per 500 keys."""
    names, phones, emails = set(), set(), set()
    for name_key, phone_key, email_key in rows:
        names.add(name_key)
        phones.add(phone_key)
        emails.add(email_key)
    wanted = {"name": names, "phone": phones, "email": emails}
    db = Customer._meta.database
    found: dict[str, dict[str, int]] = {kind: {} for kind in wanted}
    for kind, values in wanted.items():
        values.discard("")
        ordered = list(values)
        for start in range(0, len(ordered), 500):
            chunk = ordered[start : start + 500]
            marks = ", ".join([db.param] * len(chunk))
            cursor = db.execute_sql(
                f"SELECT {kind}_key, MIN(id) FROM customers_customer "
                f"WHERE {kind}_key IN ({marks}) AND deleted_at IS NULL GROUP BY {kind}_key",
                chunk,
            )
            found[kind].update(cursor.fetchall())
    return found

