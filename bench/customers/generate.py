"""A fast generator of customers on SQLite: 1,000,000 customers and 2,000,000 contacts with
their search documents in a few minutes, written straight into a tenant database that the
real migrations created (every installed module enabled, as in production).

    python -m bench.customers.generate --data /tmp/custbench --customers 1000000

Writes ``bench.json`` into the data folder: the tenant, API tokens of an admin and of a
salesperson, and an owner with many customers (what ``run.py`` needs).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import multiprocessing
import os
import random
import sqlite3
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SLUG = "bench"
SALES_PEOPLE = 50
BATCH = 50_000


def make_app(data: Path) -> Any:
    from core.app import create_app

    return create_app(
        {
            "XIETONG_DATA": str(data),
            "SECRET_KEY": "bench",
            "XIETONG_QUEUE": "memory",
            "XIETONG_DATABASE_URL": None,
        }
    )


def setup(kernel: Any) -> dict[str, Any]:
    """The tenant, departments, users, categories and tokens (through the real services)."""
    from core.identity.services import create_department, create_user
    from core.identity.tokens import create_token
    from plugins.customers.categories import create_category
    from plugins.customers.customfields import create_field

    if SLUG not in {t.slug for t in kernel.tenants()}:
        kernel.create_tenant(SLUG, "Benchmark company")
    with kernel.tenant_context(SLUG):
        boss = create_user("boss", role="admin", display_name="Boss")
        departments = [create_department(f"销售{n}部") for n in range(1, 6)]
        sales = [
            create_user(f"sales{n:02d}", role="sales", department=departments[n % 5].id).id
            for n in range(SALES_PEOPLE)
        ]
        create_user("manager1", role="manager", department=departments[1].id)
        categories = [create_category({"name": name}).id for name in ("重点客户", "普通客户", "潜在客户")]
        categories.append(create_category({"name": "战略客户", "visible_roles": ["manager"]}).id)
        create_field(
            {
                "key": "industry",
                "label": "Industry",
                "label_zh": "行业",
                "type": "choice",
                "choices": ["制造", "互联网", "贸易", "医疗"],
            }
        )
        create_field({"key": "employees", "label": "Employees", "label_zh": "员工人数", "type": "number"})
        from core.identity.models import User

        _, admin_token = create_token(User.get_by_id(boss.id), name="bench")
        _, sales_token = create_token(User.get_by_id(sales[0]), name="bench")
    return {
        "tenant": SLUG,
        "admin_token": admin_token,
        "sales_token": sales_token,
        "sales": sales,
        "categories": categories,
        "owner": sales[0],
    }


def _rows(count: int, info: dict[str, Any], rng: random.Random, start: int = 1):
    """(customer row, contact rows, search doc) per customer."""
    from plugins.customers import fakedata, normalize, search

    base = dt.datetime(2024, 1, 1)
    sales, categories = info["sales"], info["categories"]
    industries = ("制造", "互联网", "贸易", "医疗")
    for cid in range(start, start + count):
        company = fakedata.company(rng)
        created = base + dt.timedelta(seconds=rng.randrange(0, 60 * 86400 * 10))
        updated = (created + dt.timedelta(seconds=rng.randrange(0, 86400 * 90))).isoformat(" ")
        custom = json.dumps({"industry": industries[cid % 4], "employees": cid % 997}, sort_keys=True)
        row = (
            cid,
            company.name,
            normalize.name_key(company.name),
            categories[cid % len(categories)],
            sales[cid % len(sales)],
            company.phone,
            normalize.phone_key(company.phone),
            company.email,
            normalize.email_key(company.email),
            company.address,
            company.region,
            "",
            "",
            custom,
            created.isoformat(" "),
            updated,
            1,
        )
        people = [fakedata.person(rng, company.english) for _ in range(2)]
        contacts = [
            (
                cid,
                p.name,
                p.title,
                p.mobile,
                p.phone,
                p.email,
                p.birthday.isoformat() if p.birthday else None,
                p.birthday.strftime("%m-%d") if p.birthday else "",
                p.hobbies,
                "",
                "",
                created.isoformat(" "),
                created.isoformat(" "),
                1,
            )
            for p in people
        ]
        doc = search.document(
            company.name, company.phone, company.email, [(p.name, p.mobile, p.phone, p.email) for p in people]
        )
        yield row, contacts, doc


def _chunk(job: tuple[int, int, int, dict[str, Any]]) -> tuple[list, list, list, list]:
    """Rows of customers ``start`` … ``start + count - 1`` (run in worker processes)."""
    from plugins.customers.search import COLUMNS, grams

    start, count, seed, info = job
    rng = random.Random(seed * 1_000_003 + start)
    customers, contacts, docs = [], [], []
    for row, people, doc in _rows(count, info, rng, start):
        customers.append(row)
        contacts.extend(people)
        docs.append((row[0], *(doc[c] for c in COLUMNS)))
    bigrams = [(d[0], *(" ".join(grams(v)) for v in d[1:])) for d in docs]
    return customers, contacts, docs, bigrams


def write(
    db_path: Path,
    count: int,
    info: dict[str, Any],
    seed: int = 1,
    progress: Any = None,
    workers: int | None = None,
) -> None:
    """Append ``count`` customers (two contacts each) and their search documents; the rows are
    made in worker processes and written by this one in big transactions with executemany."""
    from plugins.customers.importexport import CONTACT_COLUMNS, CUSTOMER_COLUMNS
    from plugins.customers.search import BI, COLUMNS, TRI

    con = sqlite3.connect(str(db_path))
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=OFF")
    con.execute("PRAGMA cache_size=-400000")
    first = (con.execute("SELECT MAX(id) FROM customers_customer").fetchone()[0] or 0) + 1
    cols = ", ".join(COLUMNS)
    doc_marks = ", ".join("?" * (len(COLUMNS) + 1))
    insert_customer = (
        f"INSERT INTO customers_customer ({', '.join(CUSTOMER_COLUMNS)}) "
        f"VALUES ({', '.join('?' * len(CUSTOMER_COLUMNS))})"
    )
    insert_contact = (
        f"INSERT INTO customers_contact ({', '.join(CONTACT_COLUMNS)}) "
        f"VALUES ({', '.join('?' * len(CONTACT_COLUMNS))})"
    )
    jobs = [
        (start, min(BATCH, first + count - start), seed, info) for start in range(first, first + count, BATCH)
    ]
    with multiprocessing.get_context("fork").Pool(workers or max(1, (os.cpu_count() or 2))) as pool:
        for customers, contacts, docs, bigrams in pool.imap(_chunk, jobs):
            with con:
                con.executemany(insert_customer, customers)
                con.executemany(insert_contact, contacts)
                con.executemany(f"INSERT INTO customers_search (id, {cols}) VALUES ({doc_marks})", docs)
                con.executemany(f"INSERT INTO {BI} (rowid, {cols}) VALUES ({doc_marks})", bigrams)
            if progress:
                progress(len(customers))
    with con:
        con.execute(f"INSERT INTO {TRI} ({TRI}) VALUES ('rebuild')")
    with con:
        con.execute(f"INSERT INTO {TRI} ({TRI}) VALUES ('optimize')")
        con.execute(f"INSERT INTO {BI} ({BI}) VALUES ('optimize')")
    con.execute("ANALYZE")
    con.close()


def generate(data: Path, customers: int, seed: int = 1, quiet: bool = False) -> dict[str, Any]:
    """A fresh bench installation in ``data`` with ``customers`` customers; returns bench.json."""
    app = make_app(data)
    kernel = app.extensions["xietong"]
    info = setup(kernel)
    began = time.perf_counter()

    def progress(n: int) -> None:
        progress.done += n  # type: ignore[attr-defined]
        if not quiet:
            print(f"  {progress.done:>9,} customers  {time.perf_counter() - began:6.1f} s", flush=True)  # type: ignore

    progress.done = 0  # type: ignore[attr-defined]
    write(data / "tenants" / f"{SLUG}.db", customers, info, seed, progress)
    info["customers"] = customers
    info["generated_seconds"] = round(time.perf_counter() - began, 1)
    (data / "bench.json").write_text(json.dumps(info, indent=2))
    return info


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, required=True, help="an empty folder for the installation")
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    if args.data.exists() and any(args.data.iterdir()):
        parser.error(f"{args.data} is not empty; give a new folder")
    info = generate(args.data, args.customers, args.seed)
    print(f"generated {info['customers']:,} customers in {info['generated_seconds']} s")


if __name__ == "__main__":
    main()
