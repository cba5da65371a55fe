"""``xietong demo`` fills the pool part too: a second pool with a level rule, follow-ups and plans
on the demo customers, and leads half in the lead pool — and a second run adds no pools or leads."""

from __future__ import annotations

from contextlib import contextmanager

import pytest

from plugins.customers.followups_models import Followup, FollowupPlan
from plugins.customers.leads_models import Lead
from plugins.customers.pool_demo import make_demo
from plugins.customers.pool_models import Pool, PoolRule
from plugins.customers.pool_testing import customer, team

pytestmark = pytest.mark.xietong_plugins("plugins.customers:plugin")


@contextmanager
def quiet(label: str, total: int):
    class Bar:
        done = 0

        def update(self, n: int) -> None:
            self.done += n

    bar = Bar()
    yield bar
    assert bar.done == total, label


def test_demo_data(kernel, tenant):
    with kernel.tenant_context(tenant):
        people = team()
        for i in range(30):
            customer(f"Demo {i}", owner=people.east1 if i % 3 else None)
        line = make_demo(30, quiet)
        assert line and "follow-ups" in line
        assert Pool.live().count() == 2
        assert PoolRule.select().where(PoolRule.level == "A").count() == 1
        assert Followup.select().count() > 0 and FollowupPlan.select().count() > 0
        assert Lead.select().count() == 8 and Lead.select().where(Lead.owner.is_null()).count() == 4
        make_demo(30, quiet)
        assert Pool.live().count() == 2 and Lead.select().count() == 8
