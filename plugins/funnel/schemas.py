"""Marshmallow schemas: the wire shape of deals, stages and quotas (CONTRACT.md) and the
input the API and forms accept. Business validation (visibility, pipelines, money rules)
happens in the services, so the API, forms and other callers share it."""

from __future__ import annotations

import json
from typing import Any

from flask import g, has_app_context
from marshmallow import RAISE, Schema, fields, validate

from core.api.choices import users as user_choices
from core.api.fields import DateTime, Money
from plugins.funnel.models import Pipeline, Stage


def stage_cache() -> dict[int, Stage]:
    """Stages by id, read once per request."""
    if not has_app_context():
        return {s.id: s for s in Stage.select(Stage, Pipeline).join(Pipeline)}
    store = g.setdefault("_funnel_stages", None)
    if store is None:
        store = g._funnel_stages = {s.id: s for s in Stage.select(Stage, Pipeline).join(Pipeline)}
    return store


def stage_choices() -> list[tuple[str, str]]:
    return [(s.key, f"{s.name} ({s.probability}%)") for s in
            sorted(stage_cache().values(), key=lambda s: (s.pipeline_id, s.position))]


def _stage_of(deal: Any) -> Stage:
    stage = stage_cache().get(deal.stage_id)
    return stage if stage is not None else Stage.get_by_id(deal.stage_id)


def _co_owners(deal: Any) -> list[int]:
    cached = getattr(deal, "_co_owner_ids", None)
    if cached is not None:
        return cached
    from plugins.funnel.services import co_owner_ids

    return co_owner_ids(deal.id)


def _co_owner_input(value: Any) -> Any:
    """A list of ids from JSON, or "3, 4" from a form."""
    if isinstance(value, str):
        parts = [p.strip() for p in value.strip("[] ").split(",") if p.strip()]
        return [int(p) if p.isdigit() else p for p in parts]
    return value


class DealSchema(Schema):
    """A deal: ``id, customer_id, title, amount, stage, probability, owner_id, co_owner_ids,
    expected_close, stage_changed_at`` and more."""

    class Meta:
        unknown = RAISE
        ordered = True

    id = fields.Integer(dump_only=True)
    customer_id = fields.Integer(required=True, metadata={"label": "Customer", "label_zh": "客户"})
    customer_name = fields.Function(lambda d: d.customer.name, dump_only=True,
                                    metadata={"label": "Customer", "label_zh": "客户"})
    title = fields.String(required=True, validate=validate.Length(min=1, max=200),
                          metadata={"label": "Title", "label_zh": "主题"})
    amount = Money(load_default="0", metadata={"label": "Amount", "label_zh": "金额"})
    pipeline = fields.Function(lambda d: _stage_of(d).pipeline.key, deserialize=str,
                               metadata={"label": "Pipeline", "label_zh": "销售流程"})
    stage = fields.Function(lambda d: _stage_of(d).key, deserialize=str,
                            metadata={"label": "Stage", "label_zh": "阶段", "choices": stage_choices})
    probability = fields.Function(lambda d: _stage_of(d).probability, dump_only=True,
                                  metadata={"label": "Probability %", "label_zh": "成交概率%"})
    status = fields.String(dump_only=True, metadata={"label": "Status", "label_zh": "状态"})
    owner_id = fields.Integer(metadata={"label": "Owner", "label_zh": "负责人", "choices": user_choices})
    co_owner_ids = fields.Function(_co_owners, deserialize=_co_owner_input,
                                   metadata={"label": "Co-owners", "label_zh": "协同跟单人"})
    expected_close = fields.Date(allow_none=True,
                                 metadata={"label": "Expected close", "label_zh": "预计成交"})
    territory = fields.String(validate=validate.Length(max=100),
                              metadata={"label": "Territory", "label_zh": "区域"})
    description = fields.String(metadata={"label": "Description", "label_zh": "说明", "widget": "textarea"})
    stage_changed_at = DateTime(dump_only=True, metadata={"label": "Stage changed", "label_zh": "阶段变更"})
    closed_at = DateTime(dump_only=True, metadata={"label": "Closed", "label_zh": "关闭时间"})
    created_at = DateTime(dump_only=True, metadata={"label": "Created", "label_zh": "创建时间"})
    updated_at = DateTime(dump_only=True, metadata={"label": "Updated", "label_zh": "更新时间"})
    version = fields.Integer(dump_only=True)


class StageMoveSchema(Schema):
    class Meta:
        unknown = RAISE

    stage = fields.String(required=True)
    version = fields.Integer(strict=True)


class StageChangeSchema(Schema):
    id = fields.Integer()
    deal_id = fields.Integer()
    from_stage = fields.Function(lambda c: stage_cache()[c.from_stage_id].key if c.from_stage_id else None)
    to_stage = fields.Function(lambda c: stage_cache()[c.to_stage_id].key)
    from_probability = fields.Function(
        lambda c: stage_cache()[c.from_stage_id].probability if c.from_stage_id else None)
    to_probability = fields.Function(lambda c: stage_cache()[c.to_stage_id].probability)
    user_id = fields.Integer()
    user_name = fields.Function(lambda c: (c.user.display_name or c.user.username) if c.user_id else None)
    at = DateTime()
    amount = Money()


class StageSchema(Schema):
    key = fields.String()
    name = fields.String()
    name_zh = fields.String()
    probability = fields.Integer()
    position = fields.Integer()
    kind = fields.String()
    pipeline = fields.Function(lambda s: s.pipeline.key)


class StageInSchema(Schema):
    class Meta:
        unknown = RAISE

    pipeline = fields.String()
    key = fields.String()
    name = fields.String()
    name_zh = fields.String()
    probability = fields.Integer(strict=True)


class PipelineInSchema(Schema):
    class Meta:
        unknown = RAISE

    key = fields.String(required=True)
    name = fields.String(required=True)
    name_zh = fields.String(load_default="")
    stages = fields.List(fields.Dict(), load_default=None)


def _departments() -> list[tuple[int, str]]:
    from core.identity.models import Department

    return [(d.id, d.name) for d in Department.select().order_by(Department.name)]


class QuotaSchema(Schema):
    """A quota: a person's (``owner_id``) or a team's (``department_id``) target for a period,
    split over ``territories`` (names, or ``{"name", "weight"}``)."""

    class Meta:
        unknown = RAISE
        ordered = True

    id = fields.Integer(dump_only=True)
    name = fields.String(validate=validate.Length(max=200), metadata={"label": "Name", "label_zh": "名称"})
    owner_id = fields.Integer(allow_none=True, metadata={"label": "Salesperson", "label_zh": "业务员",
                                                          "choices": user_choices})
    department_id = fields.Integer(allow_none=True, metadata={"label": "Team", "label_zh": "团队",
                                                               "choices": _departments})
    pipeline = fields.Function(lambda q: q.pipeline.key if q.pipeline_id else None,
                               deserialize=lambda v: v, allow_none=True,
                               metadata={"label": "Pipeline", "label_zh": "销售流程"})
    period_start = fields.Date(required=True, metadata={"label": "From", "label_zh": "开始"})
    period_end = fields.Date(required=True, metadata={"label": "To", "label_zh": "结束"})
    amount = Money(required=True, metadata={"label": "Quota", "label_zh": "目标金额"})
    territories = fields.Function(lambda q: json.loads(q.territories or "[]"),
                                  deserialize=lambda v: [t.strip() for t in v.split(",") if t.strip()]
                                  if isinstance(v, str) else v,
                                  metadata={"label": "Territories", "label_zh": "区域"})
    deal_size = Money(allow_none=True, metadata={"label": "Average deal", "label_zh": "平均单额"})
    created_at = DateTime(dump_only=True)
    updated_at = DateTime(dump_only=True)
    version = fields.Integer(dump_only=True)
