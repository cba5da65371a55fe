"""Benchmark: the boss's matrix and one team's forecast at a million deals, on SQLite.

    python -m bench.funnel.bench --deals 1000000          # the full run (RESULTS.md)
    python -m bench.funnel.bench --deals 2000 --runs 5    # a smoke run (CI does this)

It builds a tenant with ``--teams`` departments of ``--team-size`` salespeople, ``--customers``
customers and ``--deals`` deals with ≈10 stage changes each (plugins.funnel.fakedata), then
times, in the same process and database:

- ``matrix``: :func:`plugins.funnel.reports.matrix` for an admin (the whole tenant: counts,
  amounts, weighted amounts and stale deals per salesperson × stage), read from the aggregates;
- ``forecast``: :func:`plugins.funnel.reports.forecast` for one team over this quarter;
- the same answers from a plain ``GROUP BY`` over ``funnel_deal`` (the baseline);
- ``move``: one stage move with its history row and aggregate updates (the price of keeping
  them right).

It prints a JSON report (p50/p95/max in milliseconds) and checks that the aggregates and the
baseline agree on every matrix cell.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

BASELINE_MATRIX = (
    "SELECT owner_id, stage_id, COUNT(*), SUM(amount), "
    "SUM(CASE WHEN status = 'open' AND stage_changed_at < ? THEN 1 ELSE 0 END) "
    "FROM funnel_deal WHERE deleted_at IS NULL GROUP BY owner_id, stage_id"
)
# The same GROUP BY with the planner kept off the indexes: one sequential table scan.
BASELINE_MATRIX_SCAN = BASELINE_MATRIX.replace("FROM funnel_deal ", "FROM funnel_deal NOT INDEXED ")
BASELINE_FORECAST = (
    "SELECT owner_id, stage_id, COUNT(*), SUM(amount) FROM funnel_deal "
    "WHERE deleted_at IS NULL AND owner_id IN ({owners}) "
    "AND (status = 'open' OR (status = 'won' AND stage_changed_at >= ? AND stage_changed_at < ?)) "
    "GROUP BY owner_id, stage_id"
)


def timed(func: Callable[[], Any], runs: int) -> dict[str, float]:
    """p50, p95 and max of ``runs`` calls in milliseconds (after one warm-up call)."""
    func()
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        func()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return {"p50": round(statistics.median(samples), 2),
            "p95": round(samples[max(0, int(len(samples) * 0.95 + 0.5) - 1)], 2),
            "max": round(samples[-1], 2), "runs": runs}


def build(kernel: Any, slug: str, args: argparse.Namespace, log: Callable[[str], None]) -> dict[str, Any]:
    """Users, teams, customers and deals in tenant ``slug``; returns what the timing needs."""
    from core.identity.models import User
    from core.identity.services import create_department, create_user
    from plugins.customers.models import Customer
    from plugins.funnel.fakedata import generate

    with kernel.tenant_context(slug) as runtime:
        boss = create_user("boss", role="admin")
        owners, teams = [], []
        for t in range(args.teams):
            team = create_department(f"Team {t + 1}")
            teams.append(team.id)
            for p in range(args.team_size):
                owners.append(create_user(f"s{t + 1}-{p + 1}", role="sales", department=team.id).id)
        start = time.perf_counter()
        db = runtime.database
        with db.atomic():  # the model's defaults fill the other columns
            for first in range(0, args.customers, 500):
                Customer.insert_many([{"name": f"Customer {n}", "owner": owners[n % len(owners)],
                                       "region": "广东"}
                                      for n in range(first, min(first + 500, args.customers))]).execute()
        customers = [c for (c,) in Customer.select(Customer.id).tuples()]
        log(f"{len(customers)} customers in {time.perf_counter() - start:.1f}s")
        start = time.perf_counter()

        def progress(done: int) -> None:
            if done % 100000 < 2000 or done == args.deals:
                log(f"  deals {done}/{args.deals} ({time.perf_counter() - start:.0f}s)")

        history = generate(args.deals, customers, owners, seed=args.seed, progress=progress)
        db.execute_sql("ANALYZE")
        log(f"{args.deals} deals, {history} stage changes in {time.perf_counter() - start:.1f}s")
        team = User.select(User.id).where(User.department == teams[0])
        return {"boss": boss.id, "team": teams[0], "history": history,
                "team_owners": [u for (u,) in team.tuples()]}


def rediscover(kernel: Any, slug: str) -> dict[str, Any]:
    from core.identity.models import Department, User
    from plugins.customers.models import Customer
    from plugins.funnel.models import Deal, StageChange

    with kernel.tenant_context(slug):
        team = Department.select().order_by(Department.id).first()
        return {"boss": User.get(User.username == "boss").id, "team": team.id,
                "history": StageChange.select().count(), "deals": Deal.select().count(),
                "customers": Customer.select().count(), "salespeople": User.select().count() - 1,
                "team_owners": [u for (u,) in User.select(User.id).where(User.department == team).tuples()]}


def measure(kernel: Any, slug: str, built: dict[str, Any], runs: int) -> dict[str, Any]:
    from core.identity.models import User, utcnow
    from plugins.funnel import reports, services
    from plugins.funnel.api import _quarter
    from plugins.funnel.models import Deal
    from plugins.funnel.periods import today, utc_bounds
    from plugins.funnel.stages import stages_of

    with kernel.tenant_context(slug) as runtime:
        db = runtime.database
        boss = User.get_by_id(built["boss"])
        start, end = _quarter(today())
        lo, hi = utc_bounds(start, end)
        cutoff = utcnow() - dt.timedelta(days=reports.stale_days())
        owners = ",".join(str(int(o)) for o in built["team_owners"])
        slow = max(3, runs // 10)  # a baseline takes seconds at full size: fewer runs
        result = {
            "matrix": timed(lambda: reports.matrix(boss), runs),
            "forecast": timed(lambda: reports.forecast(boss, start, end, built["team"]), runs),
            "matrix_baseline": timed(lambda: db.execute_sql(BASELINE_MATRIX, (cutoff,)).fetchall(), slow),
            "matrix_baseline_scan": timed(
                lambda: db.execute_sql(BASELINE_MATRIX_SCAN, (cutoff,)).fetchall(), slow),
            "forecast_baseline": timed(
                lambda: db.execute_sql(BASELINE_FORECAST.format(owners=owners), (lo, hi)).fetchall(), slow),
        }
        keys = [s.key for s in stages_of() if s.kind == "open"]
        targets = list(Deal.select().where(Deal.status == "open").limit(runs + 1))
        moves = iter(range(len(targets)))

        def move() -> None:
            n = next(moves)
            services.move_stage(None, targets[n], keys[(keys.index(targets[n].stage.key) + 1) % len(keys)])

        result["move"] = timed(move, min(runs, len(targets) - 1))
        now = utcnow()  # one moment for both answers, so "stale" means the same in each
        days = reports.stale_days()
        result["agree"] = _agree(reports.matrix(boss, days=days, now=now),
                                 db.execute_sql(BASELINE_MATRIX, (now - dt.timedelta(days=days),)).fetchall())
    return result


def _agree(matrix: dict[str, Any], baseline: list[tuple]) -> bool:
    """Every cell of the matrix equals the baseline's count, amount and stale count."""
    from plugins.funnel.models import Stage

    keys = {s.id: s.key for s in Stage.select()}
    expected = {(o, keys[s]): (n, a, st) for o, s, n, a, st in baseline}
    found = {}
    for row in matrix["rows"]:
        for key, cell in row["cells"].items():
            cents = int(Decimal(cell["amount"]) * 100)
            found[(row["owner"]["id"], key)] = (cell["deals"], cents, cell["stale"])
    return found == {k: (n, int(a), int(st)) for k, (n, a, st) in expected.items()}


def run(args: argparse.Namespace, log: Callable[[str], None] = print) -> dict[str, Any]:
    from core.app import create_app

    data = Path(args.data or tempfile.mkdtemp(prefix="xietong-bench-"))
    app = create_app({"XIETONG_DATA": str(data), "XIETONG_DATABASE_URL": None, "SECRET_KEY": "bench",
                      "XIETONG_QUEUE": "memory"})
    kernel = app.extensions["xietong"]
    slug = "bench"
    if getattr(args, "reuse", False) and any(t.slug == slug for t in kernel.tenants()):
        kernel.migrate_all()  # later migrations (indexes) on the data a previous run built
        built = rediscover(kernel, slug)
    else:
        kernel.create_tenant(slug, "Bench company", modules=["funnel"])
        built = build(kernel, slug, args, log)
    load_before = os.getloadavg()[0]
    result = measure(kernel, slug, built, args.runs)
    result["load_average"] = [round(load_before, 1), round(os.getloadavg()[0], 1)]  # other work on the box
    result.update(deals=built.get("deals", args.deals), stage_changes=built["history"],
                  salespeople=built.get("salespeople", args.teams * args.team_size),
                  team_size=len(built["team_owners"]), customers=built.get("customers", args.customers),
                  backend="sqlite",
                  database_mb=round((data / "tenants" / f"{slug}.db").stat().st_size / 2**20, 1))
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--deals", type=int, default=1_000_000)
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--teams", type=int, default=20)
    parser.add_argument("--team-size", type=int, default=10)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--data", help="data folder (default: a new temporary one)")
    parser.add_argument("--reuse", action="store_true", help="time again on the data in --data")
    args = parser.parse_args(argv)
    result = run(args, log=lambda line: print(line, file=sys.stderr, flush=True))
    print(json.dumps(result, indent=2))
    return 0 if result["agree"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
