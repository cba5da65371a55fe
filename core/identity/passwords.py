"""Password hashing with argon2 (argon2-cffi's defaults, which follow RFC 9106)."""

from __future__ import annotations

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, has_app_context

from core.identity.errors import IdentityError

MIN_LENGTH = 8
MAX_LENGTH = 1024  # argon2 copes with any length; this only bounds the work per request
_strong = PasswordHasher()  # RFC 9106's low-memory profile: 64 MiB, 3 passes
# Apps built with TESTING=True hash with the cheapest parameters, so a test suite that creates
# hundreds of users does not spend minutes hashing. Production never sets TESTING.
_cheap = PasswordHasher.from_parameters(profiles.CHEAPEST)
# Verified against when the user does not exist, so a wrong user name costs as long as a
# wrong password and response times do not reveal which user names exist.
# Made on first use, so importing this module costs nothing.
_DUMMY: dict[int, str] = {}


def _hasher() -> PasswordHasher:
    return _cheap if has_app_context() and current_app.config.get("TESTING") else _strong


def check_policy(password: str) -> str:
    """Return ``password`` when it is acceptable, else raise IdentityError saying why."""
    if not isinstance(password, str) or len(password) < MIN_LENGTH:
        raise IdentityError(f"a password needs at least {MIN_LENGTH} characters", field="password")
    if len(password) > MAX_LENGTH:
        raise IdentityError(f"a password may have at most {MAX_LENGTH} characters", field="password")
    if not password.strip():
        raise IdentityError("a password cannot be only spaces", field="password")
    return password


def hash_password(password: str) -> str:
    """An argon2id hash of ``password`` after checking the policy."""
    return _hasher().hash(check_policy(password))


def verify_password(stored_hash: str | None, password: str) -> bool:
    """Whether ``password`` matches ``stored_hash``; an empty hash never matches."""
    if not password or len(password) > MAX_LENGTH:
        return False
    try:
        hasher = _hasher()
        if not stored_hash and id(hasher) not in _DUMMY:
            _DUMMY[id(hasher)] = hasher.hash("xietong-dummy-password")
        return hasher.verify(stored_hash or _DUMMY[id(hasher)], password) and bool(stored_hash)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    """Whether a hash was made with weaker parameters than today's (rehash on next login)."""
    try:
        return _hasher().check_needs_rehash(stored_hash)
    except InvalidHashError:
        return True
