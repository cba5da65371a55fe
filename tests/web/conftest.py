"""Fixtures for the UI and API framework tests: an app with the gadgets test module and users."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from core.web.testing import bearer, login, make_user

GADGETS = "tests.web.plugins.gadgets:plugin"


@pytest.fixture
def site(app, kernel, tenant, client) -> SimpleNamespace:
    """A tenant with an admin, a manager and two sales users, each with an API token."""
    from core.identity.services import create_department

    with kernel.tenant_context(tenant):
        sales_dept = create_department("Sales")
    users = {
        "admin": make_user(kernel, tenant, "boss", role="admin"),
        "manager": make_user(kernel, tenant, "mia", role="manager", department=sales_dept.id),
        "sales": make_user(kernel, tenant, "sam", role="sales", department=sales_dept.id),
        "sales2": make_user(kernel, tenant, "sue", role="sales", department=sales_dept.id),
    }
    headers = {name: bearer(kernel, tenant, user) for name, user in users.items()}
    return SimpleNamespace(
        slug=tenant,
        kernel=kernel,
        app=app,
        client=client,
        users=users,
        headers=headers,
        api=f"/t/{tenant}/api/v1",
        web=f"/t/{tenant}",
    )


def create_gadget(site: SimpleNamespace, as_user: str = "admin", **values: Any) -> dict[str, Any]:
    """Create a gadget through the API and return its JSON."""
    values.setdefault("name", "Gadget")
    response = site.client.post(f"{site.api}/gadgets", json=values, headers=site.headers[as_user])
    assert response.status_code == 201, response.json
    return response.json


def sign_in(site: SimpleNamespace, who: str = "admin") -> str:
    """Sign the test client in as ``who``; returns the CSRF token for forms."""
    return login(site.client, site.slug, site.users[who])


def in_tenant(site: SimpleNamespace):
    return site.kernel.tenant_context(site.slug)
