"""The shell's own pages: the tenant's home and the language switch."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, g, redirect, render_template, request, session

from .i18n import LANGUAGES, SESSION_LANGUAGE
from .shell import nav_items


def safe_next(target: str | None, fallback: str) -> str:
    """``target`` when it is a path on this site, else ``fallback`` (no open redirects)."""
    if not target:
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return fallback
    return target


def shell_blueprint() -> Blueprint:
    bp = Blueprint("xietong_web", __name__)

    @bp.get("/")
    def home() -> Any:
        return render_template("xietong/home.html", items=nav_items(), breadcrumbs=[])

    def switch_language() -> Any:
        """Remember the chosen language in the session and, when signed in, on the user."""
        lang = request.form.get("lang", "")
        home = f"/t/{g.tenant.slug}/"
        if lang in LANGUAGES:
            session[SESSION_LANGUAGE] = lang
            user = g.get("user")
            if user is not None and user.language != lang:
                type(user).update(language=lang).where(type(user).id == user.id).execute()
        return redirect(safe_next(request.form.get("next"), home))

    from core.identity.auth import public

    bp.post("/language")(public(switch_language))
    return bp
