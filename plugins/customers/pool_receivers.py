"""Receivers of other modules' signals that keep the pool state and owner history true.

- the funnel's ``deal_created`` and ``deal_won`` restart the "no new deal" and "no won deal"
  clocks of the deal's customer (the funnel is optional: without it there are no receivers);
- the customers module's handover is recorded in the owner history.
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


def receivers(kernel: Any) -> list[tuple[Any, Callable[..., Any]]]:
    pairs: list[tuple[Any, Callable[..., Any]]] = []
    funnel = _optional("plugins.funnel.signals")
    if funnel is not None:
        pairs += [(funnel.deal_created, on_deal_created), (funnel.deal_won, on_deal_won)]
    return pairs
