"""Aggregates that stay right after every change, in the same transaction as the change.

Each live deal *contributes* one row's worth to three tables (owner × stage totals, owner ×
stage × month of its last stage change, and — once closed — the furthest stage it reached).
Every write to a deal takes its contribution before and after and applies the difference
(:func:`apply_change`); keys are touched in sorted order so concurrent writers on PostgreSQL
lock rows in the same order and cannot deadlock. :func:`from_scratch` recomputes everything in
Python from the deals themselves and :func:`rebuild` does it in SQL; tests compare both with
:func:`stored` after random sequences of changes.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import peewee

from plugins.funnel.models import OPEN, WON, Deal, StatMonth, StatReach, StatTotal


def month_of(at: dt.datetime) -> int:
    """The ``YYYYMM`` bucket of a (naive UTC) time."""
    return at.year * 100 + at.month


def cents(amount: Decimal | int | None) -> int:
    """Money as integer cents (how MoneyField stores it)."""
    return int(Decimal(amount or 0) * 100)


@dataclass(frozen=True)
class Contribution:
    """What one live deal adds to the aggregates."""

    owner_id: int
    stage_id: int
    month: int
    amount: int  # cents
    status: str
    max_stage_id: int


def contribution(deal: Deal) -> Contribution:
    """The deal's share of the aggregates while it is counted (live; see ``Deal.counted``)."""
    return Contribution(
        owner_id=deal.owner_id, stage_id=deal.stage_id, month=month_of(deal.stage_changed_at),
        amount=cents(deal.amount), status=deal.status, max_stage_id=deal.max_stage_id,
    )


def _deltas(before: Contribution | None, after: Contribution | None) -> tuple[dict, dict, dict]:
    totals: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])
    months: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])
    reach: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for sign, part in ((-1, before), (1, after)):
        if part is None:
            continue
        for table, key in ((totals, (part.owner_id, part.stage_id)),
                           (months, (part.owner_id, part.stage_id, part.month))):
            table[key][0] += sign
            table[key][1] += sign * part.amount
        if part.status != OPEN:
            reach[part.max_stage_id][0] += sign
            reach[part.max_stage_id][1] += sign * (part.status == WON)
    clean = [{k: v for k, v in t.items() if v != [0, 0]} for t in (totals, months, reach)]
    return clean[0], clean[1], clean[2]


def apply_change(before: Contribution | None, after: Contribution | None) -> None:
    """Apply the difference between two contributions. Call inside the change's transaction."""
    if before == after:
        return
    totals, months, reach = _deltas(before, after)
    for (owner_id, stage_id), (n, amount) in sorted(totals.items()):
        _upsert(StatTotal, {"owner_id": owner_id, "stage_id": stage_id}, n, amount, "deals", "amount")
    for (owner_id, stage_id, month), (n, amount) in sorted(months.items()):
        _upsert(StatMonth, {"owner_id": owner_id, "stage_id": stage_id, "month": month}, n, amount,
                "deals", "amount")
    for stage_id, (closed, won) in sorted(reach.items()):
        _upsert(StatReach, {"stage_id": stage_id}, closed, won, "closed", "won")


def _upsert(model: Any, key: dict[str, int], first: int, second: int, first_name: str,
            second_name: str) -> None:
    f1, f2 = getattr(model, first_name), getattr(model, second_name)
    model.insert(**key, **{first_name: first, second_name: second}).on_conflict(
        conflict_target=[getattr(model, name) for name in key],
        update={f1: f1 + peewee.EXCLUDED[first_name], f2: f2 + peewee.EXCLUDED[second_name]},
    ).execute()
    if first < 0:
        condition = f1 == 0
        for name, value in key.items():
            condition &= getattr(model, name) == value
        model.delete().where(condition).execute()


# -- recomputing ---------------------------------------------------------------------------------


Snapshot = dict[str, dict[tuple, tuple[int, int]]]


def from_scratch() -> Snapshot:
    """Every aggregate recomputed in Python from the live deals (the reference for tests)."""
    totals: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])
    months: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])
    reach: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])
    query = Deal.select(Deal.owner, Deal.stage, Deal.stage_changed_at, Deal.amount, Deal.status,
                        Deal.max_stage).where(Deal.deleted_at.is_null())
    for owner_id, stage_id, changed_at, amount, status, max_stage_id in query.tuples().iterator():
        for table, key in ((totals, (owner_id, stage_id)),
                           (months, (owner_id, stage_id, month_of(changed_at)))):
            table[key][0] += 1
            table[key][1] += cents(amount)
        if status != OPEN:
            reach[(max_stage_id,)][0] += 1
            reach[(max_stage_id,)][1] += status == WON
    return {name: {k: tuple(v) for k, v in table.items()}
            for name, table in (("total", totals), ("month", months), ("reach", reach))}


def stored() -> Snapshot:
    """The aggregate tables as they are."""
    return {
        "total": {(r.owner_id, r.stage_id): (r.deals, r.amount) for r in StatTotal.select()},
        "month": {(r.owner_id, r.stage_id, r.month): (r.deals, r.amount) for r in StatMonth.select()},
        "reach": {(r.stage_id,): (r.closed, r.won) for r in StatReach.select()},
    }


def _month_sql(db: peewee.Database) -> str:
    if isinstance(db, peewee.PostgresqlDatabase):
        return "CAST(to_char(stage_changed_at, 'YYYYMM') AS INTEGER)"
    return "CAST(substr(stage_changed_at, 1, 4) || substr(stage_changed_at, 6, 2) AS INTEGER)"


def rebuild() -> None:
    """Recompute every aggregate table in SQL (after a bulk load or to repair)."""
    db = Deal._meta.database.obj  # the tenant's real database (the proxy hides its type)
    live = "FROM funnel_deal WHERE deleted_at IS NULL"
    with db.atomic():
        for model in (StatTotal, StatMonth, StatReach):
            model.delete().execute()
        db.execute_sql("UPDATE funnel_deal SET counted = (deleted_at IS NULL)")
        db.execute_sql(
            "INSERT INTO funnel_stat_total (owner_id, stage_id, deals, amount) "
            f"SELECT owner_id, stage_id, COUNT(*), SUM(amount) {live} GROUP BY owner_id, stage_id"
        )
        month = _month_sql(db)
        db.execute_sql(
            "INSERT INTO funnel_stat_month (owner_id, stage_id, month, deals, amount) "
            f"SELECT owner_id, stage_id, {month}, COUNT(*), SUM(amount) {live} "
            f"GROUP BY owner_id, stage_id, {month}"
        )
        db.execute_sql(
            "INSERT INTO funnel_stat_reach (stage_id, closed, won) "
            "SELECT max_stage_id, COUNT(*), SUM(CASE WHEN status = 'won' THEN 1 ELSE 0 END) "
            f"{live} AND status <> 'open' GROUP BY max_stage_id"
        )
