"""How identity plugs into the kernel (called from core.builtin's hook implementations)."""

from __future__ import annotations

from typing import Any


def entity_types(kernel: Any) -> list:
    return []


def blueprints(kernel: Any) -> list:
    return []


def menu_items(kernel: Any, user: Any) -> list:
    return []


def cli_commands(kernel: Any) -> list:
    return []


def init(kernel: Any, tenant: str, admin: str | None, password: str | None, demo: bool) -> str | None:
    return None


def module_enabled(kernel: Any, tenant: Any) -> None:
    return None
