"""The pool's, collaborators' and leads' record rules, in both forms the permission engine needs:
one record (hook ``crm_permission_check``) and a query (hook ``crm_permission_filter``).

- customer, read/export: collaborators (in force) may; read: a customer with no owner may be
  read by whoever may see its pool;
- customer, write: "write" collaborators may;
- followup: only where the customer is readable (a veto otherwise); changed and deleted by
  its author (or an admin);
- lead: read of a lead with no owner (the lead pool) is open to every role that may read leads.

Answers are True (allow) or None (abstain) except the follow-up vetoes: the core's access
rights still veto a role that lacks the action altogether.
"""

from __future__ import annotations

from typing import Any

import peewee
from peewee import fn

from core.contrib import RowFilter
from core.identity import permissions
from core.identity.models import User
from plugins.customers import collaborators
from plugins.customers.followups_models import Followup
from plugins.customers.leads_models import Lead
from plugins.customers.models import Customer
from plugins.customers.pool import home_pool, in_visible_pools_condition, visible_pool_ids

SHARED_ACTIONS = {"read": False, "export": False, "write": True}


def _id(record: Any, name: str = "id") -> Any:
    return record.get(name) if isinstance(record, dict) else getattr(record, name, None)


def check(user: User | None, action: str, entity: str, record: Any) -> bool | None:
    if user is None or record is None:
        return None
    if entity == "customer":
        return _check_customer(user, action, record)
    if entity == "followup":
        return _check_followup(user, action, record)
    if entity == "lead":
        return True if action == "read" and _id(record, "owner_id") is None else None
    return None


def _check_customer(user: User, action: str, record: Any) -> bool | None:
    if action not in SHARED_ACTIONS:
        return None
    customer_id = _id(record)
    if customer_id is None:
        return None
    access = collaborators.access_of(user, customer_id)
    if access is not None and (access == "write" or not SHARED_ACTIONS[action]):
        return True
    if action == "read" and _id(record, "owner_id") is None and isinstance(record, Customer):
        pool = home_pool(record)
        if pool is not None and pool.id in visible_pool_ids(user):
            return True
    return None


def _check_followup(user: User, action: str, record: Any) -> bool | None:
    customer = Customer.live().where(Customer.id == _id(record, "customer_id")).get_or_none()
    if customer is None or not permissions.can(user, "read", "customer", customer):
        return False
    if action in ("write", "delete") and not user.is_admin and _id(record, "author_id") != user.id:
        return False
    return None


def row_filter(user: User | None, action: str, entity: str, model: Any) -> RowFilter | None:
    if user is None:
        return None
    if entity == "customer" and model is Customer and action in SHARED_ACTIONS:
        allow = Customer.id.in_(collaborators.shared_with(user, write=SHARED_ACTIONS[action]))
        if action == "read":
            allow = allow | in_visible_pools_condition(user)
        return RowFilter(allow=allow)
    if entity == "followup" and model is Followup:
        # correlated on the follow-up's own customer, as the contact rule (see access.py)
        own_customer = Customer.select(peewee.SQL("1")).where(Customer.id == Followup.customer)
        restrict = fn.EXISTS(permissions.visible(own_customer, user, "customer", Customer))
        if action in ("write", "delete") and not user.is_admin:
            restrict = restrict & (Followup.author == user.id)
        return RowFilter(restrict=restrict)
    if entity == "lead" and model is Lead and action == "read":
        return RowFilter(allow=Lead.owner.is_null())
    return None
