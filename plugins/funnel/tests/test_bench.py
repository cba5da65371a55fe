"""The benchmark at a small size (CI's smoke run); the full run is in bench/funnel/RESULTS.md."""

from __future__ import annotations

import argparse


def test_bench_smoke(tmp_path):
    from bench.funnel.bench import run

    args = argparse.Namespace(deals=1500, customers=150, teams=3, team_size=4, runs=5, seed=11,
                              data=str(tmp_path / "bench"))
    result = run(args, log=lambda line: None)
    assert result["agree"]  # every matrix cell equals the plain GROUP BY's answer
    assert result["stage_changes"] > 5 * result["deals"]
    for name in ("matrix", "matrix_baseline", "matrix_baseline_scan", "forecast", "forecast_baseline",
                 "move"):
        assert 0 < result[name]["p50"] <= result[name]["p95"] <= result[name]["max"]
