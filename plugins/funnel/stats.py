"""Reading the aggregates: totals, what changed stage in a time range, conversion, deal size.

Every function here reads the ``funnel_stat_*`` tables plus, for time ranges that do not
start or end on a month boundary, the few deals changed in the partial months at the edges
(through the partial covering index ``funnel_deal_live_changed``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from plugins.funnel.aggregates import month_of
from plugins.funnel.models import LOST, OPEN, WON, Deal, Stage, StatReach, StatTotal
from plugins.funnel.periods import month_start, next_month

Cells = dict[tuple[int, int], list[int]]  # (owner_id, stage_id) -> [deals, cents]
PRIOR_WEIGHT = 20  # closed deals' worth of trust in the stage probability, when history is thin


def money(cents: int) -> Decimal:
    return (Decimal(int(cents)) / 100).quantize(Decimal("0.01"))


def _raw(query: Any) -> list[tuple]:
    """Rows of a peewee query straight from the cursor: aggregates are plain integers, and
    skipping peewee's per-row conversion matters when a report reads thousands of them."""
    return Deal._meta.database.execute(query).fetchall()


def totals(owner_ids: Iterable[int] | None = None, stage_ids: Iterable[int] | None = None) -> Cells:
    """Live deals per (owner, stage)."""
    query = StatTotal.select(StatTotal.owner_id, StatTotal.stage_id, StatTotal.deals, StatTotal.amount)
    if owner_ids is not None:
        query = query.where(StatTotal.owner_id.in_(list(owner_ids)))
    if stage_ids is not None:
        query = query.where(StatTotal.stage_id.in_(list(stage_ids)))
    return {(o, s): [n, a] for o, s, n, a in _raw(query)}


def changed_between(lo: dt.datetime, hi: dt.datetime, stages: list[Stage],
                    owner_ids: Iterable[int] | None = None) -> Cells:
    """Live deals per (owner, stage) whose last stage change lies in ``[lo, hi)`` and which sit
    in one of ``stages`` (e.g. the won stages: what was won in a period).

    Whole months come from ``funnel_stat_month``; a partial month at either edge is either
    left out and its part inside added from the deals, or taken whole and its part outside
    subtracted — whichever touches fewer days (the deals come from the partial covering index;
    "+ 0" keeps the planner off the owner and stage indexes, the time range being narrower)."""
    if not stages or hi <= lo:
        return {}
    owners = None if owner_ids is None else list(owner_ids)
    first, last = month_of(lo), month_of(hi)
    if first == last:
        return _deal_cells([(lo, hi, 1)], stages, owners)
    spans = []
    if lo != month_start(first):  # the month lo falls in is partial
        inside = (lo, month_start(next_month(first)))
        outside = (month_start(first), lo)
        if inside[1] - inside[0] <= outside[1] - outside[0]:
            spans.append((*inside, 1))
            first = next_month(first)
        else:
            spans.append((*outside, -1))
    end = last  # months before ``end`` are taken whole
    if hi != month_start(last):
        inside = (month_start(last), hi)
        outside = (hi, month_start(next_month(last)))
        if inside[1] - inside[0] <= outside[1] - outside[0]:
            spans.append((*inside, 1))
        else:
            spans.append((*outside, -1))
            end = next_month(last)
    result = _month_cells(first, end, stages, owners)
    for key, (n, amount) in _deal_cells(spans, stages, owners).items():
        cell = result.setdefault(key, [0, 0])
        cell[0] += n
        cell[1] += amount
    return {k: v for k, v in result.items() if v != [0, 0]}


def _among(column: str, values: list, mark: str) -> tuple[str, list]:
    return f"{column} IN ({', '.join([mark] * len(values))})", list(values)


def _month_cells(first: int, end: int, stages: list[Stage], owners: list[int] | None) -> Cells:
    if first >= end:
        return {}
    db = Deal._meta.database.obj
    stage_cond, params = _among("stage_id", [s.id for s in stages], db.param)
    sql = (f"SELECT owner_id, stage_id, SUM(deals), SUM(amount) FROM funnel_stat_month "
           f"WHERE {stage_cond} AND month >= {db.param} AND month < {db.param}")
    params += [first, end]
    if owners is not None:
        owner_cond, owner_params = _among("owner_id", owners, db.param)
        sql += f" AND {owner_cond}"
        params += owner_params
    rows = db.execute_sql(sql + " GROUP BY stage_id, owner_id", params).fetchall()
    return {(o, s): [int(n), int(a)] for o, s, n, a in rows}


def _deal_cells(spans: list[tuple[dt.datetime, dt.datetime, int]], stages: list[Stage],
                owners: list[int] | None) -> Cells:
    """Live deals in ``stages`` changed within each span, counted with the span's sign."""
    db = Deal._meta.database.obj
    mark = db.param
    result: Cells = {}
    for a, b, sign in spans:
        if b <= a:
            continue
        status_cond, params = _among("status", sorted({s.kind for s in stages}), mark)
        stage_cond, stage_params = _among("(stage_id + 0)", [s.id for s in stages], mark)
        sql = (f"SELECT owner_id, stage_id, COUNT(*), SUM(amount) FROM funnel_deal "
               f"WHERE deleted_at IS NULL AND {status_cond} AND stage_changed_at >= {mark} "
               f"AND stage_changed_at < {mark} AND {stage_cond}")
        params += [a, b, *stage_params]
        if owners is not None:
            owner_cond, owner_params = _among("(owner_id + 0)", owners, mark)
            sql += f" AND {owner_cond}"
            params += owner_params
        for o, s, n, amount in db.execute_sql(sql + " GROUP BY owner_id, stage_id", params).fetchall():
            cell = result.setdefault((o, s), [0, 0])
            cell[0] += sign * int(n)
            cell[1] += sign * int(amount or 0)
    return result


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
