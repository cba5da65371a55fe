"""The customers module's business functions, callable without HTTP — the documented
interface other plugins (funnel, desktop, pool …) build on. Signatures here stay stable.

Every function takes the acting ``user`` and goes through the one permission path
(``core.identity.permissions``): record rules, category visibility and field rules hold here
exactly as on pages and in the API. Errors are :class:`core.errors.ApiError` (404 absent or
not visible, 403 visible but not allowed, 409 stale, 422 invalid), which views turn into the
contract's error shape and other callers can catch.

What other plugins usually need::

    from plugins.customers import services
    services.visible_customers(user)            # a peewee query of the customers user may see
    services.get_customer(user, 42)             # one, or ApiError 404
    services.search_customers(user, "华为")      # Chinese-aware search, newest first
    services.customer_dict(user, customer)      # the API form, field rules applied

Listen to :mod:`plugins.customers.signals` (``customers_handed_over`` above all) to take
part in what happens to customers.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Mapping
from typing import Any

import peewee
from flask import g

from core.errors import ApiError
from core.identity import permissions
from plugins.customers import categories, duplicates, search
from plugins.customers.handover import hand_over
from plugins.customers.models import Contact, Customer
from plugins.customers.notes import add_note, mark_read, notifications_for, unread_count

__all__ = [
    "add_note",
    "category_counts",
    "contacts_of",
    "create_contact",
    "create_customer",
    "customer_dict",
    "delete_customer",
    "find_duplicates",
    "get_contact",
    "get_customer",
    "hand_over",
    "mark_read",
    "notifications_for",
    "search_customers",
    "unread_count",
    "upcoming_birthdays",
    "update_customer",
    "visible_contacts",
    "visible_customers",
]


def _resources() -> Any:
    from plugins.customers import resources

    return resources


# -- customers ---------------------------------------------------------------------------------


def visible_customers(user: Any, action: str = "read") -> peewee.Select:
    """Live (not trashed) customers ``user`` may ``action`` — one SQL query, no per-row checks.

    Equivalent to ``permissions.visible(Customer.live(), user, "customer", Customer, action)``;
    narrow it further with ``.where(...)`` or use it as a subquery of ``Customer.id``.
    """
    return permissions.visible(Customer.live(), user, "customer", Customer, action)


def get_customer(user: Any, customer_id: Any, action: str = "read") -> Customer:
    """The live customer ``customer_id`` if ``user`` may ``action`` it.

    Raises ApiError 404 when it is absent, trashed or not visible (its existence is not
    revealed) and 403 when it is visible but ``action`` is not allowed.
    """
    return _resources().customers.get(customer_id, user, action)


def create_customer(user: Any, data: Mapping[str, Any]) -> Customer:
    """Create a customer from API-shaped ``data`` (``name`` required; ``category_id``,
    ``owner_id``, ``phone``, ``email``, ``address``, ``region``, ``profile`` (HTML, sanitised),
    ``shareholders``, ``custom`` {key: value} or ``cf_<key>``). Validated, permission-checked
    (owner defaults to ``user``), audited, announced (``core.signals.record_created``), indexed
    for search. ``customer._duplicates`` holds :func:`find_duplicates`' answer."""
    return _resources().customers.create(dict(data), user)


def update_customer(
    user: Any, customer: Customer, data: Mapping[str, Any], expected_version: int | None = None
) -> Customer:
    """Change fields of a customer (partial). ``expected_version``: the version the caller
    read; a stale one is ApiError 409."""
    return _resources().customers.update(customer, dict(data), user, expected_version)


def delete_customer(user: Any, customer: Customer) -> None:
    """Move a customer to the trash (an administrator can restore it)."""
    _resources().customers.delete(customer, user)


def customer_dict(user: Any, customer: Customer) -> dict[str, Any]:
    """The API form of a customer for ``user`` (hidden fields absent, masked ones masked)."""
    return _resources().customers.dump(customer, user)


def search_customers(user: Any, q: str, limit: int = 20, before_id: int | None = None) -> list[Customer]:
    """Customers ``user`` may see matching ``q`` — any part of the name (two Chinese
    characters included), its pinyin or initials, phone or e-mail fragments, contacts' names
    and numbers — newest first. ``before_id``: continue after the last id of a page."""
    return search.search(user, q, limit, before_id)


def find_duplicates(
    user: Any, name: str = "", phone: str = "", email: str = "", exclude_id: int | None = None
) -> dict[str, Any]:
    """Likely duplicates: ``{"items": [{"id", "name", "owner_id", "reasons"}], "hidden": n}``."""
    return duplicates.find_duplicates(user, name, phone, email, exclude_id)


def category_counts(user: Any) -> dict[int | None, dict[str, int]]:
    """Visible customers per category: ``{category id: {"own": n, "total": n with subtree}}``."""
    return categories.counts(user)


# -- contacts ----------------------------------------------------------------------------------


def visible_contacts(user: Any, action: str = "read") -> peewee.Select:
    """Live contacts of customers ``user`` may see (contacts follow their customer)."""
    return _resources().contacts.visible_query(user, None, action)


def contacts_of(user: Any, customer: Customer) -> list[Contact]:
    """The live contacts of a customer ``user`` may read, by name."""
    return list(visible_contacts(user).where(Contact.customer == customer.id).order_by(Contact.name))


def get_contact(user: Any, contact_id: Any, action: str = "read") -> Contact:
    """A contact, or ApiError 404/403 as :func:`get_customer`."""
    return _resources().contacts.get(contact_id, user, action)


def create_contact(user: Any, customer: Customer, data: Mapping[str, Any]) -> Contact:
    """Add a contact to ``customer`` (which ``user`` must be allowed to write)."""
    return _resources().contacts.create({**data, "customer_id": customer.id}, user)


def contact_dict(user: Any, contact: Contact) -> dict[str, Any]:
    """The API form of a contact for ``user`` (phones hidden or masked by field rules)."""
    return _resources().contacts.dump(contact, user)


def _today() -> dt.date:
    zone = zoneinfo.ZoneInfo(getattr(g.get("tenant"), "timezone", None) or "Asia/Shanghai")
    return dt.datetime.now(zone).date()


def birthday_window(today: dt.date, days: int) -> dict[str, dt.date]:
    """``{"MM-DD": the date it falls on}`` for the ``days`` days from ``today`` (at most a
    year); a 29 February birthday is celebrated on 28 February in other years."""
    when: dict[str, dt.date] = {}
    for offset in range(max(0, min(days, 366))):
        day = today + dt.timedelta(days=offset)
        when.setdefault(day.strftime("%m-%d"), day)
        if day.month == 2 and day.day == 28 and not _leap(day.year):
            when.setdefault("02-29", day)
    return when


def upcoming_birthdays(
    user: Any, days: int = 14, today: dt.date | None = None, owned_only: bool = True,
    limit: int | None = None,
) -> list[tuple[Contact, dt.date]]:
    """Contacts whose birthday falls in the next ``days`` days (today included), with the date
    it falls on, soonest first — of the customers ``user`` owns (``owned_only``) or may see.
    A 29 February birthday is celebrated on 28 February in other years.

    With ``limit`` (the desktop widget's 20) the database orders and cuts the list — birthdays
    from today's "MM-DD" on first, then those after New Year — so a million contacts never
    become a million Python objects."""
    today = today or _today()
    when = birthday_window(today, days)
    if not when:
        return []
    query = visible_contacts(user).where(Contact.birthday_md.in_(list(when)))
    if owned_only:
        query = query.where(Customer.owner == user.id)
    if limit is not None:
        after_new_year = peewee.Case(None, [(Contact.birthday_md >= today.strftime("%m-%d"), 0)], 1)
        query = query.order_by(after_new_year, Contact.birthday_md, Contact.name, Contact.id).limit(limit)
    found = [(c, when[c.birthday_md]) for c in query]
    found.sort(key=lambda pair: (pair[1], pair[0].name))
    return found


def _leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def require_customer(user: Any, customer_id: Any, action: str = "read") -> Customer:
    """Like :func:`get_customer`; kept for callers that prefer the verb."""
    if customer_id is None:
        raise ApiError(404, "no such customer")
    return get_customer(user, customer_id, action)
