"""The funnel's hand-written REST endpoints (CONTRACT.md); ``/deals`` and ``/quotas`` CRUD
come from the resource framework (:mod:`plugins.funnel.resource`).

``/funnel/stages``, ``/funnel/pipelines``, ``POST /deals/<id>/stage``, ``/deals/<id>/history``,
``/funnel/report`` (the boss's matrix), ``/funnel/forecast``, ``/funnel/ranking``,
``/funnel/stale``, ``/funnel/settings`` and ``/quotas/<id>/plan``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, Response, g, jsonify, request
from marshmallow import ValidationError

from core.api.views import etag_of, expected_version, json_body
from core.errors import ApiError
from core.identity import permissions
from core.settings import set_setting
from plugins.funnel import quotas as quota_service
from plugins.funnel import reports, services, stages
from plugins.funnel.models import Pipeline, Stage
from plugins.funnel.periods import today
from plugins.funnel.resource import deals, quotas
from plugins.funnel.schemas import (
    PipelineInSchema,
    StageChangeSchema,
    StageInSchema,
    StageMoveSchema,
    StageSchema,
)

api = Blueprint("funnel_api", __name__, url_prefix="/api/v1")


def _load(schema: Any, data: Any) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise ApiError(400, "send a JSON object")
    try:
        return schema.load(data)
    except ValidationError as exc:
        raise ApiError(422, "the input is not valid",
                       fields={k: [str(m) for m in (v if isinstance(v, list) else [v])]
                               for k, v in exc.messages.items()}) from None


def _admin() -> None:
    if not g.user.is_admin:
        raise ApiError(403, "only an administrator may change the sales process")


def _int_arg(name: str, default: int | None = None, low: int = 1, high: int = 10**9) -> int | None:
    raw = request.args.get(name)
    if raw in (None, ""):
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise ApiError(400, f"{name} must be a whole number from {low} to {high}",
                       fields={name: ["bad value"]})
    return int(raw)


def _date_arg(name: str, default: dt.date) -> dt.date:
    raw = request.args.get(name)
    if not raw:
        return default
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise ApiError(400, f"{name} must be a date like 2025-03-31", fields={name: ["bad date"]}) from None


# -- stages and pipelines -------------------------------------------------------------------------


@api.get("/funnel/stages")
def stage_list() -> Any:
    """The stages (``key``, ``name``, ``probability`` …) of every pipeline, or of ``?pipeline=``."""
    permissions.require(g.user, "read", "deal")
    pipeline = None
    if request.args.get("pipeline"):
        pipeline = Pipeline.get_or_none(Pipeline.key == request.args["pipeline"])
        if pipeline is None:
            raise ApiError(400, "no such pipeline", fields={"pipeline": ["unknown"]})
    return jsonify(items=StageSchema(many=True).dump(stages.stages_of(pipeline)), next=None)


@api.post("/funnel/stages")
def stage_create() -> Any:
    """Add an open stage to a pipeline (admins)."""
    _admin()
    data = _load(StageInSchema(), json_body())
    pipeline = Pipeline.get_or_none(Pipeline.key == data.get("pipeline", "")) or stages.default_pipeline()
    stage = stages.add_stage(pipeline, data.get("key"), data.get("name", ""), data.get("probability"),
                             data.get("name_zh", ""))
    return jsonify(StageSchema().dump(stage)), 201


@api.patch("/funnel/stages/<key>")
def stage_update(key: str) -> Any:
    """Rename a stage or change its probability (admins)."""
    _admin()
    stage = Stage.get_or_none(Stage.key == key)
    if stage is None:
        raise ApiError(404, "no such stage")
    data = _load(StageInSchema(), json_body())
    fixed = set(data) - {"name", "name_zh", "probability"}
    if fixed:
        raise ApiError(422, "only name, name_zh and probability can change",
                       fields={k: ["cannot be changed"] for k in fixed})
    return jsonify(StageSchema().dump(stages.update_stage(stage, **data)))


@api.delete("/funnel/stages/<key>")
def stage_delete(key: str) -> Any:
    """Remove an open stage no deal has been in (admins); 409 otherwise."""
    _admin()
    stage = Stage.get_or_none(Stage.key == key)
    if stage is None:
        raise ApiError(404, "no such stage")
    stages.delete_stage(stage)
    return Response(status=204)


@api.get("/funnel/pipelines")
def pipeline_list() -> Any:
    permissions.require(g.user, "read", "deal")
    items = [{"key": p.key, "name": p.name, "name_zh": p.name_zh, "is_default": p.is_default,
              "stages": StageSchema(many=True).dump(stages.stages_of(p))} for p in stages.pipelines()]
    return jsonify(items=items, next=None)


@api.post("/funnel/pipelines")
def pipeline_create() -> Any:
    """A new pipeline, with the default stages unless ``stages`` are given (admins)."""
    _admin()
    data = _load(PipelineInSchema(), json_body())
    pipeline = stages.create_pipeline(data["key"], data["name"], data["name_zh"], data["stages"])
    return jsonify({"key": pipeline.key, "name": pipeline.name, "name_zh": pipeline.name_zh,
                    "stages": StageSchema(many=True).dump(stages.stages_of(pipeline))}), 201


@api.put("/funnel/pipelines/<key>/order")
def pipeline_order(key: str) -> Any:
    """Reorder a pipeline's open stages: ``{"stages": [key, ...]}`` (admins)."""
    _admin()
    pipeline = Pipeline.get_or_none(Pipeline.key == key)
    if pipeline is None:
        raise ApiError(404, "no such pipeline")
    body = json_body()
    keys = body.get("stages") if isinstance(body, dict) else None
    if not isinstance(keys, list):
        raise ApiError(422, "give the stage keys in order", fields={"stages": ["a list of keys"]})
    return jsonify(items=StageSchema(many=True).dump(stages.reorder_stages(pipeline, keys)))


# -- deals: stage moves and history ---------------------------------------------------------------


@api.post("/deals/<int:deal_id>/stage")
def deal_stage(deal_id: int) -> Any:
    """Move a deal: ``{"stage": key}`` (optionally ``"version"`` or ``If-Match``); 409 when
    someone else changed it meanwhile, 422 for a stage of another pipeline."""
    deal = services.get_deal(g.user, deal_id, "write")
    data = _load(StageMoveSchema(), json_body())
    version = data.get("version", expected_version(deal))
    deal = services.move_stage(g.user, deal, data["stage"], version)
    response = jsonify(deals.dump(deal, g.user))
    response.headers["ETag"] = etag_of(deal)
    return response


@api.get("/deals/<int:deal_id>/history")
def deal_history(deal_id: int) -> Any:
    """The deal's stage changes, oldest first: who, when, from, to."""
    deal = services.get_deal(g.user, deal_id)
    return jsonify(items=StageChangeSchema(many=True).dump(services.history(deal)), next=None)


# -- reports --------------------------------------------------------------------------------------


@api.get("/funnel/report")
def report() -> Any:
    """The boss's matrix: salespeople × stages with counts, amounts, weighted amounts and
    stale deals (``?pipeline=&department=&stale_days=``)."""
    return jsonify(reports.matrix(g.user, request.args.get("pipeline") or None,
                                  _int_arg("department"), _int_arg("stale_days", high=3650)))


def _quarter(day: dt.date) -> tuple[dt.date, dt.date]:
    first_month = (day.month - 1) // 3 * 3 + 1
    start = dt.date(day.year, first_month, 1)
    end_month = first_month + 3
    end = (dt.date(day.year + (end_month > 12), (end_month - 1) % 12 + 1, 1) - dt.timedelta(days=1))
    return start, end


@api.get("/funnel/forecast")
def forecast() -> Any:
    """Per salesperson: quota, won, weighted pipeline by stage and the 2/3 flag
    (``?start=&end=`` default: this quarter; ``&department=`` for one team)."""
    start, end = _quarter(today())
    start, end = _date_arg("start", start), _date_arg("end", end)
    return jsonify(reports.forecast(g.user, start, end, _int_arg("department"),
                                    request.args.get("pipeline") or None, _date_arg("on", today())))


@api.get("/funnel/ranking")
def ranking() -> Any:
    """Customers by the weighted value of their deals in high stages (含金量)."""
    permissions.require(g.user, "read", "deal")
    items = reports.customer_ranking(g.user, _int_arg("limit", 50, high=500),
                                     _int_arg("min_probability", None, 1, 100))
    return jsonify(items=items, next=None)


@api.get("/funnel/stale")
def stale() -> Any:
    """Open deals whose stage has not changed for ``days`` (tenant setting by default)."""
    permissions.require(g.user, "read", "deal")
    rows = reports.stale_deals(g.user, _int_arg("days", high=3650), _int_arg("limit", 50, high=500),
                               _int_arg("owner_id"))
    return jsonify(items=deals.dump_many(rows, g.user), next=None)


@api.get("/funnel/settings")
def settings_get() -> Any:
    permissions.require(g.user, "read", "deal")
    return jsonify(stale_days=reports.stale_days(), high_probability=reports.high_probability())


@api.put("/funnel/settings")
def settings_put() -> Any:
    """``{"stale_days": n, "high_probability": p}`` (admins)."""
    _admin()
    body = json_body()
    if not isinstance(body, dict) or set(body) - {"stale_days", "high_probability"}:
        raise ApiError(422, "only stale_days and high_probability can be set")
    checks = {"stale_days": (1, 3650), "high_probability": (1, 99)}
    for name, value in body.items():
        low, high = checks[name]
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise ApiError(422, f"{name} is a whole number from {low} to {high}",
                           fields={name: ["out of range"]})
    for name, value in body.items():
        set_setting(f"funnel.{name}", value)
    return settings_get()


# -- quota plans ----------------------------------------------------------------------------------


@api.get("/quotas/<int:quota_id>/plan")
def quota_plan(quota_id: int) -> Any:
    """The quota worked backwards: territories → months → deals → prospects per stage
    (``?deal_size=10000`` to plan with a given average deal)."""
    quota = quotas.get(quota_id, g.user)
    size = request.args.get("deal_size")
    deal_size = None
    if size:
        try:
            deal_size = services.parse_amount(size)
        except ApiError:
            raise ApiError(400, "deal_size must be a decimal amount", fields={"deal_size": ["bad"]}) from None
        if deal_size <= 0:
            raise ApiError(400, "deal_size must be more than nothing", fields={"deal_size": ["bad"]})
    return jsonify(quota_service.plan(quota, deal_size))
