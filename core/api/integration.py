"""How the REST API framework plugs into the kernel (called from core.builtin)."""

from __future__ import annotations

from typing import Any


def blueprints(kernel: Any) -> list:
    return []
