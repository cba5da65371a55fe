"""Realistic deals with stage history, fast: for ``xietong demo`` and the benchmarks.

Each deal starts at the first stage on a random day of the span and walks the stages —
mostly forward, sometimes back — a few days to weeks per step, until it is won, lost, or
today comes (then it stays open; deals open for over a year are marked lost). Rows go in with
``executemany`` in large batches and the aggregates are rebuilt once at the end.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Sequence
from typing import Any

import peewee

from core.identity.models import utcnow
from plugins.funnel import aggregates
from plugins.funnel import stages as stage_service
from plugins.funnel.models import LOST, OPEN, WON, Deal, Stage

DEAL_COLUMNS = ("id", "created_at", "updated_at", "version", "deleted_at", "customer_id", "pipeline_id",
                "stage_id", "max_stage_id", "status", "title", "amount", "owner_id", "expected_close",
                "territory", "description", "stage_changed_at", "closed_at", "created_by_id", "counted")
HISTORY_COLUMNS = ("deal_id", "from_stage_id", "to_stage_id", "user_id", "at", "amount")
TITLES = ("ERP upgrade", "CRM rollout", "Annual maintenance", "Hardware refresh", "Training package",
          "年度服务合同", "设备采购", "系统集成项目", "软件升级", "咨询服务")
REGIONS = ("广东", "浙江", "江苏", "上海", "北京", "四川", "湖北", "山东", "Hong Kong", "Singapore")


def _walk(rng: random.Random, open_stages: list[Stage], won: Stage, lost: Stage,
          start: dt.datetime, now: dt.datetime, mean_steps: float) -> list[tuple[Stage, dt.datetime]]:
    """The stages a deal visits with their times (the first is its creation)."""
    path = [(open_stages[0], start)]
    index, at = 0, start
    steps = max(0, int(rng.expovariate(1 / max(mean_steps - 1, 0.1))))
    for _ in range(steps):
        at = at + dt.timedelta(days=rng.expovariate(1 / 9), minutes=rng.randrange(1440))
        if at >= now:
            break
        roll = rng.random()
        if roll < 0.03:
            path.append((lost, at))
            return path
        index += 1 if roll < 0.6 else (2 if roll < 0.65 else -1)  # deals slip back, too
        index = max(0, index)
        if index >= len(open_stages):
            path.append((won, at))
            return path
        path.append((open_stages[index], at))
    if (now - path[-1][1]).days > 365:
        path.append((lost, path[-1][1] + dt.timedelta(days=rng.randrange(20, 200))))
    return path


def generate(n_deals: int, customer_ids: Sequence[int], owner_ids: Sequence[int], *, seed: int = 7,
             years: float = 3.0, mean_steps: float = 24.0, batch: int = 20000,
             progress: Callable[[int], Any] | None = None, first_id: int | None = None) -> int:
    """Insert ``n_deals`` deals of the default pipeline with their history; returns the number
    of history rows. Rebuilds the aggregates at the end. Run inside a tenant context."""
    rng = random.Random(seed)
    db = Deal._meta.database.obj
    sqlite = isinstance(db, peewee.SqliteDatabase)
    pipeline = stage_service.default_pipeline()
    ordered = stage_service.stages_of(pipeline)
    open_stages = [s for s in ordered if s.kind == OPEN]
    won = next(s for s in ordered if s.kind == WON)
    lost = next(s for s in ordered if s.kind == LOST)
    position = {s.id: s.position for s in ordered}
    now = utcnow()
    span = dt.timedelta(days=365 * years)
    next_id = first_id or (Deal.select(peewee.fn.MAX(Deal.id)).scalar() or 0) + 1
    deal_sql = _insert_sql("funnel_deal", DEAL_COLUMNS, db)
    history_sql = _insert_sql("funnel_stage_change", HISTORY_COLUMNS, db)

    def stamp(value: dt.datetime | dt.date | None) -> Any:
        return str(value) if sqlite and value is not None else value

    history_count, deals, history = 0, [], []
    for number in range(n_deals):
        deal_id = next_id + number
        start = now - span * rng.random()
        path = _walk(rng, open_stages, won, lost, start, now, mean_steps)
        cents = int(rng.lognormvariate(10.3, 0.9)) // 100 * 10000 + 100000
        owner = owner_ids[rng.randrange(len(owner_ids))]
        stage, changed = path[-1]
        furthest = max((s for s, _ in path if s.kind != LOST), key=lambda s: position[s.id])
        deals.append((deal_id, stamp(start), stamp(changed), len(path), None,
                      customer_ids[rng.randrange(len(customer_ids))], pipeline.id, stage.id, furthest.id,
                      stage.kind, TITLES[deal_id % len(TITLES)], cents, owner,
                      stamp((start + dt.timedelta(days=rng.randrange(30, 180))).date()),
                      REGIONS[rng.randrange(len(REGIONS))], "", stamp(changed),
                      stamp(changed) if stage.kind != OPEN else None, owner, True))
        previous = None
        for step, at in path:
            history.append((deal_id, previous, step.id, owner, stamp(at), cents))
            previous = step.id
        if len(history) >= batch:
            history_count += _flush(db, deal_sql, deals, history_sql, history)
            deals, history = [], []
            if progress:
                progress(number + 1)
    history_count += _flush(db, deal_sql, deals, history_sql, history)
    if progress:
        progress(n_deals)
    aggregates.rebuild()
    return history_count


def _insert_sql(table: str, columns: Sequence[str], db: peewee.Database) -> str:
    mark = "?" if isinstance(db, peewee.SqliteDatabase) else "%s"
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join([mark] * len(columns))})"


def _flush(db: peewee.Database, deal_sql: str, deals: list, history_sql: str, history: list) -> int:
    with db.atomic():
        cursor = db.cursor()
        if deals:
            cursor.executemany(deal_sql, deals)
        if history:
            cursor.executemany(history_sql, history)
    return len(history)
