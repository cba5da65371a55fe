"""The desktop benchmark at small scale (CI's smoke run; the full run is bench/desktop/).

It builds a bench installation as ``python -m bench.desktop.generate`` does — on the embedded
default, SQLite files — fills it with customers, contacts, deals and announcements through
the bench's generator, and times every widget request of three users' desktops.
"""

from __future__ import annotations

from bench.desktop.generate import SLUG, fill
from bench.desktop.run import BUDGET_MS, measure, table
from core.app import create_app


def test_bench_smoke(tmp_path):
    app = create_app({"XIETONG_DATA": str(tmp_path / "bench"), "XIETONG_DATABASE_URL": None,
                      "XIETONG_REDIS_URL": None, "SECRET_KEY": "bench", "TESTING": True})
    kernel = app.extensions["xietong"]
    kernel.create_tenant(SLUG, "Bench Co", modules=["customers", "funnel", "desktop"])
    try:
        report = fill(kernel, SLUG, n_customers=2000, n_deals=2000, n_announcements=40, say=lambda _: None)
        assert report["customers"] == 2000 and report["deals"] == 2000
        rows = measure(app, SLUG, requests=5)
    finally:
        kernel.drop_tenant(SLUG)
    print(table(rows))
    widgets = {r["widget"] for r in rows if not r["widget"].startswith("(")}
    assert {"desktop.announcements", "desktop.policies"} <= widgets
    assert any(w.startswith("funnel.") for w in widgets)
    assert all(r["status"] == [200] for r in rows), table(rows)
    # A smoke run on a shared CI machine checks that no widget is far off its budget (median
    # within twice the p95 budget at this size); the budget itself is measured on the full data
    # set (bench/desktop/RESULTS.md), where p95 must stay within BUDGET_MS.
    assert all(r["cold_p50"] <= 2 * BUDGET_MS for r in rows), table(rows)
