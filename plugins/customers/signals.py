"""The customers module's blinker signals: what happened, for every listener.

Every signal is sent with sender ``"customer"`` and keyword arguments, always including
``tenant`` (the slug) and ``user`` (who did it; None for the system).

``customers_handed_over``
    Sent **inside** the handover's database transaction, so a receiver that raises rolls
    the whole handover back; receivers move what they own (deals, schedule, open tasks).
    Arguments: ``from_user`` and ``to_user`` (:class:`~core.identity.models.User`),
    ``customer_ids`` — the customers handed over (a list), or None when *everything* of
    ``from_user`` was handed over (then also move their items on other people's customers),
    ``moved_ids`` — always the list of customers whose owner changed, ``reason``. A receiver
    may return ``{kind: count}`` (``{"deals": 3}``): the handover's answer and audit entry
    report the sums under ``carried``.
``note_added``
    A team note was posted: ``note``, ``customer``.
``user_mentioned``
    A note mentioned colleagues who may read the customer: ``note``, ``customer``,
    ``user_ids`` (the mentioned users, without the author).
``attachment_added``
    A file was attached: ``attachment``, ``customer``.
``customers_imported``
    An import was written: ``created_ids``, ``updated_ids``.
"""

from __future__ import annotations

from blinker import Namespace

customers_signals = Namespace()

customers_handed_over = customers_signals.signal("customers.handed-over")
handed_over = customers_handed_over  # the short name
note_added = customers_signals.signal("customers.note-added")
user_mentioned = customers_signals.signal("customers.user-mentioned")
attachment_added = customers_signals.signal("customers.attachment-added")
customers_imported = customers_signals.signal("customers.imported")

# The pool's signals (returns, warnings, claims) live in their own module; re-exported here so
# that listeners which look for a module's signals in ``<plugin>.signals`` (the desktop's
# widget cache) hear them too.
from plugins.customers.pool_signals import pool_signals  # noqa: E402,F401
