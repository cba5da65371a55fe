"""The network benchmark at a small size (CI's smoke run of bench/network): the generator
writes a valid network through the real migrations and the measurements come back sane."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[3] / "bench" / "network"


def load(name: str):
    spec = importlib.util.spec_from_file_location(f"bench_network_{name}", BENCH / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_benchmark_smoke(tmp_path):
    """SQLite only, as the benchmark itself: the generator writes the tenant's file directly."""
    from core.app import create_app

    generate, run = load("generate"), load("run")
    app = create_app({"TESTING": True, "XIETONG_DATA": str(tmp_path), "XIETONG_DATABASE_URL": None,
                      "SECRET_KEY": "bench", "XIETONG_PLUGINS": ["plugins.customers:plugin"],
                      "XIETONG_QUEUE": "memory"})
    kernel = app.extensions["xietong"]
    slug = run.SLUG
    kernel.create_tenant(slug, "Network benchmark", modules=["customers"])
    report = generate.generate(kernel, slug, customers=5000, relations=15000, hubs=1, hub_degree=1200,
                               say=lambda line: None)
    assert report["relations"] == 15000
    with kernel.tenant_context(slug) as runtime:
        db = runtime.database
        assert db.execute_sql("SELECT count(*) FROM customers_relation").fetchone()[0] == 15000
        assert db.execute_sql("SELECT count(*) FROM customers_relation WHERE source_id = target_id"
                              ).fetchone()[0] == 0
        plan = " ".join(str(r) for r in db.execute_sql(
            "EXPLAIN QUERY PLAN SELECT id, source_id, target_id, type, strength FROM customers_relation "
            "WHERE source_id IN (1, 2) AND deleted_at IS NULL").fetchall())
        assert "COVERING INDEX customers_relation_by_source" in plan
    results = run.measure(kernel, 5000, samples=10, paths=5)
    typical = results["depth3_admin_limit300"]
    assert typical["n"] == 10 and 0 < typical["p95_ms"] < 5000 and typical["nodes_max"] <= 300
    hub = results["hub_depth3_admin"]
    assert hub["degree_max"] >= 1000 and hub["nodes_max"] <= 300 and hub["paginated"] is True
    assert results["shortest_path_admin"]["n"] == 5
