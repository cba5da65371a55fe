"""Pipelines and their stages: the default nine stages, admin edits, and look-ups.

A stage's probability is its win chance in percent. Open stages lie strictly between 0 and
100; every pipeline has exactly one ``won`` stage (100) and one ``lost`` stage (0).
"""

from __future__ import annotations

import re
from typing import Any

from flask import g, has_app_context

from core.errors import ApiError
from plugins.funnel.models import LOST, OPEN, WON, Deal, Pipeline, Stage

# The seed's scale: 10% = interest, 50% = strong need and prefers us, 70% = negotiating terms.
DEFAULT_STAGES: tuple[tuple[str, str, str, int, str], ...] = (
    ("interest", "Interest", "初步意向", 10, OPEN),
    ("qualified", "Need confirmed", "需求确认", 20, OPEN),
    ("contact", "Decision maker met", "接触决策人", 30, OPEN),
    ("solution", "Solution presented", "方案交流", 40, OPEN),
    ("preferred", "Strong need, prefers us", "需求强烈并偏爱我们", 50, OPEN),
    ("proposal", "Quotation", "报价", 60, OPEN),
    ("negotiation", "Negotiating terms", "商务谈判", 70, OPEN),
    ("contract", "Contract", "签约中", 90, OPEN),
    ("won", "Won", "成交", 100, WON),
    ("lost", "Lost", "丢单", 0, LOST),
)
KEY_RE = re.compile(r"^[a-z][a-z0-9_]{0,62}$")


def _invalid(field: str, message: str) -> ApiError:
    return ApiError(422, message, fields={field: [message]})


def seed_defaults() -> Pipeline:
    """Create the default pipeline (direct sales) with the nine stages plus lost, once."""
    existing = Pipeline.get_or_none(Pipeline.is_default == True)  # noqa: E712
    if existing is not None:
        return existing
    with Pipeline._meta.database.atomic():
        pipeline = Pipeline.create(key="direct", name="Direct sales", name_zh="直销",
                                   position=0, is_default=True)
        for position, (key, name, name_zh, probability, kind) in enumerate(DEFAULT_STAGES):
            Stage.create(pipeline=pipeline, key=key, name=name, name_zh=name_zh,
                         probability=probability, position=position, kind=kind)
    forget()
    return pipeline


def create_pipeline(key: str, name: str, name_zh: str = "",
                    stages: list[dict[str, Any]] | None = None) -> Pipeline:
    """A new pipeline; without ``stages`` it gets the default ones, keyed ``<key>_<stage>``."""
    if not isinstance(key, str) or not KEY_RE.match(key):
        raise _invalid("key", "use lowercase letters, digits and underscores, starting with a letter")
    if Pipeline.get_or_none(Pipeline.key == key):
        raise _invalid("key", f"pipeline {key!r} already exists")
    if not (name or "").strip():
        raise _invalid("name", "a pipeline needs a name")
    if stages is None:
        stages = [{"key": f"{key}_{k}", "name": n, "name_zh": z, "probability": p, "kind": kind}
                  for k, n, z, p, kind in DEFAULT_STAGES]
    _check_stage_set(stages)
    with Pipeline._meta.database.atomic():
        position = (Pipeline.select(Pipeline.position).order_by(Pipeline.position.desc())
                    .limit(1).scalar() or 0) + 1
        pipeline = Pipeline.create(key=key, name=name.strip(), name_zh=name_zh or "", position=position)
        for index, spec in enumerate(stages):
            Stage.create(pipeline=pipeline, key=spec["key"], name=spec["name"],
                         name_zh=spec.get("name_zh", ""), probability=int(spec["probability"]),
                         kind=spec.get("kind", OPEN), position=index)
    forget()
    return pipeline


def _check_stage_set(stages: list[dict[str, Any]]) -> None:
    kinds = [spec.get("kind", OPEN) for spec in stages]
    if kinds.count(WON) != 1 or kinds.count(LOST) != 1 or OPEN not in kinds:
        raise _invalid("stages", "a pipeline needs open stages, one won stage and one lost stage")
    keys = [spec.get("key") for spec in stages]
    if len(set(keys)) != len(keys):
        raise _invalid("stages", "stage keys must differ")
    for spec in stages:
        _check_key(spec.get("key"))
        _check_probability(spec.get("kind", OPEN), spec.get("probability"))
        if not str(spec.get("name") or "").strip():
            raise _invalid("name", "a stage needs a name")


def _check_key(key: Any) -> None:
    if not isinstance(key, str) or not KEY_RE.match(key):
        raise _invalid("key", "use lowercase letters, digits and underscores, starting with a letter")
    if Stage.get_or_none(Stage.key == key):
        raise _invalid("key", f"stage {key!r} already exists")


def _check_probability(kind: str, probability: Any) -> None:
    if kind not in (OPEN, WON, LOST):
        raise _invalid("kind", "kind must be open, won or lost")
    if isinstance(probability, bool) or not isinstance(probability, int):
        raise _invalid("probability", "probability is a whole number of percent")
    wanted = {WON: (100, 100), LOST: (0, 0), OPEN: (1, 99)}[kind]
    if not wanted[0] <= probability <= wanted[1]:
        raise _invalid("probability", f"a {kind} stage's probability must be within {wanted[0]}–{wanted[1]}")


def add_stage(pipeline: Pipeline, key: str, name: str, probability: int, name_zh: str = "") -> Stage:
    """Add an open stage, placed among the open stages by its probability."""
    _check_key(key)
    _check_probability(OPEN, probability)
    if not (name or "").strip():
        raise _invalid("name", "a stage needs a name")
    with Stage._meta.database.atomic():
        ordered = stages_of(pipeline)
        index = next((i for i, s in enumerate(ordered)
                      if s.kind != OPEN or s.probability > probability), len(ordered))
        stage = Stage.create(pipeline=pipeline, key=key, name=name.strip(), name_zh=name_zh,
                             probability=probability, kind=OPEN, position=index)
        ordered.insert(index, stage)
        _renumber(ordered)
    forget()
    return stage


def update_stage(stage: Stage, **changes: Any) -> Stage:
    """Rename a stage or change its probability (weighted values follow at once)."""
    if "probability" in changes:
        _check_probability(stage.kind, changes["probability"])
        stage.probability = changes["probability"]
    for field in ("name", "name_zh"):
        if field in changes:
            value = str(changes[field] or "").strip()
            if field == "name" and not value:
                raise _invalid("name", "a stage needs a name")
            setattr(stage, field, value)
    stage.save()
    forget()
    return stage


def reorder_stages(pipeline: Pipeline, keys: list[str]) -> list[Stage]:
    """Put the pipeline's open stages in the order of ``keys`` (won and lost stay last)."""
    ordered = stages_of(pipeline)
    open_keys = [s.key for s in ordered if s.kind == OPEN]
    if sorted(keys) != sorted(open_keys):
        raise _invalid("keys", "name every open stage of the pipeline exactly once")
    by_key = {s.key: s for s in ordered}
    result = [by_key[k] for k in keys] + [s for s in ordered if s.kind != OPEN]
    with Stage._meta.database.atomic():
        _renumber(result)
    forget()
    return result


def delete_stage(stage: Stage) -> None:
    """Remove an open stage that no deal (live or in the trash) has ever been in."""
    from plugins.funnel.models import StageChange

    if stage.kind != OPEN:
        raise ApiError(409, "the won and lost stages of a pipeline cannot be removed")
    used = (Deal.select().where((Deal.stage == stage) | (Deal.max_stage == stage)).exists()
            or StageChange.select().where((StageChange.to_stage == stage)
                                          | (StageChange.from_stage == stage)).exists())
    if used:
        raise ApiError(409, "deals have been in this stage; rename it instead of removing it")
    with Stage._meta.database.atomic():
        pipeline = stage.pipeline
        stage.delete_instance()
        forget()
        _renumber(stages_of(pipeline))
    forget()


def _renumber(stages: list[Stage]) -> None:
    for position, stage in enumerate(stages):
        if stage.position != position:
            Stage.update(position=position).where(Stage.id == stage.id).execute()
            stage.position = position


# -- look-ups -------------------------------------------------------------------------------------


def default_pipeline() -> Pipeline:
    pipeline = Pipeline.get_or_none(Pipeline.is_default == True)  # noqa: E712
    return pipeline if pipeline is not None else seed_defaults()


def pipelines() -> list[Pipeline]:
    return list(Pipeline.select().order_by(Pipeline.position, Pipeline.id))


def stages_of(pipeline: Pipeline | int | None = None) -> list[Stage]:
    """Stages in order (of one pipeline, or of all pipelines); read once per request."""
    cached = g.get("_funnel_stage_list") if has_app_context() else None
    if cached is None:
        cached = list(Stage.select(Stage, Pipeline).join(Pipeline)
                      .order_by(Pipeline.position, Pipeline.id, Stage.position))
        if has_app_context():
            g._funnel_stage_list = cached
    if pipeline is None:
        return list(cached)
    pipeline_id = pipeline if isinstance(pipeline, int) else pipeline.id
    return [s for s in cached if s.pipeline_id == pipeline_id]


def forget() -> None:
    """Drop this request's cached stages (after an admin changed them)."""
    if has_app_context():
        g.pop("_funnel_stage_list", None)
        g.pop("_funnel_stages", None)


def stage_by_key(key: Any, field: str = "stage") -> Stage:
    """The stage named ``key``, or a 422 naming ``field``."""
    stage = Stage.get_or_none(Stage.key == key) if isinstance(key, str) else None
    if stage is None:
        raise _invalid(field, f"no stage {key!r}")
    return stage


def first_stage(pipeline: Pipeline) -> Stage:
    return next(s for s in stages_of(pipeline) if s.kind == OPEN)


def stage_label(stage: Stage, zh: bool) -> str:
    return stage.name_zh if zh and stage.name_zh else stage.name
