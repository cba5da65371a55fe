"""The funnel's blinker signals. Every one is sent after its change has been committed, with
``sender`` = the kernel and keyword arguments ``tenant`` (slug), ``deal``, ``user`` (who did it,
or None for the system) and, for stage changes, ``from_stage`` and ``to_stage`` (stage keys)."""

from blinker import Namespace

funnel_signals = Namespace()

deal_created = funnel_signals.signal("funnel.deal-created")
deal_stage_changed = funnel_signals.signal("funnel.deal-stage-changed")
deal_won = funnel_signals.signal("funnel.deal-won")
deal_lost = funnel_signals.signal("funnel.deal-lost")
