"""How the web UI shell plugs into the kernel (called from core.builtin)."""

from __future__ import annotations

from typing import Any


def blueprints(kernel: Any) -> list:
    """The shell's pages (home, language switch) and the webhook admin pages."""
    from .views import shell_blueprint
    from .webhook_pages import webhook_pages

    return [shell_blueprint(), webhook_pages()]


def menu_items(kernel: Any, user: Any) -> list:
    """The admin's webhook page; resources add their own entries."""
    return []
