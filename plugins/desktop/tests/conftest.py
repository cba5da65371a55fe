"""Helpers for the desktop's tests: people with API tokens, and the test plugins' references."""

from __future__ import annotations

from collections.abc import Callable, Iterator
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


def browser(client: Any, kernel: Any, who: Person) -> str:
    """Sign ``who`` in on ``client`` with a session cookie; returns the CSRF token."""
    from core.identity.models import User
    from core.web.testing import login

    with kernel.tenant_context(who.tenant):
        user = User.get_by_id(who.id)
    return login(client, who.tenant, user)


@pytest.fixture
def make_desktop_app(xietong_config) -> Iterator[Callable[[], Any]]:
    """Another app on the same installation (as another worker process would be)."""
    from core.app import create_app

    made: list[Any] = []

    def make() -> Any:
        application = create_app(dict(xietong_config))
        made.append(application)
        return application

    yield make
    for application in made:
        kernel = application.extensions["xietong"]
        for db in [*kernel._tenant_dbs.values(), kernel.control_db]:
            if not db.is_closed():
                db.close()
