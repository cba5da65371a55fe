"""How the web UI shell plugs into the kernel (called from core.builtin)."""

from __future__ import annotations

from typing import Any


def blueprints(kernel: Any) -> list:
    return []


def menu_items(kernel: Any, user: Any) -> list:
    return []
