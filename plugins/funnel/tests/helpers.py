"""Helpers for the funnel's tests (used inside ``kernel.tenant_context``)."""

from __future__ import annotations

from typing import Any

from core.identity.models import User
from core.identity.permissions import forget_cache


def fresh(person: Any) -> User:
    """The user re-read in the current tenant context (rights cache dropped)."""
    forget_cache()
    return User.get_by_id(person.id)


def deal(owner: Any, customer: Any, amount: str = "10000", **extra: Any) -> Any:
    """A deal created by ``owner`` through the service, with the permission checks."""
    from plugins.funnel.services import create_deal

    return create_deal(fresh(owner), {"customer_id": customer.id, "title": extra.pop("title", "Deal"),
                                      "amount": amount, **extra})
