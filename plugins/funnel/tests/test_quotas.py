"""Quotas worked backwards (the seed's example 1) and measured conversion."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from core.errors import ApiError
from core.identity import permissions
from plugins.funnel import quotas, services
from plugins.funnel.models import Quota
from plugins.funnel.tests.helpers import deal, fresh

Q1 = {"period_start": "2025-01-01", "period_end": "2025-03-31"}


def seed_quota(world, **extra):
    data = {"owner_id": world.sam.id, "amount": "300000", "territories": ["广东", "广西", "湖南"],
            "deal_size": "10000", **Q1, **extra}
    return quotas.create_quota(fresh(world.mia), data)


def test_the_seeds_numbers_come_out(world, kernel):
    """300,000 a quarter over three provinces → 100,000 a province → ≈33,333 a month; at
    10,000 a deal at least 3 deals a month → ≈30 prospects at the 10% stage."""
    with kernel.tenant_context(world.tenant):
        plan = quotas.plan(seed_quota(world))
    assert [t["amount"] for t in plan["territories"]] == ["100000.00"] * 3
    assert [m["amount"] for m in plan["territories"][0]["months"]] == ["33333.33"] * 3
    assert [m["month"] for m in plan["months"]] == ["2025-01", "2025-02", "2025-03"]
    cell = plan["per_territory_month"]
    assert cell["amount"] == "33333.33" and plan["deal_size_source"] == "quota"
    assert cell["deals"] == "3.33" and 3 <= Decimal(cell["deals"]) < 4  # "至少成交3个客户以上"
    first = cell["prospects"][0]
    assert first["stage"] == "interest" and first["rate"] == "0.1000"  # no history: the probability
    assert first["count"] == "33.33" and 30 <= Decimal(first["count"]) < 40  # "至少30个潜在客户"
    assert cell["prospects"][-1] == {"stage": "won", "probability": 100, "rate": "1", "count": "3.33",
                                     "whole": 4}
    counts = [Decimal(p["count"]) for p in cell["prospects"]]
    assert counts == sorted(counts, reverse=True)  # a funnel: more prospects in earlier stages
    assert plan["whole_period"]["deals"] == "30.00" and plan["per_month"]["amount"] == "100000.00"


def test_measured_conversion_and_deal_size_replace_the_defaults(world, kernel):
    with kernel.tenant_context(world.tenant):
        sam = fresh(world.sam)
        for n in range(30):  # 30 deals reach "preferred"; 15 of them are won at 20,000
            created = deal(world.sam, world.customers["sam1"], "20000")
            services.move_stage(sam, created, "preferred")
            services.move_stage(sam, created, "won" if n % 2 else "lost")
        for _ in range(30):  # 30 more die right after interest
            services.move_stage(sam, deal(world.sam, world.customers["sam2"], "5000"), "lost")
        quota = seed_quota(world, deal_size=None)
        plan = quotas.plan(quota)
        given = quotas.plan(quota, Decimal("10000"))
    rates = {c["stage"]: c for c in plan["conversion"]}
    assert rates["interest"]["closed"] == 60 and rates["interest"]["won"] == 15
    assert rates["interest"]["measured"] == "0.2500"
    # 15 won + 20 × 10% prior over 60 closed + 20: blended, not the raw probability
    assert rates["interest"]["rate"] == str((Decimal(17) / Decimal(80)).quantize(Decimal("0.0001")))
    assert rates["preferred"]["measured"] == "0.5000"
    assert plan["deal_size"] == "20000.00" and plan["deal_size_source"] == "measured_people"
    assert given["deal_size_source"] == "given" and given["per_territory_month"]["deals"] == "3.33"


def test_progress_counts_won_deals_in_the_period(world, kernel):
    with kernel.tenant_context(world.tenant):
        today = dt.date.today()
        quota = seed_quota(world, period_start=str(today.replace(day=1)),
                           period_end=str(today.replace(day=1) + dt.timedelta(days=80)))
        services.move_stage(fresh(world.sam), deal(world.sam, world.customers["sam1"], "12000"), "won")
        services.move_stage(fresh(world.sam), deal(world.sam, world.customers["sam1"], "8000"), "negotiation")
        progress = quotas.progress(quota)
    assert progress["won"] == "12000.00" and progress["won_deals"] == 1
    assert progress["attainment"] == "0.0400" and progress["weighted_pipeline"] == "5600.00"
    assert progress["won_by_territory"] == {"广东": "12000.00"}


@pytest.mark.parametrize("bad, field", [
    ({"period_start": "2025-03-31", "period_end": "2025-01-01"}, "period_end"),
    ({"period_end": "not a date"}, "period_end"),
    ({"amount": "-5"}, "amount"),
    ({"amount": "0"}, "amount"),
    ({"territories": ["广东", "广东"]}, "territories"),
    ({"territories": [{"name": "x", "weight": "-1"}]}, "territories"),
    ({"department_id": 1}, "owner_id"),
    ({"surprise": 1}, "surprise"),
])
def test_bad_quotas_are_422(world, kernel, bad, field):
    with kernel.tenant_context(world.tenant), pytest.raises(ApiError) as caught:
        seed_quota(world, **bad)
    assert caught.value.status == 422 and field in caught.value.fields
    with kernel.tenant_context(world.tenant):
        assert Quota.select().count() == 0


def test_team_quota_is_seen_by_its_team_and_weighted_territories(world, kernel):
    with kernel.tenant_context(world.tenant):
        quota = quotas.create_quota(fresh(world.mia), {
            "department_id": world.sales.id, "amount": "90000", **Q1,
            "territories": [{"name": "广东", "weight": 2}, {"name": "广西", "weight": 1}]})
        assert permissions.can(fresh(world.sam), "read", "quota", quota)
        assert not permissions.can(fresh(world.cal), "read", "quota", quota)
        assert not permissions.can(fresh(world.sam), "write", "quota", quota)
        assert permissions.can(fresh(world.mia), "write", "quota", quota)
        listed = permissions.visible(Quota.live(), fresh(world.sam), "quota", Quota)
        assert [q.id for q in listed] == [quota.id]
        assert sorted(quotas.people_of(quota)) == sorted([world.mia.id, world.sam.id, world.sue.id])
        plan = quotas.plan(quota)
        assert [t["amount"] for t in plan["territories"]] == ["60000.00", "30000.00"]
        assert plan["deal_size"] is None and plan["per_month"]["deals"] is None  # nothing measured yet
        with pytest.raises(ApiError) as forbidden:
            quotas.create_quota(fresh(world.cal), {"department_id": world.sales.id, "amount": "1", **Q1})
        assert forbidden.value.status == 403
