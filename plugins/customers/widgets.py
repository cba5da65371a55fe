"""Desktop widgets of the customers module: upcoming birthdays of my contacts, and the
notes that mention me (docs/desktop.md's "list" kind)."""

from __future__ import annotations

from typing import Any

from flask import url_for
from flask_babel import gettext as _

from core.contrib import Widget


def birthdays_data(kernel: Any, user: Any, settings: dict[str, Any]) -> dict[str, Any]:
    from plugins.customers.services import upcoming_birthdays

    days = int(settings.get("days", 14))
    items = [
        {
            "title": f"{contact.name} · {contact.customer.name}",
            "url": url_for("contacts_pages.record", record_id=contact.id),
            "meta": day.strftime("%m-%d"),
        }
        for contact, day in upcoming_birthdays(user, days, limit=20)
    ]
    return {"kind": "list", "items": items, "empty": _("No birthdays in the next %(n)d days.", n=days)}


def mentions_data(kernel: Any, user: Any, settings: dict[str, Any]) -> dict[str, Any]:
    from plugins.customers.notes import notifications_for

    items = [
        {
            "title": n.customer.name,
            "text": n.text[:120],
            "highlight": n.read_at is None,
            "url": url_for("customers_pages.record", record_id=n.customer_id, tab="notes"),
            "meta": n.created_at.strftime("%m-%d %H:%M"),
        }
        for n in notifications_for(user, limit=10)
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
