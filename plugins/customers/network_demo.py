"""``xietong demo``: relations between the demo customers (chains of suppliers and buyers,
competitors, groups of relatives), a few activities each and schedule items around today."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from core.identity.models import User
from plugins.customers import schedule_time as times
from plugins.customers.activities import BUILTIN_ACTIVITY_TYPES, touch_customer
from plugins.customers.activities_models import Activity
from plugins.customers.models import Customer
from plugins.customers.relations_models import Relation
from plugins.customers.schedule_models import ScheduleItem

TITLES = {
    "presales": "方案交流",
    "implementation": "上线实施",
    "progress": "项目周会",
    "acceptance": "工程验收",
    "after_sales": "售后回访",
    "campaign": "新品发布会",
    "revisit": "季度回访",
}
OUTCOMES = ("客户有意向,等报价", "需求已确认", "验收通过", "提出两个改进点", "约了下次拜访")


def make_demo(count: int, progress: Any, seed: int = 6) -> str | None:
    """Relations, activities and schedule for the ``count`` newest customers."""
    if count <= 1:
        return None
    rng = random.Random(seed)
    ids = [
        c.id
        for c in Customer.select(Customer.id, Customer.owner)
        .where(Customer.deleted_at.is_null())
        .order_by(Customer.id.desc())
        .limit(count)
    ]
    owners = dict(Customer.select(Customer.id, Customer.owner).where(Customer.id.in_(ids)).tuples())
    users = [u.id for u in User.select(User.id).where(User.active == True)] or [None]  # noqa: E712
    ids.sort()
    relations = activities = items = 0
    now = times.now()
    with progress("relations, activities, schedule", len(ids)) as bar:
        for position, cid in enumerate(ids):
            relations += _relate(rng, cid, ids, position)
            for _ in range(rng.randint(0, 3)):
                key = rng.choice(BUILTIN_ACTIVITY_TYPES)[0]
                when = now - dt.timedelta(days=rng.randint(1, 200), hours=rng.randint(0, 8))
                Activity.create(
                    customer=cid,
                    type=key,
                    title=TITLES[key],
                    date=when,
                    outcome=rng.choice(OUTCOMES),
                    author=owners.get(cid) or rng.choice(users),
                )
                touch_customer(cid, when)
                activities += 1
            if rng.random() < 0.4:
                start = (now + dt.timedelta(days=rng.randint(-30, 30))).replace(minute=0, second=0)
                start = start.replace(hour=rng.choice((1, 2, 3, 6, 7)))  # 09:00–15:00 in Shanghai
                ScheduleItem.create(
                    customer=cid,
                    kind=rng.choice(("meeting", "call", "visit")),
                    title="拜访客户",
                    start=start,
                    end=start + dt.timedelta(hours=1),
                    timezone="Asia/Shanghai",
                    series_end=start + dt.timedelta(hours=1),
                    owner=owners.get(cid) or users[0],
                    status="done" if start < now else "planned",
                    reminders=[30],
                    uid=f"demo-{cid}-{start:%Y%m%d%H}@xietong",
                )
                items += 1
            bar.update(1)
    return f"{relations} relations, {activities} activities, {items} schedule items"


def _relate(rng: random.Random, cid: int, ids: list[int], position: int) -> int:
    made = 0
    for _ in range(rng.randint(0, 3)):
        if rng.random() < 0.7:
            other = ids[min(len(ids) - 1, max(0, position + rng.randint(-5, 5)))]
        else:
            other = rng.choice(ids)
        if other == cid:
            continue
        kind = rng.choices(("upstream", "competitor", "relative", "friend"), weights=(5, 2, 1, 2))[0]
        exists = (
            Relation.select()
            .where(
                ((Relation.source == cid) & (Relation.target == other))
                | ((Relation.source == other) & (Relation.target == cid))
            )
            .exists()
        )
        if not exists:
            Relation.create(source=cid, target=other, type=kind, strength=rng.randint(2, 5))
            made += 1
    return made
