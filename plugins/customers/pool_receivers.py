"""Receivers of other modules' signals that keep the pool state and owner history true.

- the funnel's ``deal_created`` and ``deal_won`` restart the "no new deal" and "no won deal"
  clocks of the deal's customer (the funnel is optional: without it there are no receivers);
- the customers module's handover, and an owner changed by editing a customer, are recorded
  in the owner history (and restart the new owner's clocks).
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from typing import Any

from plugins.customers import pool_history as history
from plugins.customers.pool_common import utcnow

log = logging.getLogger(__name__)


def _optional(module: str) -> Any:
    """A module of an optional plugin, or None when that plugin is not installed."""
    try:
        return importlib.import_module(module)
    except ImportError:
        return None


def on_deal_created(sender: Any, **kwargs: Any) -> None:
    deal = kwargs.get("deal")
    if deal is not None and getattr(deal, "customer_id", None) is not None:
        history.note_deal(deal.customer_id, getattr(deal, "created_at", None) or utcnow(), won=False)


def on_deal_won(sender: Any, **kwargs: Any) -> None:
    deal = kwargs.get("deal")
    if deal is not None and getattr(deal, "customer_id", None) is not None:
        history.note_deal(deal.customer_id, getattr(deal, "closed_at", None) or utcnow(), won=True)


def on_handed_over(sender: Any, **kwargs: Any) -> None:
    """Sent inside the handover's transaction: the history rows commit (or roll back) with it."""
    history.record_handover(kwargs.get("moved_ids") or [], kwargs.get("from_user"), kwargs.get("to_user"),
                            actor=kwargs.get("user"), reason=kwargs.get("reason") or "")


def on_customer_updated(sender: Any, **kwargs: Any) -> None:
    """An owner changed by editing the customer (form, API, bulk reassign) is history too."""
    if kwargs.get("entity") != "customer" or kwargs.get("source") == "pool":
        return
    changes = kwargs.get("changes") or {}
    change = changes.get("owner", changes.get("owner_id"))
    record = kwargs.get("record")
    if not change or record is None or change[0] == change[1]:
        return
    now = utcnow()
    history.record(record.id, "edit", from_user=change[0], to_user=change[1], actor=kwargs.get("user"),
                   at=now)
    if change[1] is not None:
        history.took_over([record.id], now)
        return
    from plugins.customers.claims import enter_pool
    from plugins.customers.pool import home_pool

    pool = home_pool(record)
    if pool is not None:
        enter_pool([record.id], pool.id, now)


def receivers(kernel: Any) -> list[tuple[Any, Callable[..., Any]]]:
    from core.signals import record_updated
    from plugins.customers.signals import customers_handed_over

    pairs: list[tuple[Any, Callable[..., Any]]] = [
        (customers_handed_over, on_handed_over), (record_updated, on_customer_updated)]
    funnel = _optional("plugins.funnel.signals")
    if funnel is not None:
        pairs += [(funnel.deal_created, on_deal_created), (funnel.deal_won, on_deal_won)]
    return pairs
