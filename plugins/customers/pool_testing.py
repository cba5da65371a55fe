"""Test support for the pool, follow-up, collaborator and lead tests.

People are made through the identity services and get the rights a fresh tenant seeds for
their built-in role, so the tests exercise the same permission path as production. Use the
functions inside ``kernel.tenant_context(slug)``.
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

from flask import g

from core.identity import permissions
from core.identity.models import User
from core.identity.services import create_department, create_user
from plugins.customers import pool as pools
from plugins.customers.models import Customer
from plugins.customers.pool_common import utcnow


def fresh() -> None:
    """Forget the per-request caches (rights, pools), as a new request would."""
    permissions.forget_cache()
    pools.forget_cache()


def team() -> SimpleNamespace:
    """Departments Sales → East and North, Service; an admin, a sales manager over Sales,
    two salespeople in East, one in North, one in Service and a finance user."""
    sales = create_department("Sales")
    east = create_department("East", parent=sales)
    north = create_department("North", parent=sales)
    service = create_department("Service")
    people = SimpleNamespace(sales=sales, east=east, north=north, service=service)
    people.boss = create_user("boss", role="admin", display_name="Boss")
    people.mgr = create_user("mgr", role="manager", department=sales, display_name="Manager")
    people.east1 = create_user("east1", role="sales", department=east, display_name="East One")
    people.east2 = create_user("east2", role="sales", department=east, display_name="East Two")
    people.north1 = create_user("north1", role="sales", department=north, display_name="North One")
    people.service1 = create_user("service1", role="sales", department=service, display_name="Service One")
    people.fin = create_user("fin", role="finance", display_name="Finance")
    fresh()
    return people


def act_as(user: User) -> User:
    """Make ``user`` the current user (``g.user``), as a signed-in request would."""
    g.user = user
    fresh()
    return user


def customer(name: str, owner: User | None = None, created_at: dt.datetime | None = None,
             **fields: Any) -> Customer:
    moment = created_at or utcnow()
    return Customer.create(name=name, owner=owner, created_at=moment, updated_at=moment, **fields)


def bulk_customers(rows: list[dict[str, Any]], batch: int = 500) -> None:
    """Insert many customers at once (``name``, ``owner``, ``created_at`` … per row)."""
    for start in range(0, len(rows), batch):
        chunk = []
        for row in rows[start:start + batch]:
            moment = row.get("created_at") or utcnow()
            chunk.append({"updated_at": moment, "created_at": moment, "version": 1, "custom": {}, **row})
        Customer.insert_many(chunk).execute()
