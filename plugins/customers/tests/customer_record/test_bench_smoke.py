"""The customers benchmark at a small size (CI's smoke run of bench/customers): the generator
writes a real installation, and every measurement runs against it — list throughput of the
app and of the bare baseline under one load tool, search, the customer page and an import.
The full run (a million customers) is ``python -m bench.customers.run``; see RESULTS.md."""

from __future__ import annotations

import os

SCALE = int(os.environ.get("XIETONG_BENCH_SCALE", "2000"))


def test_benchmark_smoke(tmp_path):
    from bench.customers.run import run

    results = run(
        tmp_path / "bench", SCALE, reuse=False, seconds=1, import_rows=max(200, SCALE // 4), tool="python"
    )
    assert results["customers"] == SCALE and results["contacts"] == 2 * SCALE
    listing = results["list"]
    assert listing["bare_rps"] > 0 and listing["xietong_rps"] > 0 and listing["ratio"] > 0
    for kind in ("cjk2", "pinyin", "initials"):
        for who in ("admin", "sales"):
            figures = results["search"][f"quick.{kind}.{who}"]
            assert figures["n"] > 0 and 0 < figures["p50_ms"] <= figures["p95_ms"] <= figures["max_ms"]
    page = results["page"]
    assert page["page"]["n"] == 200
    assert {"contacts", "notes", "transactions", "attachments"} <= set(page["tabs"])
    imported = results["import"]
    assert imported["created"] + imported["skipped"] == imported["rows"] and imported["rows_per_second"] > 0


def test_the_generated_data_is_searchable_and_consistent(tmp_path):
    import json

    from bench.customers.generate import generate, make_app

    info = generate(tmp_path / "bench", 300, quiet=True)
    app = make_app(tmp_path / "bench")
    client = app.test_client()
    headers = {"Authorization": f"Bearer {info['admin_token']}"}
    body = client.get(
        f"/t/{info['tenant']}/api/v1/customers", query_string={"limit": 200}, headers=headers
    ).get_json()
    assert len(body["items"]) == 200 and body["next"]
    first = body["items"][0]
    found = client.get(
        f"/t/{info['tenant']}/api/v1/customers/search", query_string={"q": first["name"][:2]}, headers=headers
    ).get_json()["items"]
    assert first["id"] in {c["id"] for c in found} or len(found) == 20
    contacts = client.get(
        f"/t/{info['tenant']}/api/v1/customers/{first['id']}/contacts", headers=headers
    ).get_json()
    assert len(contacts["items"]) == 2
    mine = client.get(
        f"/t/{info['tenant']}/api/v1/customers",
        query_string={"limit": 200},
        headers={"Authorization": f"Bearer {info['sales_token']}"},
    ).get_json()["items"]
    assert mine and {c["owner_id"] for c in mine} == {info["owner"]}
    assert json.loads((tmp_path / "bench" / "bench.json").read_text())["customers"] == 300
