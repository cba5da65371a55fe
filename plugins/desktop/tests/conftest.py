"""Helpers for the desktop's tests: people with API tokens, and the test plugins' references."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

DESKTOP = "plugins.desktop:plugin"
WIDGETLAB = "plugins.desktop.tests.widgetlab:plugin"
OTHERLAB = "plugins.desktop.tests.otherlab:plugin"
CRASHLAB = "plugins.desktop.tests.crashlab:plugin"
LAB = (DESKTOP, WIDGETLAB, OTHERLAB, CRASHLAB)


@dataclass
class Person:
    """A user of one tenant who calls the API with a bearer token."""

    client: Any
    tenant: str
    token: str
    id: int
    username: str

    def url(self, path: str) -> str:
        return f"/t/{self.tenant}{path}"

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}", "Accept": "application/json"}

    def get(self, path: str, **kw: Any) -> Any:
        return self.client.get(self.url(path), headers=self._headers(), **kw)

    def put(self, path: str, json: Any = None, **kw: Any) -> Any:
        return self.client.put(self.url(path), headers=self._headers(), json=json, **kw)

    def post(self, path: str, json: Any = None, **kw: Any) -> Any:
        return self.client.post(self.url(path), headers=self._headers(), json=json, **kw)

    def patch(self, path: str, json: Any = None, **kw: Any) -> Any:
        return self.client.patch(self.url(path), headers=self._headers(), json=json, **kw)

    def delete(self, path: str, **kw: Any) -> Any:
        return self.client.delete(self.url(path), headers=self._headers(), **kw)

    def api(self, path: str) -> str:
        return f"/api/v1/desktop{path}"


@pytest.fixture
def person(kernel, client) -> Callable[..., Person]:
    """``person(tenant, "li", role="sales")`` creates a user with a token in that tenant."""
    from core.identity.services import create_user
    from core.identity.tokens import create_token

    def make(tenant: str, username: str, role: str = "sales", **fields: Any) -> Person:
        with kernel.tenant_context(tenant):
            user = create_user(username, "correct horse battery", role=role, **fields)
            _, raw = create_token(user)
        return Person(client=client, tenant=tenant, token=raw, id=user.id, username=username)

    return make


def login(client: Any, tenant: str, username: str, password: str = "correct horse battery") -> None:
    """Sign in through the login page, as a browser does (session cookie)."""
    page = client.get(f"/t/{tenant}/login")
    assert page.status_code == 200
    token = _csrf_from(page.get_data(as_text=True))
    done = client.post(f"/t/{tenant}/login", data={"username": username, "password": password,
                                                      "csrf_token": token})
    assert done.status_code in (302, 303), done.get_data(as_text=True)[:500]


def _csrf_from(html: str) -> str:
    import re

    match = re.search(r'name="csrf_token"\s+value="([^"]+)"', html) or re.search(
        r'name="csrf-token"\s+content="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)


csrf_from = _csrf_from
