"""The two servers the list benchmark compares, both under waitress with the same threads:

* ``xietong`` — the real app (every module, auth by API token, permissions, field rules,
  custom fields, marshmallow dumping) answering ``/t/bench/api/v1/customers?owner_id=…``;
* ``bare`` — the baseline the issue names: Flask + sqlite3 returning the same 50 rows
  (``owner_id = ?``, not trashed, newest update first) as JSON, nothing else.

    python -m bench.customers.serve --data /tmp/custbench --kind bare --port 8101
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
import threading
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

COLUMNS = (
    "id",
    "name",
    "category_id",
    "owner_id",
    "phone",
    "email",
    "address",
    "region",
    "profile",
    "custom",
    "created_at",
    "updated_at",
)


def bare_app(db_path: Path) -> Any:
    from flask import Flask, jsonify, request

    app = Flask("bare")
    local = threading.local()
    sql = (
        f"SELECT {', '.join(COLUMNS)} FROM customers_customer WHERE owner_id = ? AND deleted_at IS NULL "
        "ORDER BY updated_at DESC, id DESC LIMIT ?"
    )

    def connection() -> sqlite3.Connection:
        if not hasattr(local, "con"):
            local.con = sqlite3.connect(str(db_path), check_same_thread=False)
        return local.con

    @app.get("/customers")
    def customers() -> Any:
        rows = connection().execute(sql, (int(request.args["owner_id"]), int(request.args.get("limit", 50))))
        items = [dict(zip(COLUMNS, row, strict=True)) for row in rows]
        for item in items:
            item["custom"] = json.loads(item["custom"] or "{}")
        return jsonify(items=items, next=None)

    @app.get("/healthz")
    def healthz() -> Any:
        return jsonify(status="ok")

    return app


def xietong_app(data: Path) -> Any:
    from bench.customers.generate import make_app

    return make_app(data)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--kind", choices=("xietong", "bare"), required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()
    import logging

    from waitress import serve

    logging.getLogger("waitress.queue").setLevel(logging.ERROR)  # "task queue depth" under load

    app = bare_app(args.data / "tenants" / "bench.db") if args.kind == "bare" else xietong_app(args.data)
    serve(app, host="127.0.0.1", port=args.port, threads=args.threads, ident=args.kind, _quiet=True)


if __name__ == "__main__":
    main()
