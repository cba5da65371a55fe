"""Signals of the pool, follow-ups, collaborators and leads. Every receiver gets ``tenant``
(the slug) and the keyword arguments listed; the sender is the kernel.

Receivers connect through the hook ``crm_signal_receivers`` (they then run only for tenants
with the customers module enabled).
"""

from __future__ import annotations

from blinker import Namespace

pool_signals = Namespace()

#: ``customer``, ``user`` (the new owner), ``pool``
customer_claimed = pool_signals.signal("customers.pool.claimed")
#: ``customer``, ``user`` (the new owner), ``previous`` (user id or None), ``actor``
customer_assigned = pool_signals.signal("customers.pool.assigned")
#: ``customer``, ``previous`` (user id), ``actor``, ``pool``, ``reason``
customer_released = pool_signals.signal("customers.pool.released")
#: ``customer_ids``, ``previous`` ({customer id: user id}), ``pool``, ``reasons`` ({id: text})
customers_returned = pool_signals.signal("customers.pool.returned")
#: ``customer_ids``, ``pool``: owners were warned that these will return
customers_warned = pool_signals.signal("customers.pool.warned")
#: ``followup`` (a Followup), ``user``
followup_created = pool_signals.signal("customers.followup.created")
#: ``plan`` (a FollowupPlan): its reminder went out
followup_due = pool_signals.signal("customers.followup.due")
#: ``customer``, ``collaborator`` (a Collaborator), ``actor``
collaborator_added = pool_signals.signal("customers.collaborator.added")
#: ``customer``, ``user_id``, ``actor``
collaborator_removed = pool_signals.signal("customers.collaborator.removed")
#: ``lead``, ``customer``, ``contact`` (or None), ``deal`` (the data asked for, or None),
#: ``user``. The funnel may create the deal from ``deal`` (title, amount).
lead_converted = pool_signals.signal("customers.lead.converted")
