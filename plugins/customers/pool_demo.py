"""``xietong demo``: pools with rules, follow-ups and plans on the demo customers, some of them
in the pool, and leads (half of them in the lead pool). Runs after the customers' own demo."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from core.identity.models import User
from plugins.customers.followups_models import FOLLOWUP_KINDS, Followup, FollowupPlan
from plugins.customers.leads_models import LEAD_SOURCES, Lead
from plugins.customers.models import Customer
from plugins.customers.pool import default_pool, ensure_default_pool, set_rules
from plugins.customers.pool_common import utcnow
from plugins.customers.pool_models import Pool, PoolState

NOTES = ("介绍了新产品线", "客户在比较三家供应商", "约了下周现场演示", "报价已发送，等待反馈",
         "对方负责人出差，改期")
PLANS = ("回电确认需求", "发送修订报价", "上门拜访", "邀请参加发布会")
LEAD_NAMES = ("苏州启明软件有限公司", "成都蓝鲸物流有限公司", "Harbor Analytics Ltd.",
              "青岛海川食品有限公司", "武汉光谷芯片科技有限公司", "Northwind Traders Co.",
              "长沙湘江文化传媒有限公司", "厦门鹭岛贸易有限公司")
PEOPLE = ("陈静", "刘洋", "Anna Berg", "周杰", "孙丽", "Tom Hardy", "郭强", "何芸")


def make_demo(count: int, progress: Any, seed: int = 9) -> str | None:
    """Follow-ups and plans for the ``count`` newest customers, a key-account pool, leads."""
    if count <= 0:
        return None
    rng = random.Random(seed)
    now = utcnow()
    pool = default_pool() or ensure_default_pool()
    if not pool.rules.exists():
        set_rules(pool, [{"kind": "no_followup", "days": 60}, {"kind": "no_won_deal", "days": 180}])
    if not Pool.live().where(Pool.name == "重点客户池").exists():
        key = Pool.create(name="重点客户池", description="A 级客户：跟进更勤，回收更快", position=1,
                          warn_days=5, daily_claims=3, reclaim_ban_days=30)
        set_rules(key, [{"kind": "no_followup", "days": 30, "level": "A"}])
    customers = list(Customer.select(Customer.id, Customer.owner).where(Customer.deleted_at.is_null())
                     .order_by(Customer.id.desc()).limit(count))
    users = [u.id for u in User.select(User.id).where(User.active == True)]  # noqa: E712
    followups = plans = 0
    with progress("follow-ups", len(customers)) as bar:
        for customer in customers:
            author = customer.owner_id or (rng.choice(users) if users else None)
            last = None
            for _ in range(rng.randint(0, 4)):
                last = now - dt.timedelta(days=rng.randint(1, 120), hours=rng.randint(0, 9))
                Followup.create(customer=customer.id, author=author, kind=rng.choice(FOLLOWUP_KINDS),
                                content=rng.choice(NOTES), happened_at=last, created_at=last, updated_at=last)
                followups += 1
            since = now - dt.timedelta(days=rng.randint(10, 200)) if customer.owner_id else None
            PoolState.insert(customer=customer.id, last_followup_at=last, locked=False, version=1,
                             owned_since=since).on_conflict_ignore().execute()
            if customer.owner_id and rng.random() < 0.5:
                FollowupPlan.create(customer=customer.id, user=customer.owner_id, note=rng.choice(PLANS),
                                    due_at=now + dt.timedelta(hours=rng.randint(-30, 240)), created_by=author)
                plans += 1
            bar.update(1)
    leads = 0
    if not Lead.select().exists():
        for i, name in enumerate(LEAD_NAMES):
            owner = None if i % 2 or not users else rng.choice(users)
            Lead.create(name=name, contact_name=PEOPLE[i], mobile=f"1390000{1000 + i}", owner=owner,
                        source=LEAD_SOURCES[i % 6], region=rng.choice(("华东", "西南", "华中")))
            leads += 1
    return f"{followups} follow-ups, {plans} plans, {leads} leads"
