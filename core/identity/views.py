"""Sign-in pages: login, logout, the user's own password and API tokens."""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from peewee import fn

from core.identity import services, throttle
from core.identity.audit import audit
from core.identity.auth import current_user, login_required, login_session, logout_session, public
from core.identity.errors import IdentityError
from core.identity.models import ApiToken, User
from core.identity.passwords import hash_password, needs_rehash, verify_password
from core.identity.text import _
from core.identity.tokens import create_token, revoke_token

pages = Blueprint("identity", __name__, template_folder="templates")


def safe_next(target: str | None) -> str:
    """Where to go after signing in: only a path inside this tenant, never another site."""
    home = f"/t/{g.tenant.slug}/"
    if not target or not target.startswith(home) or "\\" in target or target.startswith("//"):
        return home
    return target


@pages.route("/login", methods=["GET", "POST"])
@public
def login():
    next_url = safe_next(request.values.get("next"))
    if request.method == "GET":
        if current_user() is not None:
            return redirect(next_url)
        return render_template("identity/login.html", next=next_url, username="")
    username = (request.form.get("username") or "").strip()[:150]
    password = request.form.get("password") or ""
    address = request.remote_addr or ""
    wait = throttle.retry_after(username, address)
    if wait:
        minutes = max(1, (wait + 59) // 60)
        message = _("Too many failed sign-ins. Try again in %(minutes)s minutes.", minutes=minutes)
        page = render_template("identity/login.html", next=next_url, username=username, error=message)
        return page, 429, {"Retry-After": str(wait)}
    user = User.get_or_none(fn.LOWER(User.username) == username.lower()) if username else None
    if not verify_password(user.password_hash if user else None, password) or not user.active:
        throttle.record_failure(username, address)
        audit("login_failed", "user", user.id if user else "", {"username": [None, username]}, None)
        error = _("Wrong user name or password.")
        return render_template("identity/login.html", next=next_url, username=username, error=error), 200
    throttle.clear_failures(username)
    if needs_rehash(user.password_hash):
        User.update(password_hash=hash_password(password)).where(User.id == user.id).execute()
    login_session(user)
    audit("login", "user", user.id, {}, user)
    return redirect(next_url)


@pages.route("/logout", methods=["GET", "POST"])
@public
def logout():
    user = current_user()
    if request.method == "GET":
        if user is None:
            return redirect(url_for("identity.login"))
        return render_template("identity/logout.html")
    if user is not None:
        audit("logout", "user", user.id, {}, user)
    logout_session()
    flash(_("You have signed out."), "info")
    return redirect(url_for("identity.login"))


@pages.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    errors: dict[str, str] = {}
    if request.method == "POST":
        new = request.form.get("new_password") or ""
        if new != (request.form.get("confirm_password") or ""):
            errors["confirm_password"] = _("The two new passwords differ.")
        else:
            try:
                user = services.change_password(current_user(), request.form.get("old_password") or "", new)
            except IdentityError as exc:
                field = "new_password" if exc.field in (None, "password") else exc.field
                errors[field] = _(exc.message)
            else:
                login_session(user)  # this session continues; every other one has ended
                flash(_("Your password has been changed; your other sessions have ended."), "success")
                return redirect(url_for("identity.change_password"))
    status = 422 if errors else 200
    return render_template("identity/password.html", errors=errors), status


@pages.route("/account/tokens", methods=["GET", "POST"])
@login_required
def tokens():
    user = current_user()
    created = None
    if request.method == "POST":
        _row, created = create_token(user, request.form.get("name") or "", actor=user)
        # The token is rendered in this response only: never stored, flashed or logged.
    rows = ApiToken.select().where(ApiToken.user == user).order_by(ApiToken.id.desc())
    return render_template("identity/tokens.html", tokens=rows, created=created,
                           revoke_url=lambda t: url_for("identity.revoke", token_id=t.id))


@pages.route("/account/tokens/<int:token_id>/revoke", methods=["POST"])
@login_required
def revoke(token_id: int):
    row = services.row(ApiToken, token_id)
    if row is None or row.user_id != current_user().id:
        abort(404)
    revoke_token(row, current_user())
    flash(_("Token %(prefix)s… revoked.", prefix=row.prefix), "success")
    return redirect(url_for("identity.tokens"))
