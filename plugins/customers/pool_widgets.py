"""Desktop widgets: "customers about to return to the pool" and "follow-ups due today"."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import g

from core.contrib import Widget
from core.identity.models import User
from plugins.customers.followups import plans_due
from plugins.customers.models import Customer
from plugins.customers.pool_common import day_start, local_date, tenant_zone, utcnow
from plugins.customers.pool_i18n import tr
from plugins.customers.pool_models import PoolState

LIMIT = 10


def customer_url(customer_id: int) -> str:
    """The customer's page (the customers module's record page)."""
    return f"/t/{g.tenant.slug}/customers/{customer_id}"


def returning_data(kernel: Any, user: User, settings: dict[str, Any]) -> dict[str, Any]:
    """The user's customers whose owner was warned, soonest return first.

    The owner's customer ids come from the ``(owner, updated_at, id)`` index alone and probe the
    warned rows' own index (``customer, locked, warn_due``); only the few found read their
    customer's row (name, trash). Joined on the owner instead, every one of the owner's
    customers read its row first (20,000 for a sales person at a million customers)."""
    mine = Customer.select(Customer.id).where(Customer.owner == user.id)
    rows = (
        PoolState.select(PoolState.customer, PoolState.warn_due, Customer.name)
        .join(Customer, on=(PoolState.customer == Customer.id))
        .where(PoolState.customer.in_(mine) & Customer.deleted_at.is_null()
               & PoolState.warned_at.is_null(False) & (PoolState.locked == False))  # noqa: E712
        .order_by(PoolState.warn_due, PoolState.customer).limit(LIMIT).tuples()
    )
    today = local_date(utcnow())
    items = []
    for customer_id, warn_due, name in rows:
        due = local_date(warn_due) if warn_due else today
        items.append({
            "title": name, "url": customer_url(customer_id),
            "meta": due.isoformat(), "highlight": due <= today,
            "badge": tr("returns today", "今天回收") if due <= today else "",
            "text": tr("Follow it up to keep it", "跟进后可保留"),
        })
    return {"kind": "list", "items": items, "more_url": f"/t/{g.tenant.slug}/followups/",
            "empty": tr("No customer is about to return to the pool.", "暂无即将退回公海的客户。")}


def due_today_data(kernel: Any, user: User, settings: dict[str, Any]) -> dict[str, Any]:
    """The user's planned follow-ups due today, and overdue ones first."""
    now = utcnow()
    plans = plans_due(user, now)[:LIMIT]
    names = dict(Customer.select(Customer.id, Customer.name).where(
        Customer.id.in_([p.customer_id for p in plans])).tuples()) if plans else {}
    start = day_start(now)
    items = [{
        "title": names.get(p.customer_id, f"#{p.customer_id}"), "url": customer_url(p.customer_id),
        "meta": local_date(p.due_at).isoformat() if p.due_at < start else _time(p.due_at),
        "badge": tr("overdue", "已逾期") if p.due_at < start else "", "highlight": p.due_at < start,
        "text": p.note,
    } for p in plans]
    return {"kind": "list", "items": items, "more_url": f"/t/{g.tenant.slug}/followups/",
            "empty": tr("No follow-up is due today.", "今天没有待跟进的客户。")}


def _time(moment: Any) -> str:
    return moment.replace(tzinfo=dt.UTC).astimezone(tenant_zone()).strftime("%H:%M")


def widgets() -> list[Widget]:
    return [
        Widget(key="customers.pool_returning", title="Customers about to return to the pool",
               title_zh="即将退回公海的客户", data=returning_data, size="medium",
               permission=("customer", "read"),
               settings={"cache_seconds": 60, "default_roles": ["sales", "manager"]}),
        Widget(key="customers.followups_today", title="Follow-ups due today", title_zh="今日待跟进",
               data=due_today_data, size="medium", permission=("followup", "read"),
               settings={"cache_seconds": 60, "default_roles": ["sales", "manager"]}),
    ]
