"""Which signals make cached widget data stale (see :mod:`plugins.desktop.cache`).

- the kernel's ``record_created/updated/deleted/restored``: the module that owns the record's
  entity type (unknown entity: every module);
- ``module_enabled`` / ``module_disabled``: that module;
- every blinker signal a plugin keeps in its ``signals`` module (``plugins/funnel/signals.py``
  and the like): that plugin. Widget authors need do nothing but send their signals with
  ``tenant=<slug>``.
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
from collections.abc import Callable
from typing import Any

from blinker import Namespace, Signal
from flask import g

from core.signals import (
    module_disabled,
    module_enabled,
    record_created,
    record_deleted,
    record_restored,
    record_updated,
)
from plugins.desktop.cache import ANY_MODULE
from plugins.desktop.services import cache_of

log = logging.getLogger(__name__)
RECORD_SIGNALS = (record_created, record_updated, record_deleted, record_restored)


def _tenant(kwargs: dict[str, Any]) -> str | None:
    if kwargs.get("tenant"):
        return kwargs["tenant"]
    tenant = g.get("tenant")
    return tenant.slug if tenant is not None else None


def plugin_signals(kernel: Any, name: str) -> list[Signal]:
    """The blinker signals in plugin ``name``'s ``signals`` module (none if it has none)."""
    entry = kernel.plugins.get(name)
    if entry is None or entry.meta is None:
        return []
    package = entry.meta.hooks.rpartition(".")[0]
    if not package:
        return []
    module_name = f"{package}.signals"
    try:
        if importlib.util.find_spec(module_name) is None:
            return []
        module = importlib.import_module(module_name)
    except Exception:  # a broken signals module must not take the desktop down
        log.exception("cannot import %s", module_name)
        return []
    found: list[Signal] = []
    for value in vars(module).values():
        candidates = value.values() if isinstance(value, Namespace) else [value]
        found.extend(s for s in candidates if isinstance(s, Signal) and s not in found)
    return found


def receivers(kernel: Any) -> list[tuple[Signal, Callable[..., Any]]]:
    """The ``(signal, receiver)`` pairs for hook ``crm_signal_receivers``."""

    def on_record(sender: Any, **kwargs: Any) -> None:
        slug = _tenant(kwargs)
        if slug is None:
            return
        entity = kernel.entity_types.get(kwargs.get("entity") or "")
        cache_of(kernel).invalidate(slug, entity.plugin if entity is not None else ANY_MODULE)

    def on_module(sender: Any, **kwargs: Any) -> None:
        slug = _tenant(kwargs)
        if slug is not None:
            cache_of(kernel).invalidate(slug, kwargs.get("module") or ANY_MODULE)

    pairs: list[tuple[Signal, Callable[..., Any]]] = [(s, on_record) for s in RECORD_SIGNALS]
    pairs += [(module_enabled, on_module), (module_disabled, on_module)]
    taken = {id(signal) for signal, _ in pairs}
    for name in kernel.order:
        for signal in plugin_signals(kernel, name):
            if id(signal) in taken:
                continue  # re-exported by a dependent plugin: the first (its owner) keeps it
            taken.add(id(signal))
            pairs.append((signal, _bumper(kernel, name)))
    return pairs


def _bumper(kernel: Any, module: str) -> Callable[..., Any]:
    def on_module_signal(sender: Any, **kwargs: Any) -> None:
        slug = _tenant(kwargs)
        if slug is not None:
            cache_of(kernel).invalidate(slug, module)

    on_module_signal.__name__ = f"desktop_invalidate_{module}"
    return on_module_signal
