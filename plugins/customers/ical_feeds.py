"""Per-user secret iCalendar subscription URLs: create (replacing the old one), revoke, resolve.

Only the token's SHA-256 is stored; the URL is shown once, when it is made. A calendar client
fetching ``/t/<tenant>/api/v1/schedule.ics?key=<token>`` gets the user's schedule; a revoked or
replaced token gets 404.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from core.identity.models import User
from plugins.customers import schedule_time as times
from plugins.customers.schedule_models import CalendarFeed


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_feed(user: User) -> str:
    """A new secret token for ``user`` (any earlier one stops working)."""
    token = "cal_" + secrets.token_urlsafe(32)
    CalendarFeed.delete().where(CalendarFeed.user == user.id).execute()
    CalendarFeed.create(user=user.id, token_hash=_hash(token), prefix=token[:10])
    return token


def revoke_feed(user: User) -> bool:
    return bool(CalendarFeed.update(revoked_at=times.now()).where(
        (CalendarFeed.user == user.id) & CalendarFeed.revoked_at.is_null()).execute())


def feed_of(user: User) -> CalendarFeed | None:
    return CalendarFeed.get_or_none((CalendarFeed.user == user.id) & CalendarFeed.revoked_at.is_null())


def user_for_feed(token: str | None) -> User | None:
    """The active user whose live feed token is ``token``, else None."""
    if not token or not isinstance(token, str) or len(token) > 200:
        return None
    digest = _hash(token)
    feed = CalendarFeed.get_or_none(CalendarFeed.token_hash == digest)
    if feed is None or feed.revoked_at is not None or not hmac.compare_digest(feed.token_hash, digest):
        return None
    user = User.get_or_none(User.id == feed.user_id)
    return user if user is not None and user.active else None
