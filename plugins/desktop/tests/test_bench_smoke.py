"""The desktop benchmark at small scale (CI's smoke run; the full run is bench/desktop/).

It fills a tenant with customers, contacts, deals and announcements through the bench's
generator and times every widget request of three users' desktops.
"""

from __future__ import annotations

from bench.desktop.generate import fill
from bench.desktop.run import BUDGET_MS, measure, table


def test_bench_smoke(app, kernel, tenant_factory):
    slug = tenant_factory(modules=["customers", "funnel", "desktop"])
    report = fill(kernel, slug, n_customers=2000, n_deals=2000, n_announcements=40, say=lambda _: None)
    assert report["customers"] == 2000 and report["deals"] == 2000
    rows = measure(app, slug, requests=5)
    print(table(rows))
    widgets = {r["widget"] for r in rows if not r["widget"].startswith("(")}
    assert {"desktop.announcements", "desktop.policies"} <= widgets
    assert any(w.startswith("funnel.") for w in widgets)
    assert all(r["status"] == [200] for r in rows), table(rows)
    # A smoke run on a shared CI machine checks that no widget is far off its budget (median
    # within twice the p95 budget at this size); the budget itself is measured on the full data
    # set (bench/desktop/RESULTS.md), where p95 must stay within BUDGET_MS.
    assert all(r["cold_p50"] <= 2 * BUDGET_MS for r in rows), table(rows)
