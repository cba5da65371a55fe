"""Test helpers for pages and API endpoints (for the core's tests and plugin authors').

Use with the fixtures of :mod:`core.testing` (``app``, ``kernel``, ``tenant``, ``client``)::

    user = make_user(kernel, tenant, "alice", role="sales")
    csrf = login(client, tenant, user)           # a signed-in browser session
    headers = bearer(kernel, tenant, user)       # or an API token
"""

from __future__ import annotations

from typing import Any

CSRF_VALUE = "test-csrf-token"


def make_user(kernel: Any, tenant: str, username: str, role: str = "admin", department: Any = None,
              **fields: Any) -> Any:
    """Create a user in ``tenant`` through the identity service (no password: sign in by session)."""
    from core.identity.services import create_user

    with kernel.tenant_context(tenant):
        return create_user(username, role=role, department=department, **fields)


def login(client: Any, tenant: str, user: Any) -> str:
    """Bind ``client``'s session to ``user`` in ``tenant`` as the login page does; returns the
    CSRF token to send with forms (field ``csrf_token``) or as header ``X-CSRF-Token``."""
    from core.identity.auth import CSRF_KEY, SESSION_KEY

    with client.session_transaction() as session:
        bound = dict(session.get(SESSION_KEY) or {})
        bound[tenant] = [user.id, user.session_epoch]
        session[SESSION_KEY] = bound
        session[CSRF_KEY] = CSRF_VALUE
    return CSRF_VALUE


def bearer(kernel: Any, tenant: str, user: Any) -> dict[str, str]:
    """An ``Authorization`` header with a fresh API token of ``user``."""
    from core.identity.models import User
    from core.identity.tokens import create_token

    with kernel.tenant_context(tenant):
        _, raw = create_token(User.get_by_id(user.id))
    return {"Authorization": f"Bearer {raw}"}
