"""The funnel's beads on the customer's timeline: each stage change of a deal the user may read.

Fed to the customers plugin through its documented signal
(``plugins.customers.timeline.timeline_entries``); the customers plugin imports nothing here.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import g

from core.identity.permissions import visible
from core.identity.text import is_zh
from plugins.funnel.models import Deal, Stage, StageChange

KIND = "stage_change"


def _stage_name(stage: Stage | None) -> str:
    if stage is None:
        return ""
    return stage.name_zh if is_zh() and stage.name_zh else stage.name


def stage_changes(sender: Any, customer: Any, user: Any, kinds: set[str] | None,
                  before: dt.datetime | None, limit: int, **_: Any) -> list[Any] | None:
    """The customer's stage changes of deals ``user`` may read, newest first."""
    if kinds is not None and KIND not in kinds:
        return None
    from plugins.customers.timeline import TimelineEntry

    readable = visible(Deal.live().select(Deal.id).where(Deal.customer == customer.id), user, "deal", Deal)
    query = (StageChange.select(StageChange, Deal.id, Deal.title)
             .join(Deal, on=(StageChange.deal == Deal.id))
             .where(StageChange.deal.in_(readable)))
    if before is not None:
        query = query.where(StageChange.at <= before)
    rows = list(query.order_by(StageChange.at.desc(), StageChange.id.desc()).limit(limit))
    stages = {s.id: s for s in Stage.select().where(
        Stage.id.in_({r.to_stage_id for r in rows} | {r.from_stage_id for r in rows if r.from_stage_id}))}
    entries = []
    for row in rows:
        to_stage, from_stage = stages.get(row.to_stage_id), stages.get(row.from_stage_id)
        step = (f"{_stage_name(from_stage)} → {_stage_name(to_stage)}" if from_stage
                else _stage_name(to_stage))
        entries.append(TimelineEntry(
            kind=KIND, key=f"stage:{row.id}", at=row.at, title=f"{row.deal.title}: {step}",
            url=f"/t/{g.tenant.slug}/deals/{row.deal_id}", author_id=row.user_id, source="funnel",
            extra={"deal_id": row.deal_id, "to": getattr(to_stage, "key", None),
                   "from": getattr(from_stage, "key", None)},
        ))
    return entries


def signal_receivers() -> list[tuple[Any, Any]]:
    """The receiver pair, when the installed customers plugin has a timeline."""
    try:
        from plugins.customers.timeline import timeline_entries
    except ImportError:  # an older customers plugin without a timeline
        return []
    return [(timeline_entries, stage_changes)]
