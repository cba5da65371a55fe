"""Fixtures for the identity tests: an organisation with departments, users, tokens and records.

The departments form a tree::

    HQ ── Sales ── East        Finance        West

``boss`` is a manager in Sales (sees Sales and East), ``sam`` is in sales in East, ``sue`` in
sales in Sales, ``wes`` in sales in West, ``fiona`` in finance, ``ada`` the admin in HQ.
"""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest

IDTEST = "tests.identity.plugins.idtest:plugin"
PASSWORD = "correct horse battery"
PEOPLE = {  # username: (role, department)
    "ada": ("admin", "HQ"),
    "boss": ("manager", "Sales"),
    "sue": ("sales", "Sales"),
    "sam": ("sales", "East"),
    "wes": ("sales", "West"),
    "fiona": ("finance", "Finance"),
}
CONTACTS = {  # name: (owner, phone, email)
    "c-ada": ("ada", "13800000001", "ada@example.com"),
    "c-boss": ("boss", "13800000002", "boss@example.com"),
    "c-sue": ("sue", "13800000003", "sue@example.com"),
    "c-sam": ("sam", "13812345678", "sam@example.com"),
    "c-wes": ("wes", "13800000005", "wes@example.com"),
}


class Api:
    """A JSON client for one tenant and one bearer token (or a browser session: token None)."""

    def __init__(self, client: Any, slug: str, token: str | None = None, csrf: str | None = None):
        self.client, self.slug, self.token, self.csrf = client, slug, token, csrf

    def __call__(self, method: str, path: str, json: Any = None, headers: dict | None = None) -> Any:
        headers = dict(headers or {})
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        if self.csrf:
            headers["X-CSRF-Token"] = self.csrf
        url = f"/t/{self.slug}/api/v1{path}"
        return self.client.open(url, method=method, json=json, headers=headers)

    def get(self, path: str, **kw: Any) -> Any:
        return self("GET", path, **kw)

    def post(self, path: str, json: Any = None, **kw: Any) -> Any:
        return self("POST", path, json=json, **kw)

    def patch(self, path: str, json: Any = None, **kw: Any) -> Any:
        return self("PATCH", path, json=json, **kw)

    def put(self, path: str, json: Any = None, **kw: Any) -> Any:
        return self("PUT", path, json=json, **kw)

    def delete(self, path: str, **kw: Any) -> Any:
        return self("DELETE", path, **kw)


def prefer_english(client: Any) -> None:
    """Show ``client`` the English pages (tenants default to Chinese), as the language switch does."""
    from core.web.i18n import SESSION_LANGUAGE

    with client.session_transaction() as session:
        session[SESSION_LANGUAGE] = "en"


def sign_in(client: Any, slug: str, user: Any) -> str:
    """Give ``client`` an English session for ``user`` in tenant ``slug``; returns its CSRF token."""
    from core.web.testing import login

    prefer_english(client)
    return login(client, slug, user)


def build_org(kernel: Any, slug: str, extra_contacts: int = 0) -> SimpleNamespace:
    """Departments, users (with a token each), contacts and memos in tenant ``slug``."""
    from core.identity import services, tokens
    from tests.identity.plugins.idtest.models import IdContact, IdMemo

    org = SimpleNamespace(slug=slug, users={}, tokens={}, depts={}, contacts={}, memos={})
    with kernel.tenant_context(slug):
        hq = services.create_department("HQ")
        sales = services.create_department("Sales", parent=hq)
        org.depts = {"HQ": hq, "Sales": sales, "East": services.create_department("East", parent=sales),
                     "Finance": services.create_department("Finance"),
                     "West": services.create_department("West")}
        for name, (role, dept) in PEOPLE.items():
            user = services.create_user(name, PASSWORD, role=role, department=org.depts[dept])
            org.users[name] = user
            org.tokens[name] = tokens.create_token(user, "tests")[1]
        for name, (owner, phone, email) in CONTACTS.items():
            org.contacts[name] = IdContact.create(name=name, phone=phone, email=email,
                                                  owner=org.users[owner])
        for index in range(extra_contacts):
            IdContact.create(name=f"filler-{index}", owner=org.users["ada"])
        org.memos["m-1"] = IdMemo.create(title="m-1", body="first memo")
    return org


@pytest.fixture
def org(kernel, tenant) -> SimpleNamespace:
    return build_org(kernel, tenant)


@pytest.fixture
def api_as(client, org) -> Callable[[str], Api]:
    """``api_as("sam")`` is a JSON client carrying sam's token."""
    return lambda name: Api(client, org.slug, org.tokens[name])


@pytest.fixture
def in_tenant(kernel, org):
    """``with in_tenant(): ...`` works inside the org's tenant (fresh permission cache)."""
    from contextlib import contextmanager

    @contextmanager
    def enter():
        with kernel.tenant_context(org.slug) as runtime:
            yield runtime

    return enter


def audit_rows(kernel: Any, slug: str, **where: Any) -> list[Any]:
    """Audit entries of tenant ``slug`` matching ``where`` (column=value), oldest first."""
    from core.identity.models import AuditEntry

    with kernel.tenant_context(slug):
        query = AuditEntry.select().order_by(AuditEntry.id)
        for name, value in where.items():
            query = query.where(getattr(AuditEntry, name) == value)
        return list(query)
