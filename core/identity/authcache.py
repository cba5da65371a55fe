"""Who a token or session belongs to, remembered across requests.

Looking a bearer token up costs three queries through the ORM (token, user, role) on every
API request — more than a small list query itself. Here the answers are kept per tenant
(in the tenant's runtime, so dropping or reloading a tenant forgets them) and trusted only
while both hold:

- the tenant's :func:`~core.identity.audit.audit_stamp` over users, roles and tokens is
  unchanged. Every change that matters — a user deactivated, a role changed, a password
  changed or reset, a token created or revoked — is audited, in this process or any other,
  so a revoked token stops working on the very next request everywhere;
- the entry is younger than :data:`TTL` seconds, which bounds what a change made behind the
  application's back (by hand in the database) can outlive.

Every request gets fresh model instances: nothing cached is shared between threads.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable
from typing import Any

from flask import g

from core.identity.audit import audit_stamp
from core.identity.models import ApiToken, Role, User

WATCHED = ("user", "role", "api_token")
TTL = 10.0
MAX_ENTRIES = 5_000
_lock = threading.Lock()


def _store() -> dict[Any, Any]:
    return g.tenant.extra.setdefault("identity.authcache", {})


def _remembered(key: Any, load: Callable[[], Any]) -> Any:
    stamp = audit_stamp(WATCHED)
    now = time.monotonic()
    store = _store()
    hit = store.get(key)
    if hit is not None and hit[0] > now and hit[1] == stamp:
        return hit[2]
    value = load()
    with _lock:
        if len(store) >= MAX_ENTRIES:
            store.clear()
        store[key] = (now + TTL, stamp, value)
    return value


def _fresh(model: type, data: dict[str, Any]) -> Any:
    """A clean instance of ``model`` from its column values, as a query would have made it."""
    instance = model(__no_default__=1, **data)
    instance._dirty.clear()
    return instance


def user_by_id(user_id: Any) -> User | None:
    """The user with this id (any state) with their role loaded; None when there is none."""
    if isinstance(user_id, bool) or not isinstance(user_id, int):
        return None

    def load() -> tuple[dict[str, Any], dict[str, Any]] | None:
        user = User.select(User, Role).join(Role).where(User.id == user_id).first()
        return None if user is None else (dict(user.__data__), dict(user.role.__data__))

    found = _remembered(("user", user_id), load)
    if found is None:
        return None
    user = _fresh(User, found[0])
    user.role = _fresh(Role, found[1])
    user._dirty.clear()
    return user


def token_owner(token_hash: str) -> tuple[int, int, dt.datetime | None, dt.datetime | None] | None:
    """``(token id, user id, expires_at, revoked_at)`` of the token with this hash, or None."""

    def load() -> tuple[int, int, dt.datetime | None, dt.datetime | None] | None:
        row = (
            ApiToken.select(ApiToken.id, ApiToken.user, ApiToken.expires_at, ApiToken.revoked_at)
            .where(ApiToken.token_hash == token_hash)
            .tuples()
            .first()
        )
        return None if row is None else tuple(row)  # type: ignore[return-value]

    return _remembered(("token", token_hash), load)


def last_use_due(token_id: int, now: dt.datetime, resolution: dt.timedelta) -> bool:
    """Whether this process should write the token's ``last_used_at`` now (at most once per
    ``resolution`` per token and process, so busy clients do not write on every request)."""
    written = g.tenant.extra.setdefault("identity.token_use", {})
    with _lock:
        last = written.get(token_id)
        if last is not None and now - last < resolution:
            return False
        written[token_id] = now
    return True
