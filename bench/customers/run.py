"""Benchmarks of the customers module on SQLite (the issue's four figures).

    python -m bench.customers.run --data /tmp/custbench --customers 1000000   # generate, then measure
    python -m bench.customers.run --data /tmp/custbench --reuse               # measure again

1. **List throughput**: ``GET /customers?owner_id=…&sort=-updated_at&limit=50`` of the real app
   against a bare Flask + sqlite3 endpoint returning the same 50 rows as JSON, both under
   waitress with the same threads, loaded by the same tool in the same run (``wrk`` when
   installed, else a Python load generator), 16 connections. Target: ratio ≥ 0.5.
2. **Search** p95 for two-character Chinese, pinyin and initials queries, as an admin (sees a
   million customers) and as a salesperson (sees their own). Target: ≤ 50 ms.
3. **Customer page** with every module's tab headers: server time. Target: ≤ 30 ms.
4. **CSV import**, end to end (upload, parsing, validation, duplicate check, writing, search
   index): rows per second. Target: ≥ 10,000.

Times are wall clock and this thread's CPU time (what the request itself costs, whatever else
the machine is doing). ``XIETONG_BENCH_SCALE`` or ``--customers`` sets the size.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from http.client import HTTPConnection
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

CJK = [
    "华为",
    "恒通",
    "鼎盛",
    "金桥",
    "宏达",
    "天宇",
    "瑞丰",
    "中科",
    "远航",
    "长城",
    "东方",
    "博远",
    "蓝海",
    "泰和",
    "锦程",
    "深圳",
    "杭州",
    "科技",
    "贸易",
    "物流",
]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def summary(wall: list[float], cpu: list[float]) -> dict[str, Any]:
    ms, cpu_ms = [t * 1000 for t in wall], [t * 1000 for t in cpu]
    return {
        "n": len(ms),
        "p50_ms": round(statistics.median(ms), 2),
        "p95_ms": round(percentile(ms, 0.95), 2),
        "max_ms": round(max(ms), 2),
        "cpu_p50_ms": round(statistics.median(cpu_ms), 2),
        "cpu_p95_ms": round(percentile(cpu_ms, 0.95), 2),
    }


def timed(call: Any, *args: Any, **kwargs: Any) -> tuple[Any, float, float]:
    wall, cpu = time.perf_counter(), time.thread_time()
    result = call(*args, **kwargs)
    return result, time.perf_counter() - wall, time.thread_time() - cpu


def queries() -> dict[str, list[str]]:
    from plugins.customers.normalize import pinyin

    return {"cjk2": CJK, "pinyin": [pinyin(q)[0] for q in CJK], "initials": [pinyin(q)[1] for q in CJK]}


# -- search, page, import (in-process: server time) ----------------------------------------------


def search_latency(app: Any, info: dict[str, Any], rounds: int = 3) -> dict[str, Any]:
    client = app.test_client()
    tenant = info["tenant"]
    result: dict[str, Any] = {}
    for who, token in (("admin", info["admin_token"]), ("sales", info["sales_token"])):
        headers = {"Authorization": f"Bearer {token}"}
        for kind, words in queries().items():
            for path, label in (
                (f"/t/{tenant}/api/v1/customers/search", "quick"),
                (f"/t/{tenant}/api/v1/customers", "list"),
            ):
                wall, cpu = [], []
                for _ in range(rounds):
                    for word in words:
                        response, w, c = timed(client.get, path, query_string={"q": word}, headers=headers)
                        assert response.status_code == 200, response.get_data(as_text=True)[:300]
                        wall.append(w)
                        cpu.append(c)
                result[f"{label}.{kind}.{who}"] = summary(wall, cpu)
    return result


def page_latency(app: Any, info: dict[str, Any], samples: int = 200) -> dict[str, Any]:
    from core.web.testing import login

    kernel = app.extensions["xietong"]
    client = app.test_client()
    with kernel.tenant_context(info["tenant"]):
        from core.identity.models import User

        boss = User.get(User.username == "boss")
    login(client, info["tenant"], boss)
    rng = random.Random(5)
    wall, cpu = [], []
    for _ in range(samples):
        customer = rng.randint(1, info["customers"])
        response, w, c = timed(client.get, f"/t/{info['tenant']}/customers/{customer}")
        assert response.status_code == 200, response.status_code
        wall.append(w)
        cpu.append(c)
    tabs = client.get(
        f"/t/{info['tenant']}/api/v1/customers/1/tabs",
        headers={"Authorization": f"Bearer {info['admin_token']}"},
    ).get_json()["items"]
    return {"page": summary(wall, cpu), "tabs": [t["key"] for t in tabs]}


def import_csv(rows: int, seed: int = 99) -> bytes:
    from plugins.customers import fakedata

    rng = random.Random(seed)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["客户名称", "电话", "邮箱", "地址", "地区", "行业", "联系人", "手机", "联系人邮箱"])
    for n in range(rows):
        company = fakedata.company(rng)
        person = fakedata.person(rng, company.english)
        writer.writerow(
            [
                f"{company.name}{n}" if n % 10 else company.name,
                company.phone,
                company.email,
                company.address,
                company.region,
                ("制造", "贸易")[n % 2],
                person.name,
                person.mobile,
                person.email,
            ]
        )
    return ("\ufeff" + out.getvalue()).encode()


def import_rate(app: Any, info: dict[str, Any], rows: int) -> dict[str, Any]:
    client = app.test_client()
    data = import_csv(rows, seed=int(time.time()))  # new companies on every run
    headers = {"Authorization": f"Bearer {info['admin_token']}"}
    response, wall, cpu = timed(
        lambda: client.post(
            f"/t/{info['tenant']}/api/v1/customers/import",
            data={"file": (io.BytesIO(data), "import.csv"), "mode": "skip"},
            headers=headers,
        )
    )
    report = response.get_json()
    assert response.status_code == 200, report.get("errors", [])[:5] if report else response.status_code
    # Big imports leave their search entries to the worker: time that too (searchable after).
    kernel = app.extensions["xietong"]
    with kernel.tenant_context(info["tenant"]):
        from plugins.customers.search_backlog import drain

        indexed, index_wall, index_cpu = timed(drain)
    return {
        "rows": rows,
        "created": report["created"],
        "skipped": report["skipped"],
        "seconds": round(wall, 2),
        "rows_per_second": round(rows / wall),
        "cpu_rows_per_second": round(rows / cpu),
        "search_backlog": report["search_backlog"],
        "indexed_after": indexed,
        "indexing_seconds": round(index_wall, 2),
        "indexing_cpu_seconds": round(index_cpu, 2),
    }


# -- list throughput (two real servers, one load tool) --------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _start(data: Path, kind: str, threads: int) -> tuple[subprocess.Popen, int]:
    port = _free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "bench.customers.serve",
            "--data",
            str(data),
            "--kind",
            kind,
            "--port",
            str(port),
            "--threads",
            str(threads),
        ],
        cwd=ROOT,
    )
    for _ in range(300):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1).read()
            return process, port
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"the {kind} server did not start")


def _python_load(port: int, path: str, headers: dict[str, str], seconds: float, connections: int) -> float:
    done = [0] * connections
    errors = [0] * connections
    stop = time.perf_counter() + seconds

    def worker(slot: int) -> None:
        conn = HTTPConnection("127.0.0.1", port, timeout=30)
        while time.perf_counter() < stop:
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            response.read()
            if response.status == 200:
                done[slot] += 1
            else:
                errors[slot] += 1
        conn.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(connections)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if sum(errors):
        raise RuntimeError(f"{sum(errors)} requests failed")
    return sum(done) / (time.perf_counter() - began)


def _wrk_load(port: int, path: str, headers: dict[str, str], seconds: float, connections: int) -> float:
    command = ["wrk", "-t", "2", "-c", str(connections), "-d", f"{max(1, int(seconds))}s", "--latency"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    output = subprocess.run(
        [*command, f"http://127.0.0.1:{port}{path}"], capture_output=True, text=True, check=True
    ).stdout
    if "Non-2xx" in output:
        raise RuntimeError("wrk saw failed requests:\n" + output)
    line = next(line for line in output.splitlines() if line.startswith("Requests/sec:"))
    return float(line.split()[1])


def list_throughput(
    data: Path,
    info: dict[str, Any],
    seconds: float = 10,
    connections: int = 16,
    threads: int = 4,
    tool: str = "auto",
) -> dict[str, Any]:
    use_wrk = tool == "wrk" or (tool == "auto" and shutil.which("wrk"))
    load = _wrk_load if use_wrk else _python_load
    owner = info["owner"]
    result: dict[str, Any] = {
        "tool": "wrk" if use_wrk else "python",
        "connections": connections,
        "threads": threads,
        "seconds": seconds,
    }
    for kind in ("bare", "xietong"):
        process, port = _start(data, kind, threads)
        try:
            if kind == "bare":
                path, headers = f"/customers?owner_id={owner}&limit=50", {}
            else:
                path = f"/t/{info['tenant']}/api/v1/customers?owner_id={owner}&sort=-updated_at&limit=50"
                headers = {"Authorization": f"Bearer {info['admin_token']}"}
            load(port, path, headers, 2, connections)  # warm up
            result[f"{kind}_rps"] = round(load(port, path, headers, seconds, connections), 1)
        finally:
            process.terminate()
            process.wait(10)
    result["ratio"] = round(result["xietong_rps"] / result["bare_rps"], 3)
    return result


def run(
    data: Path, customers: int | None, reuse: bool, seconds: float, import_rows: int, tool: str = "auto"
) -> dict[str, Any]:
    from bench.customers.generate import generate, make_app

    if not reuse:
        if data.exists():
            shutil.rmtree(data)
        generate(data, customers or 1_000_000)
    info = json.loads((data / "bench.json").read_text())
    results: dict[str, Any] = {
        "customers": info["customers"],
        "contacts": info["customers"] * 2,
        "generated_seconds": info.get("generated_seconds"),
    }
    results["list"] = list_throughput(data, info, seconds, tool=tool)
    app = make_app(data)
    results["search"] = search_latency(app, info)
    results["page"] = page_latency(app, info)
    results["import"] = import_rate(app, info, import_rows)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument(
        "--customers", type=int, default=int(os.environ.get("XIETONG_BENCH_SCALE", "1000000"))
    )
    parser.add_argument("--reuse", action="store_true", help="measure an existing installation again")
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument(
        "--import-rows", type=int, default=None, help="default: customers / 20, at most 50,000"
    )
    parser.add_argument("--tool", choices=("auto", "wrk", "python"), default="auto")
    parser.add_argument("--out", type=Path, default=None, help="write the results as JSON here")
    args = parser.parse_args()
    rows = args.import_rows or max(1000, min(50_000, args.customers // 20))
    results = run(args.data, args.customers, args.reuse, args.seconds, rows, args.tool)
    text = json.dumps(results, indent=2, ensure_ascii=False)
    if args.out:
        args.out.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
