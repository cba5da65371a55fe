"""API tokens: shown once, stored only as a SHA-256 hash, revocable, optionally expiring.

A token lives in its tenant's database, so it can only ever authenticate there: presented to
any other tenant it matches nothing and the request is 401.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any

from core.identity import authcache
from core.identity.audit import audit
from core.identity.errors import IdentityError
from core.identity.models import ApiToken, User, utcnow

TOKEN_PREFIX = "xt_"
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)  # do not write on every request


def hash_token(raw: str) -> str:
    """The stored form of a token. Tokens are 256 random bits, so a fast hash is enough."""
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def create_token(user: User, name: str = "", expires_at: dt.datetime | None = None,
                 actor: User | None = None) -> tuple[ApiToken, str]:
    """Make a token for ``user``; returns the row and the token text (its only appearance)."""
    if not user.active:
        raise IdentityError(f"user {user.username!r} is inactive", field="user")
    if expires_at is not None:
        if expires_at.tzinfo is not None:
            try:
                expires_at = expires_at.astimezone(dt.UTC).replace(tzinfo=None)
            except OverflowError:
                raise IdentityError("the expiry time is out of range", field="expires_at") from None
        if expires_at <= utcnow():
            raise IdentityError("the expiry time is in the past", field="expires_at")
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.create(user=user, name=(name or "").strip()[:100], token_hash=hash_token(raw),
                            prefix=raw[:10], expires_at=expires_at)
    audit("create", "api_token", token.id,
          {"user": [None, user.username], "name": [None, token.name],
           "expires_at": [None, expires_at]}, actor)
    return token, raw


def revoke_token(token: ApiToken, actor: User | None = None) -> ApiToken:
    """Stop a token from working (kept, for the record); revoking twice changes nothing."""
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        token.save()
        audit("revoke", "api_token", token.id, {"revoked_at": [None, token.revoked_at]}, actor)
    return token


def user_for_token(raw: str) -> User | None:
    """The active user whose live token ``raw`` is, in the current tenant; else None."""
    if not raw.startswith(TOKEN_PREFIX) or len(raw) > 200:
        return None
    found = authcache.token_owner(hash_token(raw))
    if found is None:
        return None
    token_id, user_id, expires_at, revoked_at = found
    now = utcnow()
    if revoked_at is not None or (expires_at is not None and expires_at <= now):
        return None
    user = authcache.user_by_id(user_id)
    if user is None or not user.active:
        return None
    if authcache.last_use_due(token_id, now, LAST_USED_RESOLUTION):
        ApiToken.update(last_used_at=now).where(ApiToken.id == token_id).execute()
    return user


def token_dict(token: ApiToken, raw: str | None = None) -> dict[str, Any]:
    """The API form of a token; ``token`` (the secret) only when just created."""
    def iso(value: dt.datetime | None) -> str | None:
        return value.replace(tzinfo=dt.UTC).isoformat() if value else None

    data = {
        "id": token.id, "user_id": token.user_id, "name": token.name, "prefix": token.prefix,
        "created_at": iso(token.created_at), "expires_at": iso(token.expires_at),
        "revoked_at": iso(token.revoked_at), "last_used_at": iso(token.last_used_at),
    }
    if raw is not None:
        data["token"] = raw
    return data
