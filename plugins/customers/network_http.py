"""Small helpers the network, activity and schedule endpoints share (no business rules here)."""

from __future__ import annotations

from typing import Any

from flask import g, request

from core.errors import ApiError
from core.identity.permissions import require
from plugins.customers.models import Customer
from plugins.customers.relations import visible_customer


def user() -> Any:
    """The signed-in user (the identity guard has already answered 401 for anonymous API calls)."""
    current = g.get("user")
    if current is None:
        raise ApiError(401, "sign in or send 'Authorization: Bearer <token>'")
    return current


def body() -> dict[str, Any]:
    """The request's JSON object, else 400 (malformed) or 415 (not JSON)."""
    if not request.is_json:
        raise ApiError(415, "send JSON with 'Content-Type: application/json'")
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise ApiError(400, "malformed JSON: an object is required")
    return data


def limit(default: int = 50, maximum: int = 200) -> int:
    raw = request.args.get("limit")
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise ApiError(400, f"limit must be a whole number from 1 to {maximum}") from exc
    if not 1 <= value <= maximum:
        raise ApiError(400, f"limit must be from 1 to {maximum}")
    return value


def customer(customer_id: int, action: str = "read") -> Customer:
    """The live customer the caller may read (else 404) and may ``action`` (else 403)."""
    who = user()
    found = visible_customer(who, customer_id)
    if found is None:
        raise ApiError(404, "no such customer")
    if action != "read":
        require(who, action, "customer", found)
    return found


def allowed(entity: str, action: str, record: Any = None) -> None:
    """403 unless the caller may ``action`` on ``entity`` (404 for an invisible record)."""
    require(user(), action, entity, record)


def admin() -> Any:
    who = user()
    if not who.is_admin:
        raise ApiError(403, "only administrators may change this")
    return who
