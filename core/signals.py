"""The kernel's blinker signals, and how plugin receivers are scoped to their tenants.

Signals say what happened; every listener hears them. Senders pass ``tenant=<slug>`` among the
keyword arguments. A plugin's receivers (hook ``crm_signal_receivers``) are wrapped so they run
only in the app that loaded them and only for tenants that have the plugin enabled.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from blinker import Namespace
from flask import current_app, g, has_app_context

core_signals = Namespace()

tenant_created = core_signals.signal("core.tenant-created")
module_enabled = core_signals.signal("core.module-enabled")
module_disabled = core_signals.signal("core.module-disabled")
record_created = core_signals.signal("core.record-created")
record_updated = core_signals.signal("core.record-updated")
record_deleted = core_signals.signal("core.record-deleted")
record_restored = core_signals.signal("core.record-restored")


def scoped_receiver(kernel: Any, plugin: str, receiver: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap ``receiver`` so it only runs for ``kernel``'s app and tenants with ``plugin`` on."""

    @functools.wraps(receiver)
    def run(sender: Any, **kwargs: Any) -> Any:
        if not has_app_context() or current_app.extensions.get("xietong") is not kernel:
            return None
        tenant = g.get("tenant")
        slug = kwargs.get("tenant") or (tenant.slug if tenant else None)
        if slug is None:
            return None
        runtime = tenant if tenant is not None and tenant.slug == slug else kernel.runtime(slug)
        if runtime is None or plugin not in runtime.enabled:
            return None
        return receiver(sender, **kwargs)

    return run


def connect_plugin_receivers(kernel: Any) -> None:
    """Connect every healthy plugin's receivers, scoped; the kernel keeps them alive."""
    for plugin, pairs in kernel.each_plugin("crm_signal_receivers", kernel=kernel):
        for signal, receiver in pairs:
            wrapped = scoped_receiver(kernel, plugin, receiver)
            kernel._signal_receivers.append(wrapped)
            # weak=True: when the app is garbage-collected its receivers go with it.
            signal.connect(wrapped, weak=True)
