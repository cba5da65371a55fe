"""Benchmark of the relationship network on SQLite.

    python bench/network/run.py --customers 1000000 --relations 3000000 --data /tmp/netbench

generates the data once (``--reuse`` keeps an existing database), then times depth-3
extraction from typical customers (tens of neighbours), from hubs (thousands of neighbours)
and shortest paths, as an admin and as a salesperson whose invisible nodes are anonymous.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SLUG = "bench"


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def summary(times: list[float], cpu: list[float] | None = None) -> dict[str, float]:
    """Wall-clock percentiles, and those of this process's CPU time (what the request itself
    costs, whatever else the machine is doing)."""
    ms = [t * 1000 for t in times]
    result = {
        "n": len(ms),
        "p50_ms": round(statistics.median(ms), 2),
        "p95_ms": round(percentile(ms, 0.95), 2),
        "max_ms": round(max(ms), 2),
    }
    if cpu:
        cpu_ms = [t * 1000 for t in cpu]
        result.update(
            cpu_p50_ms=round(statistics.median(cpu_ms), 2), cpu_p95_ms=round(percentile(cpu_ms, 0.95), 2)
        )
    return result


def pick_nodes(
    db: Any, customers: int, want: int, low: int, high: int, rng: random.Random, step: int = 1
) -> list[int]:
    """Random customers (ids that are multiples of ``step``) whose degree is within [low, high]
    (fall back to the best found)."""
    sample = rng.sample(range(step, customers + 1, step), min(customers // step, max(want * 40, 200)))
    degrees = []
    for cid in sample:
        degree = db.execute_sql(
            "SELECT (SELECT count(*) FROM customers_relation WHERE source_id = ? AND deleted_at IS NULL)"
            " + (SELECT count(*) FROM customers_relation WHERE target_id = ? AND deleted_at IS NULL)",
            (cid, cid),
        ).fetchone()[0]
        degrees.append((degree, cid))
    chosen = [cid for degree, cid in degrees if low <= degree <= high][:want]
    if len(chosen) < want:
        chosen += [cid for _, cid in sorted(degrees, reverse=True) if cid not in chosen][: want - len(chosen)]
    return chosen


def hub_ids(db: Any, count: int) -> list[tuple[int, int]]:
    """(id, degree) of up to ``count`` customers with at least a thousand relations."""
    rows = db.execute_sql(
        "SELECT source_id, count(*) AS d FROM customers_relation GROUP BY source_id ORDER BY d DESC LIMIT ?",
        (count,),
    ).fetchall()
    return [(r[0], r[1]) for r in rows if r[1] >= 1000]


def measure(
    kernel: Any, customers: int, samples: int = 200, seed: int = 11, hubs: int = 10, paths: int = 50
) -> dict[str, Any]:
    from core.identity.models import User
    from core.identity.permissions import forget_cache
    from plugins.customers import network, relations
    from plugins.customers.models import Customer
    from plugins.customers.network_testing import act_as, grant, user

    rng = random.Random(seed)
    results: dict[str, Any] = {}
    with kernel.tenant_context(SLUG) as runtime:
        db = runtime.database
        admin = User.get_or_none(User.username == "bench-admin") or user("bench-admin", "admin")
        grant("sales", "customer", "own")
        salesperson = User.get(User.username == "sales0")
        typical = pick_nodes(db, customers, samples, 10, 60, rng)
        owned = pick_nodes(db, customers, samples, 10, 60, rng, step=10)  # sales0 owns id % 10 == 0
        degrees = [
            db.execute_sql(
                "SELECT (SELECT count(*) FROM customers_relation WHERE source_id = ?)"
                " + (SELECT count(*) FROM customers_relation WHERE target_id = ?)",
                (c, c),
            ).fetchone()[0]
            for c in typical
        ]
        results["typical_degree"] = {
            "min": min(degrees),
            "median": statistics.median(degrees),
            "max": max(degrees),
        }

        def timed(who: Any, cid: int, **kwargs: Any) -> tuple[float, Any]:
            forget_cache()
            relations.forget_types()
            act_as(who)
            began, cpu_began = time.perf_counter(), time.process_time()
            root = Customer.get_by_id(cid)
            net = network.extract(who, root, **kwargs)
            cpu.append(time.process_time() - cpu_began)
            return time.perf_counter() - began, net

        cpu: list[float] = []

        for label, who, roots, kwargs in (
            ("depth3_admin_limit300", admin, typical, {"depth": 3}),
            ("depth3_admin_limit2000", admin, typical, {"depth": 3, "limit": network.MAX_LIMIT}),
            ("depth3_sales_anonymous_limit300", salesperson, owned, {"depth": 3}),
        ):
            timed(who, roots[0], **kwargs)  # warm the caches of the first query
            times, sizes = [], []
            cpu.clear()
            for cid in roots:
                spent, net = timed(who, cid, **kwargs)
                times.append(spent)
                sizes.append(len(net.nodes))
            results[label] = {
                **summary(times, cpu),
                "nodes_median": statistics.median(sizes),
                "nodes_max": max(sizes),
            }
        hub_rows = hub_ids(db, hubs)
        times, sizes, pages = [], [], []
        cpu.clear()
        for cid, _ in hub_rows:
            spent, net = timed(admin, cid, depth=3)
            times.append(spent)
            sizes.append(len(net.nodes))
            pages.append(net.next is not None)
        results["hub_depth3_admin"] = {
            **summary(times, cpu),
            "degree_max": max(d for _, d in hub_rows),
            "nodes_max": max(sizes),
            "paginated": all(pages),
        }
        times, found = [], 0
        cpu.clear()
        for _ in range(paths):
            a, b = rng.sample(typical, 2)
            forget_cache()
            began, cpu_began = time.perf_counter(), time.process_time()
            path = network.shortest_path(admin, Customer.get_by_id(a), Customer.get_by_id(b))
            cpu.append(time.process_time() - cpu_began)
            times.append(time.perf_counter() - began)
            found += path is not None
        results["shortest_path_admin"] = {**summary(times, cpu), "found": found}
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--relations", type=int, default=60_000)
    parser.add_argument("--data", default="instance-bench-network")
    parser.add_argument("--reuse", action="store_true", help="keep an existing generated database")
    parser.add_argument("--samples", type=int, default=200)
    args = parser.parse_args(argv)

    from bench.network.generate import generate
    from core.app import create_app

    app = create_app(
        {
            "XIETONG_DATA": args.data,
            "XIETONG_DATABASE_URL": None,
            "SECRET_KEY": "bench",
            "XIETONG_PLUGINS": ["plugins.customers:plugin"],
            "XIETONG_QUEUE": "memory",
        }
    )
    kernel = app.extensions["xietong"]
    exists = any(t.slug == SLUG for t in kernel.tenants())
    report: dict[str, Any] = {"customers": args.customers, "relations": args.relations}
    if exists and not args.reuse:
        kernel.drop_tenant(SLUG)
        exists = False
    if not exists:
        kernel.create_tenant(SLUG, "Network benchmark", modules=["customers"])
        report["generate"] = generate(kernel, SLUG, args.customers, args.relations)
    else:
        report["migrated"] = kernel.migrate_all().get(SLUG, [])  # e.g. newer indexes
    report["results"] = measure(kernel, args.customers, samples=args.samples)
    print(json.dumps(report, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
