"""Fill a tenant with the data the desktop's widgets read, fast.

People (an admin, managers heading departments, sales people in them), customers with
contacts (birthdays), pool states (some warned of their return) and team notes that @mention
people, deals with stage history (the funnel's own generator, ``plugins.funnel.fakedata``),
and announcements and policies with read receipts. Rows go in
with ``executemany`` in large batches inside a tenant created by the real migrations.

    python -m bench.desktop.generate --data /tmp/desk-bench --customers 1000000 --deals 1000000
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import peewee

SLUG = "bench"
SURNAMES = "华新东方长城中科远大金山海天恒通宏达永信联创星河"
TRADES = ("科技", "贸易", "实业", "电子", "物流", "机械", "化工", "食品", "建材", "医药")
REGIONS = ("北京", "上海", "广东", "江苏", "浙江", "四川", "湖北", "山东")
PEOPLE = "王李张刘陈杨黄赵吴周"


def _row_template(model: Any) -> tuple[list[str], list[Any]]:
    """Column names and default values of every column of ``model`` except ``id``."""
    columns, values = [], []
    for field in model._meta.sorted_fields:
        if field.name == "id":
            continue
        default = field.default() if callable(field.default) else field.default
        columns.append(field.column_name)
        values.append(field.db_value(default) if default is not None else None)
    return columns, values


def _insert_rows(model: Any, rows: Iterator[dict[str, Any]], batch: int = 20_000) -> int:
    """Insert dicts of column values (other columns take their defaults); returns the count.

    Ids come from the database, so in a fresh table the n-th row gets id n (checked)."""
    db = model._meta.database.obj
    columns, template = _row_template(model)
    at = {name: i for i, name in enumerate(columns)}
    sqlite = isinstance(db, peewee.SqliteDatabase)
    head = f"INSERT INTO {model._meta.table_name} ({', '.join(columns)}) VALUES "
    done, chunk = 0, []

    def flush() -> None:
        with db.atomic():
            if sqlite:
                db.cursor().executemany(head + f"({', '.join(['?'] * len(columns))})", chunk)
            else:  # psycopg2's executemany is one round trip per row
                from psycopg2.extras import execute_values

                execute_values(db.cursor(), head + "%s", chunk, page_size=2000)

    for values in rows:
        row = list(template)
        for key, value in values.items():
            row[at[key]] = str(value) if sqlite and isinstance(value, dt.date) else value
        chunk.append(row)
        if len(chunk) >= batch:
            flush()
            done += len(chunk)
            chunk = []
    if chunk:
        flush()
        done += len(chunk)
    top = model.select(peewee.fn.MAX(model._meta.primary_key)).scalar() or 0
    if top != done:
        raise RuntimeError(f"{model._meta.table_name} was not empty: fill a fresh tenant")
    return done


def people(departments: int = 5, sales_per_department: int = 10) -> dict[str, list[int]]:
    """An admin, one manager per department and its sales people (no passwords: the bench
    signs in with API tokens). Returns ids by role."""
    from core.identity.services import create_department, create_user

    ids: dict[str, list[int]] = {"admin": [], "manager": [], "sales": []}
    ids["admin"].append(create_user("boss", None, role="admin", display_name="老板").id)
    for d in range(departments):
        dept = create_department(f"销售{d + 1}部")
        ids["manager"].append(create_user(f"m{d}", None, role="manager", department=dept.id,
                                          display_name=f"{PEOPLE[d % 10]}经理").id)
        for s in range(sales_per_department):
            n = d * sales_per_department + s
            ids["sales"].append(create_user(f"s{n}", None, role="sales", department=dept.id,
                                            display_name=f"{PEOPLE[n % 10]}{n}").id)
    return ids


def customers(count: int, owners: Sequence[int], rng: random.Random) -> int:
    from plugins.customers.models import Customer

    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)

    def rows() -> Iterator[dict[str, Any]]:
        for i in range(1, count + 1):
            name = f"{SURNAMES[i % 21]}{SURNAMES[(i // 7) % 21]}{TRADES[i % 10]}{i}号"
            touched = now - dt.timedelta(days=rng.randrange(0, 400), minutes=rng.randrange(1440))
            yield {"name": name, "name_key": name, "owner_id": owners[i % len(owners)],
                   "region": REGIONS[(i // 1000) % len(REGIONS)], "created_at": touched,
                   "updated_at": touched, "last_activity_at": touched}

    return _insert_rows(Customer, rows())


def contacts(count: int, customer_count: int, rng: random.Random) -> int:
    """Contacts spread over the customers, each with a birthday (for the birthday widget)."""
    from plugins.customers.models import Contact

    def rows() -> Iterator[dict[str, Any]]:
        for i in range(1, count + 1):
            birthday = dt.date(1960, 1, 1) + dt.timedelta(days=rng.randrange(0, 365 * 40))
            yield {"customer_id": rng.randint(1, customer_count),
                   "name": f"{PEOPLE[i % 10]}{SURNAMES[i % 21]}{i}",
                   "birthday": birthday, "birthday_md": birthday.strftime("%m-%d")}

    return _insert_rows(Contact, rows())


def pool_states(rng: random.Random, warned_share: float = 0.05, locked_share: float = 0.02) -> int:
    """One pool state per customer, as the pool's periodic task (``sync_states``) keeps them:
    the default pool as home, the owner's clock started when the customer was made, the last
    follow-up at its last activity. A share of them (5 %) warned of their return within three
    days (the "about to return to the pool" widget reads those), a few (2 %) locked."""
    from plugins.customers.models import Customer
    from plugins.customers.pool import ensure_default_pool
    from plugins.customers.pool_models import PoolState

    pool = ensure_default_pool().id
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    owned = Customer.select(Customer.id, Customer.created_at, Customer.last_activity_at).order_by(Customer.id)

    def rows() -> Iterator[dict[str, Any]]:
        for customer_id, created, last in owned.tuples().iterator():
            row = {"customer_id": customer_id, "pool_id": pool, "owned_since": created,
                   "last_followup_at": last, "locked": rng.random() < locked_share}
            if rng.random() < warned_share:
                warned = now - dt.timedelta(minutes=rng.randrange(3 * 1440))
                row.update(warned_at=warned, warn_due=warned + dt.timedelta(days=3))
            yield row

    return _insert_rows(PoolState, rows())


def mentions(ids: dict[str, list[int]], per_user: int = 30) -> int:
    """Team notes that @mention each person (``per_user`` each, a third unread) on customers
    they may read — their own, their department's, any for the admin — with the notifications
    the mentions widget lists."""
    from core.identity.models import User
    from plugins.customers.models import Customer, Note, Notification

    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    made = 0
    for user in User.select().where(User.id.in_([i for v in ids.values() for i in v])).order_by(User.id):
        pick = Customer.select(Customer.id).order_by(Customer.id.desc()).limit(per_user)
        if user.id in ids["manager"]:
            team = User.select(User.id).where(User.department == user.department_id)
            pick = pick.where(Customer.owner.in_(team))
        elif user.id in ids["sales"]:
            pick = pick.where(Customer.owner == user.id)
        for n, (customer,) in enumerate(pick.tuples()):
            at = now - dt.timedelta(hours=n * 7)
            body = f"@{user.username} 请跟进第 {n} 号事项"
            note = Note.create(customer=customer, body=body, mentions=[user.id], created_at=at, updated_at=at)
            Notification.create(user=user.id, customer=customer, note=note.id, text=body, created_at=at,
                                read_at=None if n % 3 == 0 else at)
            made += 1
    return made


def announcements(count: int, readers: Sequence[int], author: int, rng: random.Random) -> int:
    """Announcements and policies (a few pinned), each read by a share of the staff."""
    from plugins.desktop.models import Announcement, AnnouncementRead

    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    made = _insert_rows(Announcement, (
        {"kind": "policy" if i % 5 == 0 else "announcement", "title": f"通知 {i}",
         "body": f"<p>第 {i} 号通知：请各部门<b>按时</b>提交周报。</p>", "pinned": i % 40 == 0,
         "author_id": author, "published_at": now - dt.timedelta(hours=count - i),
         "roles": "[]"} for i in range(1, count + 1)))

    def reads() -> Iterator[dict[str, Any]]:
        for i in range(1, count + 1):
            for user in readers:
                if rng.random() < 0.6:
                    yield {"announcement_id": i, "user_id": user, "read_at": now}

    _insert_rows(AnnouncementRead, reads())
    return made


def fill(kernel: Any, slug: str, n_customers: int, n_deals: int, n_contacts: int | None = None,
         n_announcements: int = 300, seed: int = 7, say: Callable[[str], Any] = print) -> dict[str, Any]:
    """Fill tenant ``slug`` (customers, funnel and desktop enabled, otherwise empty)."""
    from plugins.funnel.fakedata import generate as generate_deals

    rng = random.Random(seed)
    n_contacts = n_customers // 2 if n_contacts is None else n_contacts
    report: dict[str, Any] = {}
    with kernel.tenant_context(slug):
        started = time.perf_counter()
        ids = people()
        staff = ids["sales"] + ids["manager"]
        report["customers"] = customers(n_customers, ids["sales"], rng)
        say(f"customers: {report['customers']} in {time.perf_counter() - started:.0f} s")
        report["contacts"] = contacts(n_contacts, n_customers, rng) if n_customers else 0
        say(f"contacts: {report['contacts']} in {time.perf_counter() - started:.0f} s")
        report["pool_states"] = pool_states(rng)
        say(f"pool states: {report['pool_states']} in {time.perf_counter() - started:.0f} s")
        customer_ids = range(1, n_customers + 1)
        report["history"] = generate_deals(n_deals, customer_ids, staff, seed=seed) if n_deals else 0
        report["deals"] = n_deals
        say(f"deals: {n_deals} ({report['history']} stage changes) in {time.perf_counter() - started:.0f} s")
        report["mentions"] = mentions(ids)
        report["announcements"] = announcements(n_announcements, staff + ids["admin"], ids["admin"][0], rng)
        kernel.tenant_database(slug).execute_sql("ANALYZE")  # plans as a live database has them
        report["seconds"] = round(time.perf_counter() - started, 1)
        report["users"] = {role: len(v) for role, v in ids.items()}
    return report


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", required=True, help="data folder of the bench installation")
    parser.add_argument("--database-url", default=None, help="postgresql://… (default: SQLite files)")
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--deals", type=int, default=1_000_000)
    parser.add_argument("--contacts", type=int, default=None)
    args = parser.parse_args(argv)
    from core.app import create_app

    app = create_app({"XIETONG_DATA": args.data, "XIETONG_DATABASE_URL": args.database_url})
    kernel = app.extensions["xietong"]
    if any(t.slug == SLUG for t in kernel.tenants()):
        raise SystemExit(f"tenant {SLUG!r} exists in {args.data}; use a fresh data folder")
    kernel.create_tenant(SLUG, "Bench Co")
    print(fill(kernel, SLUG, args.customers, args.deals, args.contacts))


if __name__ == "__main__":
    main()
