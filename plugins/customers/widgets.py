"""Desktop widgets of the customers module: upcoming birthdays of my contacts, and the
notes that mention me (docs/desktop.md's "list" kind)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import peewee
from flask import url_for
from flask_babel import gettext as _

from core.contrib import Widget

PAGE = 20  # candidates judged by the record rules in one query (see below)


def my_upcoming_birthdays(user: Any, days: int = 14, limit: int = 20,
                          today: dt.date | None = None) -> list[tuple[Any, dt.date]]:
    """What ``services.upcoming_birthdays(user, days, today, limit=limit)`` answers — the same
    contacts in the same order — at a cost that follows the user's own customers only.

    ``upcoming_birthdays`` states the contact rules (a contact is seen with its customer) in
    the query that looks for the birthdays, over every contact the user may see — a million
    for an admin — to find the few of the customers the user owns. Here the user's own live
    contacts with a birthday in the window are found first, by the owner, in the widget's
    order, ids only; the full rules then judge those ids, a page at a time, until ``limit``
    pass.

    Pages stay small (:data:`PAGE`) so that SQLite reads them by id, each contact probing its
    own customer's rules (the contact rule is a correlated ``EXISTS``)."""
    from plugins.customers.models import Contact, Customer
    from plugins.customers.services import _today, birthday_window, visible_contacts

    today = today or _today()
    when = birthday_window(today, days)
    if not when or limit <= 0:
        return []
    after_new_year = peewee.Case(None, [(Contact.birthday_md >= today.strftime("%m-%d"), 0)], 1)
    order = (after_new_year, Contact.birthday_md, Contact.name, Contact.id)
    mine = Customer.select(Customer.id).where(Customer.owner == user.id)  # the owner index alone
    candidates = [ident for (ident,) in (
        Contact.select(Contact.id)
        .where(Contact.customer.in_(mine) & Contact.deleted_at.is_null()
               & Contact.birthday_md.in_(list(when)))
        .order_by(*order).tuples())]
    found: list[Any] = []
    for start in range(0, len(candidates), PAGE):
        page = candidates[start:start + PAGE]
        found.extend(visible_contacts(user).where(Contact.id.in_(page) & (Customer.owner == user.id))
                     .order_by(*order).limit(limit - len(found)))
        if len(found) >= limit:
            break
    pairs = [(contact, when[contact.birthday_md]) for contact in found]
    pairs.sort(key=lambda pair: (pair[1], pair[0].name))
    return pairs


def birthdays_data(kernel: Any, user: Any, settings: dict[str, Any]) -> dict[str, Any]:
    days = int(settings.get("days", 14))
    items = [
        {
            "title": f"{contact.name} · {contact.customer.name}",
            "url": url_for("contacts_pages.record", record_id=contact.id),
            "meta": day.strftime("%m-%d"),
        }
        for contact, day in my_upcoming_birthdays(user, days, limit=20)
    ]
    return {"kind": "list", "items": items, "empty": _("No birthdays in the next %(n)d days.", n=days)}


def my_mentions(user: Any, limit: int = 10) -> list[Any]:
    """The user's newest notifications about customers they may read (``notes.notifications_for``,
    whose rule probes each notification's own customer)."""
    from plugins.customers.notes import notifications_for

    return notifications_for(user, limit=limit)


def mentions_data(kernel: Any, user: Any, settings: dict[str, Any]) -> dict[str, Any]:
    items = [
        {
            "title": n.customer.name,
            "text": n.text[:120],
            "highlight": n.read_at is None,
            "url": url_for("customers_pages.record", record_id=n.customer_id, tab="notes"),
            "meta": n.created_at.strftime("%m-%d %H:%M"),
        }
        for n in my_mentions(user, limit=10)
    ]
    return {
        "kind": "list",
        "items": items,
        "empty": _("Nobody has mentioned you."),
        "more_url": url_for("customers_more.notifications_page"),
    }


def widgets() -> list[Widget]:
    return [
        Widget(
            key="customers.birthdays",
            title="Upcoming birthdays",
            title_zh="近期生日",
            data=birthdays_data,
            size="small",
            module="customers",
            settings={"days": 14},
            permission=("contact", "read"),
        ),
        Widget(
            key="customers.mentions",
            title="Mentions of me",
            title_zh="@我的讨论",
            data=mentions_data,
            size="medium",
            module="customers",
            permission=("customer_note", "read"),
        ),
    ]
