"""Reading the aggregates: totals, what changed stage in a time range, conversion, deal size.

Every function here reads the ``funnel_stat_*`` tables plus, for time ranges that do not
start or end on a month boundary, the few deals changed in the partial months at the edges
(through the partial covering index ``funnel_deal_live_changed``).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal

from peewee import SQL, fn

from plugins.funnel.aggregates import month_of
from plugins.funnel.models import LOST, OPEN, WON, Deal, Stage, StatMonth, StatReach, StatTotal
from plugins.funnel.periods import month_start, next_month

Cells = dict[tuple[int, int], list[int]]  # (owner_id, stage_id) -> [deals, cents]
PRIOR_WEIGHT = 20  # closed deals' worth of trust in the stage probability, when history is thin


def money(cents: int) -> Decimal:
    return (Decimal(int(cents)) / 100).quantize(Decimal("0.01"))


def totals(owner_ids: Iterable[int] | None = None, stage_ids: Iterable[int] | None = None) -> Cells:
    """Live deals per (owner, stage)."""
    query = StatTotal.select(StatTotal.owner_id, StatTotal.stage_id, StatTotal.deals, StatTotal.amount)
    if owner_ids is not None:
        query = query.where(StatTotal.owner_id.in_(list(owner_ids)))
    if stage_ids is not None:
        query = query.where(StatTotal.stage_id.in_(list(stage_ids)))
    return {(o, s): [n, a] for o, s, n, a in query.tuples()}


def changed_between(lo: dt.datetime, hi: dt.datetime, stages: list[Stage],
                    owner_ids: Iterable[int] | None = None) -> Cells:
    """Live deals per (owner, stage) whose last stage change lies in ``[lo, hi)`` and which sit
    in one of ``stages`` (e.g. the won stages: what was won in a period)."""
    result: Cells = defaultdict(lambda: [0, 0])
    if not stages or hi <= lo:
        return result
    owners = None if owner_ids is None else list(owner_ids)
    stage_ids = [s.id for s in stages]
    first_full = month_of(lo) if lo == month_start(month_of(lo)) else next_month(month_of(lo))
    end_month = month_of(hi)
    if first_full < end_month:
        query = (StatMonth.select(StatMonth.owner_id, StatMonth.stage_id, fn.SUM(StatMonth.deals),
                                  fn.SUM(StatMonth.amount))
                 .where(StatMonth.stage_id.in_(stage_ids) & (StatMonth.month >= first_full)
                        & (StatMonth.month < end_month))
                 .group_by(StatMonth.owner_id, StatMonth.stage_id))
        if owners is not None:
            query = query.where(StatMonth.owner_id.in_(owners))
        for owner_id, stage_id, n, amount in query.tuples():
            result[(owner_id, stage_id)][0] += int(n)
            result[(owner_id, stage_id)][1] += int(amount)
        edges = [(lo, month_start(first_full)), (month_start(end_month), hi)]
    else:
        edges = [(lo, hi)]
    statuses = sorted({s.kind for s in stages})
    for a, b in edges:
        if b > a:
            for key, (n, amount) in _deals_changed(a, b, stage_ids, statuses, owners).items():
                result[key][0] += n
                result[key][1] += amount
    return result


def _deals_changed(lo: dt.datetime, hi: dt.datetime, stage_ids: list[int], statuses: list[str],
                   owners: list[int] | None) -> Cells:
    # "+ 0" keeps the planner off the (owner, stage) index: the time range on the partial
    # covering index is always the narrow side here.
    query = (Deal.select(Deal.owner, Deal.stage, fn.COUNT(SQL("*")), fn.SUM(Deal.amount).coerce(False))
             .where(Deal.deleted_at.is_null() & Deal.status.in_(statuses)
                    & (Deal.stage_changed_at >= lo) & (Deal.stage_changed_at < hi)
                    & (Deal.stage + 0).in_(stage_ids))
             .group_by(Deal.owner, Deal.stage))
    if owners is not None:
        query = query.where((Deal.owner + 0).in_(owners))
    return {(o, s): [int(n), int(a or 0)] for o, s, n, a in query.tuples()}


def stale(cutoff: dt.datetime, open_stages: list[Stage], owner_ids: Iterable[int] | None = None) -> Cells:
    """Live open deals per (owner, stage) whose stage has not changed since ``cutoff``."""
    return changed_between(dt.datetime(1970, 1, 1), cutoff,
                           [s for s in open_stages if s.kind == OPEN], owner_ids)


def conversion(stages: list[Stage]) -> dict[int, dict]:
    """Per open or won stage of one pipeline: how many closed deals reached it, how many of
    those were won, and the rate to plan with — the measured rate blended with the stage's
    probability (``PRIOR_WEIGHT`` deals' worth), so thin history falls back to the
    probability and rich history speaks for itself."""
    reach = {r.stage_id: (r.closed, r.won) for r in StatReach.select()}
    ordered = [s for s in stages if s.kind != LOST]
    result = {}
    for stage in ordered:
        closed = sum(reach.get(m.id, (0, 0))[0] for m in ordered if m.position >= stage.position)
        won = sum(reach.get(m.id, (0, 0))[1] for m in ordered if m.position >= stage.position)
        prior = Decimal(stage.probability) / 100
        rate = (Decimal(won) + PRIOR_WEIGHT * prior) / (Decimal(closed) + PRIOR_WEIGHT)
        result[stage.id] = {
            "closed": closed, "won": won,
            "measured": (Decimal(won) / closed).quantize(Decimal("0.0001")) if closed else None,
            "rate": rate.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP),
        }
    return result


def average_won(stages: list[Stage], owner_ids: Iterable[int] | None = None) -> tuple[Decimal | None, int]:
    """The average amount of won live deals (of these owners, in these stages' pipelines)."""
    won_ids = [s.id for s in stages if s.kind == WON]
    cells = totals(owner_ids, won_ids)
    n = sum(v[0] for v in cells.values())
    amount = sum(v[1] for v in cells.values())
    return ((Decimal(amount) / n / 100).quantize(Decimal("0.01")) if n else None), n
