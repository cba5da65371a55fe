"""A fast generator of a customer network on SQLite (1,000,000 customers, 3,000,000 relations
in a few minutes), written straight into a tenant database created by the real migrations.

Shape: most relations join customers close in id (companies of one trade and region trade with
each other: chains and clusters), some join a node picked with a strong skew towards low ids
(well-connected companies, a heavy tail), and a few hubs have thousands of neighbours each.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from typing import Any

TYPES = (("upstream", 0.35), ("downstream", 0.10), ("competitor", 0.15), ("relative", 0.10),
         ("friend", 0.30))
SURNAMES = "华新东方长城中科远大金山海天恒通宏达永信联创星河"
TRADES = ("科技", "贸易", "实业", "电子", "物流", "机械", "化工", "食品", "建材", "医药")
REGIONS = ("北京", "上海", "广东", "江苏", "浙江", "四川", "湖北", "山东")


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


def _customers(count: int, owners: list[int], rng: random.Random, model: Any) -> tuple[list[str], Iterator]:
    columns, template = _row_template(model)
    at = {name: i for i, name in enumerate(columns)}

    def rows() -> Iterator[list[Any]]:
        for i in range(1, count + 1):
            row = list(template)
            name = f"{SURNAMES[i % len(SURNAMES)]}{SURNAMES[(i // 7) % len(SURNAMES)]}{TRADES[i % 10]}{i}号"
            row[at["name"]] = name
            if "name_key" in at:
                row[at["name_key"]] = name
            row[at["owner_id"]] = owners[i % len(owners)]
            row[at["region"]] = REGIONS[(i // 1000) % len(REGIONS)]
            yield row

    return ["id", *columns], ((i, *r) for i, r in enumerate(rows(), start=1))


def relation_pairs(customers: int, relations: int, rng: random.Random, hubs: int,
                   hub_degree: int) -> Iterator[tuple[int, int, str]]:
    """(source, target, type) without self loops or repeated pairs."""
    seen: set[int] = set()
    weights = [w for _, w in TYPES]
    keys = [k for k, _ in TYPES]
    made = 0

    def emit(source: int, target: int) -> bool:
        if source == target:
            return False
        pair = min(source, target) * (customers + 1) + max(source, target)
        if pair in seen:
            return False
        seen.add(pair)
        return True

    hub_ids = rng.sample(range(1, customers + 1), min(hubs, customers))
    for hub in hub_ids:
        for _ in range(min(hub_degree, customers - 1)):
            other = rng.randint(1, customers)
            if made < relations and emit(hub, other):
                made += 1
                yield hub, other, keys[0]
    type_choices = rng.choices(keys, weights=weights, k=1024)
    while made < relations:
        source = rng.randint(1, customers)
        roll = rng.random()
        if roll < 0.7:
            target = source + rng.randint(-500, 500)
            target = min(max(target, 1), customers)
        else:
            target = 1 + int((customers - 1) * rng.random() ** 3)
        if emit(source, target):
            made += 1
            yield source, target, type_choices[made % 1024]


def generate(kernel: Any, slug: str, customers: int, relations: int, seed: int = 7,
             hubs: int | None = None, hub_degree: int = 4000,
             say: Callable[[str], None] = print) -> dict[str, Any]:
    """Fill tenant ``slug`` (customers module enabled, empty) with the network."""
    from core.identity.models import User
    from plugins.customers.models import Customer
    from plugins.customers.network_testing import role
    from plugins.customers.relations_models import RELATION_INDEXES

    rng = random.Random(seed)
    hubs = max(1, customers // 50_000) if hubs is None else hubs
    hub_degree = min(hub_degree, max(1, customers // 4))
    started = time.perf_counter()
    with kernel.tenant_context(slug) as runtime:
        sales = role("sales")
        owners = [User.create(username=f"sales{i}", role=sales).id for i in range(10)]
        db = runtime.database
        conn = db.connection()
        conn.execute("PRAGMA synchronous=OFF")
        conn.execute("DROP INDEX IF EXISTS customers_relation_by_source")
        conn.execute("DROP INDEX IF EXISTS customers_relation_by_target")
        columns, rows = _customers(customers, owners, rng, Customer)
        marks = ", ".join("?" * len(columns))
        with db.atomic():
            conn.executemany(f"INSERT INTO customers_customer ({', '.join(columns)}) VALUES ({marks})", rows)
        say(f"customers: {customers:,} in {time.perf_counter() - started:.1f}s")
        mark = time.perf_counter()
        now = "2026-01-01 00:00:00"
        pairs = relation_pairs(customers, relations, rng, hubs, hub_degree)
        with db.atomic():
            conn.executemany(
                "INSERT INTO customers_relation (source_id, target_id, type, note, strength, created_at, "
                "updated_at, version) VALUES (?, ?, ?, '', 3, ?, ?, 1)",
                ((s, t, k, now, now) for s, t, k in pairs),
            )
        say(f"relations: {relations:,} in {time.perf_counter() - mark:.1f}s")
        mark = time.perf_counter()
        for _, create in RELATION_INDEXES:
            conn.execute(create)
        conn.execute("ANALYZE")
        conn.execute("PRAGMA synchronous=NORMAL")
        say(f"indexes: {time.perf_counter() - mark:.1f}s")
    return {"customers": customers, "relations": relations, "hubs": hubs, "hub_degree": hub_degree,
            "seconds": round(time.perf_counter() - started, 1)}
