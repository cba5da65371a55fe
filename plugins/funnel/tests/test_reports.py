"""The boss's matrix, the forecast's 2/3 flag, the customer ranking and demo data."""

from __future__ import annotations

import contextlib
import datetime as dt

from plugins.funnel import quotas, reports, services
from plugins.funnel.demo import demo_deals
from plugins.funnel.models import Deal, StageChange
from plugins.funnel.tests.helpers import deal, fresh
from plugins.funnel.tests.test_pages import _backdate


def _cells(matrix, owner_id):
    row = next((r for r in matrix["rows"] if r["owner"]["id"] == owner_id), None)
    return None if row is None else row["cells"]


def test_matrix_counts_amounts_stale_and_scope(world, kernel):
    with kernel.tenant_context(world.tenant):
        sam = fresh(world.sam)
        for amount in ("10000", "30000"):
            services.move_stage(sam, deal(world.sam, world.customers["sam1"], amount), "preferred")
        old = deal(world.sam, world.customers["sam2"], "7000")
        _backdate(old.id, 45)
        deal(world.cal, world.customers["cal1"], "5000")
        boss = reports.matrix(fresh(world.boss))
        assert _cells(boss, world.sam.id)["preferred"] == {
            "deals": 2, "amount": "40000.00", "weighted": "20000.00", "stale": 0, "stale_amount": "0.00"}
        assert _cells(boss, world.sam.id)["interest"]["stale"] == 1
        assert _cells(boss, world.cal.id)["interest"]["deals"] == 1
        funnel = {c["key"]: c["deals"] for c in boss["funnel"]}
        assert funnel["preferred"] == 2 and funnel["interest"] == 2
        assert reports.matrix(fresh(world.boss), days=60)["rows"][0]["stale"] == 0  # 45 days < 60
        team = reports.matrix(fresh(world.mia))
        assert _cells(team, world.cal.id) is None and _cells(team, world.sam.id)
        own = reports.matrix(fresh(world.sue))
        assert own["rows"] == []
        assert [d.id for d in reports.stale_deals(fresh(world.mia))] == [old.id]
        assert reports.stale_deals(fresh(world.cal)) == []


def test_forecast_flags_who_lacks_high_stage_value_at_two_thirds(world, kernel):
    start, end = dt.date(2025, 1, 1), dt.date(2025, 3, 31)
    with kernel.tenant_context(world.tenant):
        for person in (world.sam, world.sue):
            quotas.create_quota(fresh(world.mia), {"owner_id": person.id, "amount": "100000",
                                                   "period_start": str(start), "period_end": str(end)})
        sam, sue = fresh(world.sam), fresh(world.sue)
        # sam: 20% of quota won, but 200,000 in the 50% stage covers the 80,000 gap
        services.move_stage(sam, deal(world.sam, world.customers["sam1"], "200000"), "preferred")
        # sue: 20% won too, and only early-stage deals: at risk in the last month
        services.move_stage(sue, deal(world.sue, world.customers["sue1"], "500000"), "qualified")
        for person, customer in ((world.sam, "sam1"), (world.sue, "sue1")):
            won = services.move_stage(fresh(person), deal(person, world.customers[customer], "20000"), "won")
            Deal.update(stage_changed_at=dt.datetime(2025, 2, 10, 3)).where(Deal.id == won.id).execute()
        from plugins.funnel import aggregates

        aggregates.rebuild()
        early = reports.forecast(fresh(world.mia), start, end, on=dt.date(2025, 1, 20))
        late = reports.forecast(fresh(world.mia), start, end, on=dt.date(2025, 3, 10))
        late_team = reports.forecast(fresh(world.mia), start, end, world.sales.id, on=dt.date(2025, 3, 10))
    rows = {r["owner"]["id"]: r for r in late["rows"]}
    assert rows[world.sue.id]["at_risk"] and not rows[world.sam.id]["at_risk"]
    assert rows[world.sam.id]["won"] == "20000.00" and rows[world.sam.id]["quota"] == "100000.00"
    assert rows[world.sam.id]["high_stage_weighted"] == "100000.00"
    assert rows[world.sue.id]["weighted_pipeline"] == "100000.00"  # all of it in a 20% stage
    assert rows[world.sue.id]["high_stage_weighted"] == "0.00" and rows[world.sue.id]["gap"] == "80000.00"
    assert late["rows"][0]["owner"]["id"] == world.sue.id  # those at risk come first
    assert not any(r["at_risk"] for r in early["rows"])  # not before two thirds of the period
    assert {r["owner"]["id"] for r in late_team["rows"]} == {world.mia.id, world.sam.id, world.sue.id}


def test_quota_proration_and_customer_ranking(world, kernel):
    with kernel.tenant_context(world.tenant):
        quotas.create_quota(fresh(world.mia), {"owner_id": world.sam.id, "amount": "90000",
                                               "period_start": "2025-01-01", "period_end": "2025-03-31"})
        month = reports.forecast(fresh(world.mia), dt.date(2025, 2, 1), dt.date(2025, 2, 28))
        assert next(r for r in month["rows"] if r["owner"]["id"] == world.sam.id)["quota"] == "30000.00"
        sam = fresh(world.sam)
        services.move_stage(sam, deal(world.sam, world.customers["sam1"], "100000"), "preferred")  # 50,000
        services.move_stage(sam, deal(world.sam, world.customers["sam2"], "60000"), "contract")  # 54,000
        deal(world.sam, world.customers["sam2"], "900000")  # 10%: below the high stages
        ranking = reports.customer_ranking(fresh(world.boss))
        assert [(r["name"], r["score"]) for r in ranking] == [("Sam customer 2", "54000.00"),
                                                              ("Sam customer 1", "50000.00")]
        assert reports.customer_ranking(fresh(world.cal)) == []
        assert len(reports.customer_ranking(fresh(world.boss), minimum=10)) == 2


def test_demo_deals_make_history_and_right_aggregates(world, kernel):
    from plugins.funnel import aggregates

    class Bar:
        def __init__(self):
            self.done = 0

        def update(self, n):
            self.done += n

    bars = []

    @contextlib.contextmanager
    def progress(label, total):
        bars.append(Bar())
        yield bars[-1]

    with kernel.tenant_context(world.tenant):
        line = demo_deals({"deals": 300}, progress)
        assert "300 deals" in line and bars[0].done == 300
        assert Deal.select().count() == 300 and StageChange.select().count() > 300
        assert aggregates.stored() == aggregates.from_scratch()
        assert Deal.select().where(Deal.status == "won").exists()
