"""The boss's matrix (example 4), forecasts (example 2) and the customer value ranking (3).

Matrix and forecast read only the aggregates, so they answer in milliseconds at a million
deals. They count deals by owner over the owners within the caller's deal scope (all, their
department or subtree, or just themselves); deal lists behind a click use the full
permission engine, co-owners included.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from peewee import JOIN, fn

from core.errors import ApiError
from core.identity import permissions
from core.identity.models import User, utcnow
from core.settings import get_setting
from plugins.customers.models import Customer
from plugins.funnel import stages as stage_service
from plugins.funnel import stats
from plugins.funnel.models import OPEN, WON, Deal, Quota, Stage
from plugins.funnel.periods import elapsed_share, month_weights, today, utc_bounds

DEFAULT_STALE_DAYS = 30
DEFAULT_HIGH_PROBABILITY = 50
TWO_THIRDS = Decimal(2) / Decimal(3)


def stale_days() -> int:
    """The tenant's setting ``funnel.stale_days``: a deal not moved for this long is stale."""
    value = get_setting("funnel.stale_days", DEFAULT_STALE_DAYS)
    return value if isinstance(value, int) and value > 0 else DEFAULT_STALE_DAYS


def high_probability() -> int:
    """The tenant's setting ``funnel.high_probability``: stages from here on are 'high'."""
    value = get_setting("funnel.high_probability", DEFAULT_HIGH_PROBABILITY)
    return value if isinstance(value, int) and 0 < value < 100 else DEFAULT_HIGH_PROBABILITY


def owners_in_scope(user: User) -> list[int] | None:
    """Owners whose deals the user's read scope reaches (None: everyone); 403 without a right."""
    scope = permissions.scope_of(user, "deal", "read")
    if scope is None:
        raise ApiError(403, "you may not read deals")
    if scope == "all":
        return None
    if scope == "own" or user.department_id is None:
        return [user.id]
    departments = ([user.department_id] if scope == "department"
                   else permissions.department_subtree(user.department_id))
    ids = [u for (u,) in User.select(User.id).where(User.department.in_(departments)).tuples()]
    return sorted(set(ids) | {user.id})


def team_members(department_id: int | None, scope_owners: list[int] | None) -> list[int] | None:
    """Users of a department and the ones below it, within the caller's scope."""
    if department_id is None:
        return scope_owners
    departments = permissions.department_subtree(int(department_id))
    ids = {u for (u,) in User.select(User.id).where(User.department.in_(departments)).tuples()}
    return sorted(ids if scope_owners is None else ids & set(scope_owners))


def _stages(pipeline_key: str | None) -> list[Stage]:
    if pipeline_key:
        pipeline = next((p for p in stage_service.pipelines() if p.key == pipeline_key), None)
        if pipeline is None:
            raise ApiError(400, f"no pipeline {pipeline_key!r}", fields={"pipeline": ["unknown"]})
        return stage_service.stages_of(pipeline)
    return stage_service.stages_of()


def _stage_info(stage: Stage) -> dict[str, Any]:
    return {"key": stage.key, "name": stage.name, "name_zh": stage.name_zh,
            "probability": stage.probability, "kind": stage.kind, "pipeline_id": stage.pipeline_id}


def _people(ids: set[int]) -> dict[int, dict[str, Any]]:
    rows = (User.select(User.id, User.username, User.display_name, User.department)
            .where(User.id.in_(list(ids))))
    return {u.id: {"id": u.id, "username": u.username, "name": u.display_name or u.username,
                   "department_id": u.department_id} for u in rows}


def _text(cents: int) -> str:
    """Integer cents as the API's decimal string ("1234.50"), without Decimal arithmetic."""
    if cents < 0:
        return "-" + _text(-cents)
    return f"{cents // 100}.{cents % 100:02d}" if cents else "0.00"


def _weighted(cents: int, probability: int) -> Decimal:
    return stats.money(cents * probability // 100)


def matrix(user: User, pipeline: str | None = None, department: int | None = None,
           days: int | None = None, now: dt.datetime | None = None) -> dict[str, Any]:
    """Salespeople × stages: counts, amounts, weighted amounts and stale deals per cell (stale:
    open and not moved for ``days`` before ``now``, naive UTC, default: this moment)."""
    owners = team_members(department, owners_in_scope(user))
    stage_list = _stages(pipeline)
    by_id = {s.id: s for s in stage_list}
    days = days or stale_days()
    cutoff = (now or utcnow()) - dt.timedelta(days=days)
    cells = stats.totals(owners, list(by_id))
    stale = stats.stale(cutoff, stage_list, owners)
    people = _people({o for o, _ in cells})
    rows: dict[int, dict[str, Any]] = {}
    columns = {s.key: {"deals": 0, "amount": 0, "stale": 0} for s in stage_list}
    info = {s.id: (s.key, s.probability, s.kind == OPEN) for s in stage_list}  # no model reads per cell
    for (owner_id, stage_id), (n, cents) in sorted(cells.items()):
        key, probability, is_open = info[stage_id]
        row = rows.get(owner_id)
        if row is None:
            row = rows[owner_id] = {"owner": people.get(owner_id, {"id": owner_id}), "cells": {},
                                    "deals": 0, "amount": 0, "weighted": 0, "stale": 0}
        stale_n, stale_cents = stale.get((owner_id, stage_id), (0, 0))
        weighted = cents * probability // 100
        row["cells"][key] = {"deals": n, "amount": _text(cents), "weighted": _text(weighted),
                             "stale": stale_n, "stale_amount": _text(stale_cents)}
        if is_open:
            row["deals"] += n
            row["amount"] += cents
            row["weighted"] += weighted
            row["stale"] += stale_n
        column = columns[key]
        column["deals"] += n
        column["amount"] += cents
        column["stale"] += stale_n
    ordered = sorted(rows.values(), key=lambda r: (-r["weighted"], r["owner"].get("username", "")))
    for row in ordered:
        row["amount"] = _text(row["amount"])
        row["weighted"] = _text(row["weighted"])
    return {
        "stages": [_stage_info(s) for s in stage_list],
        "rows": ordered,
        "funnel": [{**_stage_info(s), "deals": columns[s.key]["deals"],
                    "amount": _text(columns[s.key]["amount"]), "stale": columns[s.key]["stale"]}
                   for s in stage_list],
        "stale_days": days,
    }


def forecast(user: User, start: dt.date, end: dt.date, department: int | None = None,
             pipeline: str | None = None, on: dt.date | None = None) -> dict[str, Any]:
    """Per salesperson: quota, won in the period, weighted pipeline by stage, and whether the
    high stages hold enough to close the gap (flagged at risk from 2/3 of the period on)."""
    if end < start:
        raise ApiError(422, "the period ends before it starts", fields={"end": ["before start"]})
    people = team_members(department, owners_in_scope(user))
    stage_list = _stages(pipeline)
    open_stages = {s.id: s for s in stage_list if s.kind == OPEN}
    lo, hi = utc_bounds(start, end)
    won = stats.changed_between(lo, hi, [s for s in stage_list if s.kind == WON], people)
    open_cells = stats.totals(people, list(open_stages))
    quotas = _quota_amounts(people, start, end)
    ids = set(quotas) | {o for o, _ in open_cells} | {o for o, _ in won}
    if department is not None:
        ids |= set(people or ())  # every team member shows, even one with nothing yet
    info = _people(ids)
    elapsed = elapsed_share(start, end, on or today())
    threshold = high_probability()
    rows = [_forecast_row(info.get(pid, {"id": pid}), quotas.get(pid), won, open_cells, open_stages,
                          elapsed, threshold) for pid in sorted(ids)]
    rows.sort(key=lambda r: (not r["at_risk"], r["owner"].get("username", "")))
    return {"period_start": start.isoformat(), "period_end": end.isoformat(),
            "elapsed": str(elapsed), "high_probability": threshold, "rows": rows,
            "stages": [_stage_info(s) for s in open_stages.values()]}


def _forecast_row(owner: dict, quota: Decimal | None, won: dict, open_cells: dict, open_stages: dict,
                  elapsed: Decimal, threshold: int) -> dict[str, Any]:
    pid = owner["id"]
    won_n = sum(n for (o, _), (n, _c) in won.items() if o == pid)
    won_amount = stats.money(sum(c for (o, _), (_n, c) in won.items() if o == pid))
    by_stage, weighted, high = [], Decimal(0), Decimal(0)
    for stage in open_stages.values():
        n, cents = open_cells.get((pid, stage.id), (0, 0))
        value = _weighted(cents, stage.probability)
        weighted += value
        if stage.probability >= threshold:
            high += value
        if n:
            by_stage.append({"stage": stage.key, "deals": n, "amount": str(stats.money(cents)),
                             "weighted": str(value)})
    gap = max((quota or Decimal(0)) - won_amount, Decimal(0))
    at_risk = bool(quota) and elapsed >= TWO_THIRDS and high < gap
    return {
        "owner": owner, "quota": None if quota is None else str(quota),
        "won": str(won_amount), "won_deals": won_n, "weighted_pipeline": str(weighted),
        "high_stage_weighted": str(high), "projected": str(won_amount + weighted),
        "gap": str(gap),
        "attainment": None if not quota else str((won_amount / quota).quantize(Decimal("0.0001"))),
        "by_stage": by_stage, "at_risk": at_risk,
        "behind_pace": bool(quota) and won_amount < quota * elapsed,
    }


def _quota_amounts(people: list[int] | None, start: dt.date, end: dt.date) -> dict[int, Decimal]:
    """Each person's quota for the period: their quotas overlapping it, pro rata by month."""
    query = Quota.live().where(Quota.owner.is_null(False) & (Quota.period_start <= end)
                               & (Quota.period_end >= start))
    if people is not None:
        query = query.where(Quota.owner.in_(people))
    result: dict[int, Decimal] = {}
    for quota in query:
        whole = sum(w for _, w in month_weights(quota.period_start, quota.period_end))
        inside = sum(w for _, w in month_weights(max(start, quota.period_start), min(end, quota.period_end)))
        share = (quota.amount * inside / whole).quantize(Decimal("0.01"))
        result[quota.owner_id] = result.get(quota.owner_id, Decimal(0)) + share
    return result


def customer_ranking(user: User, limit: int = 50, minimum: int | None = None) -> list[dict[str, Any]]:
    """Customers by the weighted value of their open deals in high stages (含金量)."""
    minimum = high_probability() if minimum is None else minimum
    customers = permissions.visible(Customer.live(Customer.id), user, "customer", Customer)
    score = fn.SUM(Deal.amount * Stage.probability).coerce(False)
    query = (Deal.select(Deal.customer, Customer.name, fn.COUNT(Deal.id), fn.SUM(Deal.amount).coerce(False),
                         score.alias("score"), fn.MAX(Stage.probability))
             .join(Stage, on=(Deal.stage == Stage.id))
             .switch(Deal).join(Customer, JOIN.INNER, on=(Deal.customer == Customer.id))
             .where(Deal.deleted_at.is_null() & (Deal.status == OPEN) & (Stage.probability >= minimum)
                    & Deal.customer.in_(customers))
             .group_by(Deal.customer, Customer.name)
             .order_by(score.desc(), Deal.customer)
             .limit(max(1, min(int(limit), 500))))
    query = permissions.visible(query, user, "deal", Deal)
    return [{"customer_id": cid, "name": name, "deals": n, "amount": str(stats.money(cents or 0)),
             "score": str(stats.money(int(points or 0) // 100)), "best_probability": best}
            for cid, name, n, cents, points, best in query.tuples()]


def stale_deals(user: User, days: int | None = None, limit: int = 50,
                owner_id: int | None = None) -> list[Deal]:
    """Open deals the user can see whose stage has not changed for ``days``, oldest first."""
    cutoff = utcnow() - dt.timedelta(days=days or stale_days())
    query = Deal.live().where((Deal.status == OPEN) & (Deal.stage_changed_at < cutoff))
    if owner_id is not None:
        query = query.where(Deal.owner == owner_id)
    query = permissions.visible(query, user, "deal", Deal)
    return list(query.order_by(Deal.stage_changed_at, Deal.id).limit(max(1, min(int(limit), 500))))
