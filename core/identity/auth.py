"""Who is asking: session cookies, bearer tokens, CSRF, and the guard on every tenant request.

Every request under ``/t/<tenant>/`` is denied unless it is signed in — by a session cookie
bound to that tenant and to the user's ``session_epoch``, or by an API token stored in that
tenant's database — or its view is marked :func:`public`. Denied API requests get 401 in the
contract's error shape; denied pages are sent to the login page. Secure by default, so a new
page that forgets a decorator is still protected.

Every state-changing request that is not authenticated by a bearer token must carry the
session's CSRF token (form field ``csrf_token`` or header ``X-CSRF-Token``): missing → 400,
wrong → 403. Bearer requests are exempt because browsers never add that header on their own.
"""

from __future__ import annotations

import functools
import hmac
import secrets
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import quote

from flask import Flask, abort, current_app, g, redirect, request, session
from flask.sessions import SecureCookieSessionInterface

from core.errors import error_response
from core.identity import authcache
from core.identity.models import User
from core.identity.text import is_zh
from core.identity.tokens import user_for_token

F = TypeVar("F", bound=Callable[..., Any])

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
SESSION_KEY = "auth"  # {tenant slug: [user id, session epoch]}
CSRF_KEY = "csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"


def public(view: F) -> F:
    """Let anonymous visitors reach ``view`` (login page, health checks). Use sparingly."""
    view._xietong_public = True  # type: ignore[attr-defined]
    return view


def csrf_exempt(view: F) -> F:
    """Skip the CSRF check for ``view`` — only for endpoints that authenticate themselves
    (signed webhook receivers); never for anything a browser session can reach."""
    view._xietong_csrf_exempt = True  # type: ignore[attr-defined]
    return view


def current_user() -> User | None:
    """The signed-in user of this request (None when anonymous or outside a request)."""
    return g.get("user")


def login_required(view: F) -> F:
    """Redirect anonymous visitors of a page to the tenant's login page (with ``next``).

    The guard in :func:`init_app` already does this for every non-public tenant page; the
    decorator makes the requirement visible where it matters and also works outside it.
    """

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if current_user() is None:
            return _to_login()
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def admin_required(view: F) -> F:
    """Only admins of the tenant may use ``view`` (403 for other signed-in users)."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        user = current_user()
        if user is None:
            return _to_login()
        if not user.is_admin:
            abort(403, description="only administrators may do this")
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


# -- CSRF ------------------------------------------------------------------------------------


def csrf_token() -> str:
    """The session's CSRF token (created on first use); put it in every form."""
    token = session.get(CSRF_KEY)
    if not token:
        token = session[CSRF_KEY] = secrets.token_urlsafe(32)
    return token


def _check_csrf() -> None:
    sent = request.headers.get(CSRF_HEADER) or request.form.get(CSRF_FIELD)
    if not sent:
        abort(400, description="CSRF token missing: reload the page and try again")
    expected = session.get(CSRF_KEY)
    if not expected or not hmac.compare_digest(str(sent), str(expected)):
        abort(403, description="CSRF token invalid: reload the page and try again")


# -- sessions --------------------------------------------------------------------------------


def login_session(user: User) -> None:
    """Bind the session cookie to ``user`` in the current tenant; rotate the CSRF token."""
    bound = dict(session.get(SESSION_KEY) or {})
    bound[g.tenant.slug] = [user.id, user.session_epoch]
    session[SESSION_KEY] = bound
    session[CSRF_KEY] = secrets.token_urlsafe(32)
    g.user = user


def logout_session() -> None:
    """Forget the current tenant's sign-in (other tenants' sign-ins in this browser stay)."""
    bound = dict(session.get(SESSION_KEY) or {})
    bound.pop(g.tenant.slug, None)
    session[SESSION_KEY] = bound
    session[CSRF_KEY] = secrets.token_urlsafe(32)
    g.user = None


def _user_from_session() -> User | None:
    entry = (session.get(SESSION_KEY) or {}).get(g.tenant.slug)
    if not isinstance(entry, list) or len(entry) != 2:
        return None
    user_id, epoch = entry
    user = authcache.user_by_id(user_id)
    if user is None or not user.active or user.session_epoch != epoch:
        return None
    return user


# -- the guard -------------------------------------------------------------------------------


def is_api_request() -> bool:
    """Whether this request is for the tenant's JSON API (``/t/<tenant>/api/...``)."""
    tenant = g.get("tenant")
    return tenant is not None and request.path.startswith(f"/t/{tenant.slug}/api/")


def _view_flag(name: str) -> bool:
    endpoint = request.endpoint or ""
    if name == "_xietong_public" and (endpoint == "static" or endpoint.endswith(".static")):
        return True  # a blueprint's static files (CSS for the login page) are not data
    view = current_app.view_functions.get(endpoint)
    return bool(getattr(view, name, False) or getattr(getattr(view, "view_class", None), name, False))


def _to_login():
    target = request.full_path if request.query_string else request.path
    return redirect(f"/t/{g.tenant.slug}/login?next={quote(target, safe='/')}")


def _unauthorized(message: str):
    response, status = error_response(401, message)
    response.headers["WWW-Authenticate"] = 'Bearer realm="xietong"'
    return response, status


def _carries_nul() -> bool:
    """Whether the path, query or a text body holds a NUL character, which PostgreSQL cannot
    store or compare (psycopg2 raises instead of finding nothing). Uploads are not looked at."""
    if "\x00" in request.path or b"%00" in request.query_string or b"\x00" in request.query_string:
        return True
    if request.mimetype == "application/json":
        body = request.get_data(cache=True)
        return b"\x00" in body or b"\\u0000" in body.lower()
    if request.mimetype == "application/x-www-form-urlencoded":
        return any("\x00" in value for value in request.form.values())
    return False


def authenticate() -> Any:
    """The before-request guard for tenant requests (see the module docstring)."""
    g.user = None
    g.auth_method = None
    if g.get("tenant") is None or request.endpoint is None:
        return None
    if _carries_nul():
        abort(400, description="text may not contain NUL characters")
    header = request.headers.get("Authorization", "")
    if header:
        scheme, _, raw = header.partition(" ")
        if scheme.lower() != "bearer" or not raw.strip():
            return _unauthorized("use 'Authorization: Bearer <token>'")
        user = user_for_token(raw.strip())
        if user is None:
            return _unauthorized("invalid, expired or revoked token")
        g.user, g.auth_method = user, "token"
    else:
        user = _user_from_session()
        if user is not None:
            g.user, g.auth_method = user, "session"
    if g.user is None and not _view_flag("_xietong_public"):
        if is_api_request():
            return _unauthorized("sign in or send 'Authorization: Bearer <token>'")
        if request.method in SAFE_METHODS:
            return _to_login()
        abort(401, description="sign in first")
    if (request.method not in SAFE_METHODS and g.auth_method != "token"
            and not _view_flag("_xietong_csrf_exempt")):
        _check_csrf()
    return None


class SigningOnce(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, with the signer made once per secret key instead of on
    every request (API requests with a token never use a session, yet opened one)."""

    _made: tuple[Any, Any] | None = None

    def get_signing_serializer(self, app: Flask) -> Any:
        key = (app.secret_key, tuple(app.config.get("SECRET_KEY_FALLBACKS") or ()))
        made = self._made
        if made is None or made[0] != key:
            made = self._made = (key, super().get_signing_serializer(app))
        return made[1]


def init_app(app: Flask, kernel: Any) -> None:
    """Install the guard and the template helpers on ``app`` (after plugins are loaded)."""
    # Flask's defaults hold these keys already (SameSite=None), so setdefault would not do.
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    if not app.config.get("SESSION_COOKIE_SAMESITE"):
        app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    app.session_interface = SigningOnce()
    app.before_request(authenticate)
    app.jinja_env.globals.update(csrf_token=csrf_token, current_user=current_user)
    # Until the web shell's Flask-Babel set-up installs the real ones (it replaces these).
    app.jinja_env.globals.setdefault("_", _untranslated)
    app.jinja_env.globals.setdefault("is_zh", is_zh)


def _untranslated(text: str, **values: Any) -> str:
    return text % values if values else text

