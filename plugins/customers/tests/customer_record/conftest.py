"""A small company for the customer record's tests (every test runs on SQLite and PostgreSQL).

Departments: Sales (manager ``mia``; salespeople ``sam`` and ``sue``) and Channel (``cal``);
``boss`` is an admin, ``fin`` is finance. ``w.h[name]`` are API headers per user;
``w.make(owner, name, **fields)`` creates a customer through the services.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from types import SimpleNamespace
from typing import Any

import pytest
from flask import g

from core.web.testing import bearer, make_user

PEOPLE = (
    ("boss", "admin", None),
    ("mia", "manager", "Sales"),
    ("sam", "sales", "Sales"),
    ("sue", "sales", "Sales"),
    ("cal", "sales", "Channel"),
    ("fin", "finance", None),
)


class World(SimpleNamespace):
    @contextmanager
    def acting(self, name: str) -> Iterator[Any]:
        """Inside the tenant, as user ``name`` (g.user set, as a request would)."""
        from core.identity.models import User
        from core.identity.permissions import forget_cache

        with self.kernel.tenant_context(self.tenant):
            g.user = User.get_by_id(self.users[name].id)
            forget_cache()
            yield g.user

    def make(self, owner: str, name: str, by: str = "boss", **fields: Any) -> Any:
        from plugins.customers import services

        with self.acting(by) as actor:
            return services.create_customer(actor, {"name": name, "owner_id": self.users[owner].id, **fields})

    def url(self, path: str) -> str:
        return f"/t/{self.tenant}/api/v1{path}"

    def page(self, path: str) -> str:
        return f"/t/{self.tenant}{path}"


@pytest.fixture
def world(kernel, tenant, client) -> World:
    from core.identity.services import create_department

    with kernel.tenant_context(tenant):
        departments = {"Sales": create_department("Sales").id, "Channel": create_department("Channel").id}
    users = {
        name: make_user(
            kernel, tenant, name, role=role, department=departments.get(dept), display_name=name.title()
        )
        for name, role, dept in PEOPLE
    }
    headers = {name: bearer(kernel, tenant, user) for name, user in users.items()}
    return World(kernel=kernel, tenant=tenant, client=client, users=users, h=headers, departments=departments)


def names(response: Any) -> list[str]:
    """The customer or contact names of a list answer."""
    assert response.status_code == 200, response.get_data(as_text=True)
    return [item["name"] for item in response.get_json()["items"]]
