"""A small sales company for the funnel's tests.

Departments: Sales (manager ``mia``, salespeople ``sam`` and ``sue``) and Channel (``cal``);
``boss`` is an admin, ``fin`` is finance. Each salesperson owns two customers.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from core.web.testing import make_user


@pytest.fixture
def world(kernel, tenant) -> SimpleNamespace:
    from core.identity.services import create_department
    from plugins.customers.models import Customer

    with kernel.tenant_context(tenant):
        sales = create_department("Sales")
        channel = create_department("Channel")
    people = {
        "boss": make_user(kernel, tenant, "boss", role="admin"),
        "mia": make_user(kernel, tenant, "mia", role="manager", department=sales.id),
        "sam": make_user(kernel, tenant, "sam", role="sales", department=sales.id),
        "sue": make_user(kernel, tenant, "sue", role="sales", department=sales.id),
        "cal": make_user(kernel, tenant, "cal", role="sales", department=channel.id),
        "fin": make_user(kernel, tenant, "fin", role="finance"),
    }
    customers = {}
    with kernel.tenant_context(tenant):
        for name in ("sam", "sue", "cal"):
            for n in (1, 2):
                # insert(): the funnel needs only the row (the customers plugin's search index
                # and other side tables are its own business).
                customer_id = Customer.insert(name=f"{name.title()} customer {n}", owner=people[name].id,
                                              region="广东").execute()
                customers[f"{name}{n}"] = Customer.get_by_id(customer_id)
    return SimpleNamespace(tenant=tenant, kernel=kernel, sales=sales, channel=channel,
                           customers=customers, **people)
