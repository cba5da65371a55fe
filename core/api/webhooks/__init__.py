"""Webhooks: tenant admins subscribe URLs to events; deliveries are signed, retried, logged.

Plugins offer their own events with :func:`forward` (see ``docs/ui-api.md``).
"""

from .service import forward

__all__ = ["forward"]
