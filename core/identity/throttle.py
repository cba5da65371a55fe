"""Login throttling: too many failures for one user name or one address → 429 for a while.

Failures are rows in the tenant's database (``core_login_attempt``), so the limit holds
across processes, threads and restarts. A correct password does not get through while the
limit holds, otherwise throttling would only slow a guesser down by one request.
"""

from __future__ import annotations

import datetime as dt

from flask import current_app

from core.identity.models import LoginAttempt, utcnow

DEFAULTS = {
    "XIETONG_LOGIN_MAX_FAILURES": 5,  # per user name
    "XIETONG_LOGIN_MAX_FAILURES_PER_ADDRESS": 20,  # one office shares one address
    "XIETONG_LOGIN_WINDOW_MINUTES": 15,
}


def _setting(key: str) -> int:
    return int(current_app.config.get(key, DEFAULTS[key]))


def _window() -> dt.timedelta:
    return dt.timedelta(minutes=_setting("XIETONG_LOGIN_WINDOW_MINUTES"))


def _key(username: str) -> str:
    return (username or "").strip().lower()[:150]


def retry_after(username: str, address: str) -> int:
    """Seconds until a login for ``username`` from ``address`` may be tried again (0: now)."""
    since = utcnow() - _window()
    waits = []
    for condition, limit in (
        (LoginAttempt.username == _key(username), _setting("XIETONG_LOGIN_MAX_FAILURES")),
        (LoginAttempt.address == (address or "")[:64], _setting("XIETONG_LOGIN_MAX_FAILURES_PER_ADDRESS")),
    ):
        query = LoginAttempt.select(LoginAttempt.at).where(condition & (LoginAttempt.at > since))
        count = query.count()
        if count >= limit:
            # The limit lifts when enough of the failures have left the window.
            oldest_counted = query.order_by(LoginAttempt.at.desc()).offset(limit - 1).limit(1).scalar()
            waits.append(int((oldest_counted + _window() - utcnow()).total_seconds()) + 1)
    return max(waits, default=0)


def record_failure(username: str, address: str) -> None:
    """Remember one failed login (and forget failures that have left every window)."""
    now = utcnow()
    LoginAttempt.delete().where(LoginAttempt.at < now - _window() * 2).execute()
    LoginAttempt.create(username=_key(username), address=(address or "")[:64], at=now)


def clear_failures(username: str) -> None:
    """A successful login forgets that user name's failures (not the address's others)."""
    LoginAttempt.delete().where(LoginAttempt.username == _key(username)).execute()
