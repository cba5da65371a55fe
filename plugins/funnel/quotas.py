"""Quotas and their decomposition, worked backwards (the seed's example 1).

amount → territories (by weight, evenly by default) → months (a whole month weighs 1) →
deals needed (amount ÷ average deal size) → prospects needed at each stage (deals ÷ the
stage's conversion rate measured in this tenant's stage history, blended with the stage's
probability while history is thin). 300,000 over three provinces in a quarter is 100,000 a
province and 33,333.33 a province-month; at 10,000 a deal that is 3.33 deals (more than 3),
and at the 10% stage 33.33 prospects (at least 30).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from peewee import fn

from core.errors import ApiError
from core.identity import permissions
from core.identity.audit import audit, diff, snapshot
from core.identity.models import Department, User, utcnow
from plugins.funnel import stages as stage_service
from plugins.funnel import stats
from plugins.funnel.models import OPEN, WON, Deal, Pipeline, Quota
from plugins.funnel.periods import month_label, month_weights, utc_bounds
from plugins.funnel.services import _parse_date, parse_amount

ENTITY = "quota"
FIELDS = ("owner_id", "department_id", "pipeline", "name", "period_start", "period_end", "amount",
          "territories", "deal_size")
MIN_OWN_WINS = 5  # fewer won deals of the quota's people: use the tenant's average instead
CENT = Decimal("0.01")


def _invalid(field: str, message: str) -> ApiError:
    return ApiError(422, message, fields={field: [message]})


def _q(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


# -- validation and writing -----------------------------------------------------------------------


def clean(data: Mapping[str, Any], current: Quota | None = None) -> dict[str, Any]:
    """Validated values for a new quota (or changes to ``current``); 422 on bad input."""
    unknown = set(data) - set(FIELDS)
    if unknown:
        raise ApiError(422, "unknown fields", fields={k: ["unknown field"] for k in sorted(unknown)})
    merged = dict(_as_input(current) if current else {}, **data)
    values: dict[str, Any] = {}
    owner_id, department_id = merged.get("owner_id"), merged.get("department_id")
    if bool(owner_id) == bool(department_id):
        raise _invalid("owner_id", "give either a person (owner_id) or a team (department_id)")
    values["owner"] = _user(owner_id) if owner_id else None
    values["department"] = _department(department_id) if department_id else None
    start = _parse_date(merged.get("period_start"), "period_start")
    end = _parse_date(merged.get("period_end"), "period_end")
    if start is None or end is None:
        raise _invalid("period_start" if start is None else "period_end",
                       "the period needs a start and an end")
    if end < start:
        raise _invalid("period_end", "the period ends before it starts")
    if (end - start).days > 3660:
        raise _invalid("period_end", "a quota period is at most ten years")
    values.update(period_start=start, period_end=end)
    values["amount"] = parse_amount(merged.get("amount"))
    if values["amount"] <= 0:
        raise _invalid("amount", "a quota is more than nothing")
    size = merged.get("deal_size")
    values["deal_size"] = None if size in (None, "") else parse_amount(size)
    if values["deal_size"] is not None and values["deal_size"] <= 0:
        raise _invalid("deal_size", "an average deal is more than nothing")
    values["territories"] = json.dumps(_territories(merged.get("territories")), ensure_ascii=False)
    key = merged.get("pipeline")
    values["pipeline"] = None
    if key not in (None, ""):
        values["pipeline"] = Pipeline.get_or_none(Pipeline.key == str(key))
        if values["pipeline"] is None:
            raise _invalid("pipeline", f"no pipeline {key!r}")
    values["name"] = str(merged.get("name") or "")[:200]
    return values


def _as_input(quota: Quota) -> dict[str, Any]:
    return {"owner_id": quota.owner_id, "department_id": quota.department_id,
            "pipeline": quota.pipeline.key if quota.pipeline_id else None, "name": quota.name,
            "period_start": quota.period_start, "period_end": quota.period_end,
            "amount": quota.amount, "territories": territories_of(quota), "deal_size": quota.deal_size}


def _user(user_id: Any) -> User:
    try:
        found = User.get_or_none(User.id == int(user_id))
    except (TypeError, ValueError):
        found = None
    if found is None:
        raise _invalid("owner_id", f"no user {user_id!r}")
    return found


def _department(department_id: Any) -> Department:
    try:
        found = Department.get_or_none(Department.id == int(department_id))
    except (TypeError, ValueError):
        found = None
    if found is None:
        raise _invalid("department_id", f"no department {department_id!r}")
    return found


def _territories(value: Any) -> list[dict[str, Any]]:
    if value in (None, ""):
        return []
    if not isinstance(value, list) or len(value) > 200:
        raise _invalid("territories", "give a list of territory names or {name, weight}")
    result, names = [], set()
    for item in value:
        name, weight = (item, "1") if isinstance(item, str) else (
            (item.get("name"), item.get("weight", "1")) if isinstance(item, dict) else (None, None))
        name = str(name or "").strip()
        if not name or name in names:
            raise _invalid("territories", "each territory needs a name of its own")
        try:
            weight = Decimal(str(weight)) if not isinstance(weight, float | bool) else None
        except ArithmeticError:
            weight = None
        if weight is None or not weight.is_finite() or weight <= 0:
            raise _invalid("territories", f"territory {name}: the weight is a positive number")
        names.add(name)
        result.append({"name": name, "weight": str(weight)})
    return result


def territories_of(quota: Quota) -> list[dict[str, Any]]:
    return json.loads(quota.territories or "[]")


def create_quota(user: User | None, data: Mapping[str, Any]) -> Quota:
    values = clean(data)
    quota = Quota(**values, created_by=user)
    if user is not None and not permissions.can(user, "create", ENTITY, quota):
        raise ApiError(403, "you may not set this quota")
    with Quota._meta.database.atomic():
        quota.save(force_insert=True)
        audit("create", ENTITY, quota.id, diff(None, snapshot(quota)), user)
    return quota


def update_quota(user: User | None, quota: Quota, data: Mapping[str, Any],
                 expected_version: int | None = None) -> Quota:
    if expected_version is not None and expected_version != quota.version:
        raise ApiError(409, "this quota was changed by someone else; reload it")
    before = snapshot(quota)
    values = clean(data, quota)
    for name, value in values.items():
        setattr(quota, name, value)
    if user is not None and not permissions.can(user, "write", ENTITY, quota):
        raise ApiError(403, "you may not set this quota")
    with Quota._meta.database.atomic():
        written = Quota.update(**values, version=quota.version + 1, updated_at=utcnow()).where(
            (Quota.id == quota.id) & (Quota.version == quota.version)).execute()
        if written != 1:
            raise ApiError(409, "this quota was changed by someone else; reload it")
        quota.version += 1
        audit("update", ENTITY, quota.id, diff(before, snapshot(quota)), user)
    return quota


def people_of(quota: Quota) -> list[int]:
    """The salespeople a quota is for: its owner, or the active users of its team (subtree)."""
    if quota.owner_id:
        return [quota.owner_id]
    departments = permissions.department_subtree(quota.department_id)
    return [u.id for u in User.select(User.id).where(User.department.in_(departments) & User.active)]


# -- the plan -------------------------------------------------------------------------------------


def plan(quota: Quota, deal_size: Decimal | None = None) -> dict[str, Any]:
    """The quota decomposed: territories, months, deals and prospects per stage, progress."""
    pipeline = quota.pipeline if quota.pipeline_id else stage_service.default_pipeline()
    pipeline_stages = stage_service.stages_of(pipeline)
    people = people_of(quota)
    size, source, measured_wins = _deal_size(quota, deal_size, pipeline_stages, people)
    months = month_weights(quota.period_start, quota.period_end)
    month_total = sum(w for _, w in months)
    territories = territories_of(quota) or [{"name": "", "weight": "1"}]
    weight_total = sum(Decimal(t["weight"]) for t in territories)
    funnel_stages = [s for s in pipeline_stages if s.kind in (OPEN, WON)]
    rates = stats.conversion(pipeline_stages)

    def level(amount: Decimal) -> dict[str, Any]:
        return _level(amount, size, funnel_stages, rates)

    territory_rows = []
    for territory in territories:
        share = quota.amount * Decimal(territory["weight"]) / weight_total
        territory_rows.append({
            "name": territory["name"], "amount": str(_q(share)),
            "months": [{"month": month_label(m), "amount": str(_q(share * w / month_total))}
                       for m, w in months],
            "per_month": level(share / month_total),
        })
    return {
        "quota_id": quota.id,
        "pipeline": pipeline.key,
        "amount": str(quota.amount),
        "period_start": quota.period_start.isoformat(),
        "period_end": quota.period_end.isoformat(),
        "deal_size": None if size is None else str(size),
        "deal_size_source": source,
        "won_deals_measured": measured_wins,
        "months": [{"month": month_label(m), "weight": str(w.quantize(Decimal("0.0001"))),
                    "amount": str(_q(quota.amount * w / month_total))} for m, w in months],
        "territories": territory_rows,
        "whole_period": level(quota.amount),
        "per_month": level(quota.amount / month_total),
        # An average territory's month: the seed's 33,333 → 3.3 deals → 33 prospects at 10%.
        "per_territory_month": level(quota.amount / len(territories) / month_total),
        "conversion": [
            {"stage": s.key, "name": s.name, "name_zh": s.name_zh, "probability": s.probability,
             "closed": rates[s.id]["closed"], "won": rates[s.id]["won"],
             "measured": None if rates[s.id]["measured"] is None else str(rates[s.id]["measured"]),
             "rate": str(rates[s.id]["rate"])}
            for s in funnel_stages if s.kind == OPEN
        ],
        "progress": progress(quota, people, pipeline_stages),
    }


def _level(amount: Decimal, size: Decimal | None, funnel_stages: list, rates: dict) -> dict[str, Any]:
    result: dict[str, Any] = {"amount": str(_q(amount)), "deals": None, "deals_whole": None,
                              "prospects": []}
    if size is None:
        return result
    deals = amount / size
    result["deals"] = str(_q(deals))
    result["deals_whole"] = math.ceil(_q(deals))
    for stage in funnel_stages:
        rate = Decimal(1) if stage.kind == WON else rates[stage.id]["rate"]
        needed = deals / rate if rate > 0 else None
        result["prospects"].append({
            "stage": stage.key, "probability": stage.probability, "rate": str(rate),
            "count": None if needed is None else str(_q(needed)),
            "whole": None if needed is None else math.ceil(_q(needed)),
        })
    return result


def _deal_size(quota: Quota, given: Decimal | None, pipeline_stages: list,
               people: list[int]) -> tuple[Decimal | None, str | None, int]:
    own_average, own_wins = stats.average_won(pipeline_stages, people)
    if given is not None:
        return given, "given", own_wins
    if quota.deal_size is not None:
        return quota.deal_size, "quota", own_wins
    if own_average is not None and own_wins >= MIN_OWN_WINS:
        return own_average, "measured_people", own_wins
    tenant_average, tenant_wins = stats.average_won(pipeline_stages)
    if tenant_average is not None:
        return tenant_average, "measured_tenant", tenant_wins
    return None, None, 0


def progress(quota: Quota, people: list[int] | None = None,
             pipeline_stages: list | None = None) -> dict[str, Any]:
    """Won in the period (by territory), attainment and the weighted open pipeline."""
    if people is None:
        people = people_of(quota)
    if pipeline_stages is None:
        pipeline = quota.pipeline if quota.pipeline_id else stage_service.default_pipeline()
        pipeline_stages = stage_service.stages_of(pipeline)
    lo, hi = utc_bounds(quota.period_start, quota.period_end)
    won_stages = [s for s in pipeline_stages if s.kind == WON]
    won = stats.changed_between(lo, hi, won_stages, people)
    won_cents = sum(v[1] for v in won.values())
    open_stages = {s.id: s for s in pipeline_stages if s.kind == OPEN}
    open_cells = stats.totals(people, list(open_stages))
    weighted = sum(Decimal(a) * open_stages[s].probability / 100 for (_, s), (_, a) in open_cells.items())
    by_territory = (Deal.select(Deal.territory, fn.SUM(Deal.amount).coerce(False))
                    .where(Deal.deleted_at.is_null() & (Deal.status == WON) & Deal.owner.in_(people)
                           & Deal.stage.in_([s.id for s in won_stages])
                           & (Deal.stage_changed_at >= lo) & (Deal.stage_changed_at < hi))
                    .group_by(Deal.territory))
    return {
        "won": str(stats.money(won_cents)),
        "won_deals": sum(v[0] for v in won.values()),
        "attainment": str((Decimal(won_cents) / 100 / quota.amount).quantize(Decimal("0.0001"))),
        "weighted_pipeline": str(stats.money(int(weighted))),
        "won_by_territory": {name or "": str(stats.money(int(cents or 0)))
                             for name, cents in by_territory.tuples()},
    }
