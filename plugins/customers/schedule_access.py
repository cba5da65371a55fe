"""Sharing rules of schedule items and activities (hooks ``crm_permission_check`` and
``crm_permission_filter``; both forms are kept consistent and tested on every path).

- A schedule item is readable, beyond the owner-based record rule, by its attendees and by
  everyone who may read its customer: the customer's schedule is its history.
- An activity is readable only where its customer is (a veto otherwise).
"""

from __future__ import annotations

from typing import Any

from core.contrib import RowFilter
from core.identity.permissions import can, visible
from plugins.customers.activities_models import Activity
from plugins.customers.models import Customer
from plugins.customers.schedule_models import ScheduleAttendee, ScheduleItem


def _visible_customers(user: Any) -> Any:
    live = Customer.select(Customer.id).where(Customer.deleted_at.is_null())
    return visible(live, user, "customer", Customer)


def permission_filter(user: Any, action: str, entity: str, model: Any) -> RowFilter | None:
    if user is None:
        return None
    if entity == "schedule_item" and action == "read":
        attending = ScheduleAttendee.select(ScheduleAttendee.item).where(ScheduleAttendee.user == user.id)
        return RowFilter(allow=ScheduleItem.id.in_(attending)
                         | ScheduleItem.customer.in_(_visible_customers(user)))
    if entity == "activity":
        return RowFilter(restrict=Activity.customer.in_(_visible_customers(user)))
    return None


def permission_check(user: Any, action: str, entity: str, record: Any) -> bool | None:
    if user is None or record is None:
        return None
    if entity == "schedule_item" and action == "read":
        if ScheduleAttendee.select().where((ScheduleAttendee.item == record.id)
                                           & (ScheduleAttendee.user == user.id)).exists():
            return True
        customer = _customer(record.customer_id)
        return True if customer is not None and can(user, "read", "customer", customer) else None
    if entity == "activity":
        customer = _customer(record.customer_id)
        return None if customer is not None and can(user, "read", "customer", customer) else False
    return None


def _customer(customer_id: int | None) -> Customer | None:
    if customer_id is None:
        return None
    return Customer.get_or_none((Customer.id == customer_id) & Customer.deleted_at.is_null())
