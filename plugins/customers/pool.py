"""Public pools (公海): create, change and delete them, who may see them, what they hold.

Business rules callable without HTTP. Callers check the actor's right on entity
``customer_pool`` (create, write, delete) before calling; these functions check that the
change makes sense and audit it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import peewee
from flask import g, has_app_context
from peewee import fn

from core.identity import permissions
from core.identity.audit import audit, diff
from core.identity.models import Department, User
from plugins.customers.models import Customer
from plugins.customers.pool_common import PoolError, as_id, day_start, iso, load, utcnow
from plugins.customers.pool_models import OwnerChange, Pool, PoolDepartment, PoolRule, PoolState
from plugins.customers.pool_schemas import PoolSchema

ENTITY = "customer_pool"
POOL_FIELDS = ("name", "description", "position", "is_default", "auto_return", "warn_days",
               "max_held", "daily_claims", "reclaim_ban_days")


# -- looking pools up ---------------------------------------------------------------------


def live_pools() -> peewee.ModelSelect:
    return Pool.live().order_by(Pool.position, Pool.id)


def default_pool() -> Pool | None:
    """The tenant's default pool: where customers go that no other pool claims."""
    return Pool.live().where(Pool.is_default == True).order_by(Pool.id).first()  # noqa: E712


def ensure_default_pool(language: str = "zh_CN") -> Pool:
    """Create the default pool if the tenant has none (idempotent; module enabling calls it)."""
    pool = default_pool()
    if pool is None:
        name = "公海" if language.startswith("zh") else "Public pool"
        pool = Pool.create(name=name, is_default=True, position=0)
        audit("create", ENTITY, pool.id, {"name": [None, name], "is_default": [None, True]}, None)
    return pool


def _cache() -> dict[str, Any]:
    return g.setdefault("_pool_cache", {}) if has_app_context() else {}


def forget_cache() -> None:
    if has_app_context():
        g.pop("_pool_cache", None)


def department_ids(pool: Pool) -> list[int]:
    return [link.department_id for link in PoolDepartment.select().where(PoolDepartment.pool == pool)]


def visible_pool_ids(user: User | None) -> frozenset[int]:
    """Ids of the live pools ``user`` may see and claim from (cached for the request).

    Admins see every pool. Others need the ``read`` right on ``customer_pool`` and see pools
    open to everyone plus pools naming their department or a department above it; users with
    the ``assign`` right (managers) also see the pools of the departments below theirs.
    """
    if user is None or not user.active:
        return frozenset()
    cache = _cache()
    key = f"visible:{user.id}"
    if key not in cache:
        cache[key] = frozenset(_visible_pool_ids(user))
    return cache[key]


def _visible_pool_ids(user: User) -> list[int]:
    pools = [p.id for p in Pool.live(Pool.id)]
    if user.is_admin:
        return pools
    if permissions.scope_of(user, ENTITY, "read") is None:
        return []
    links: dict[int, list[int]] = {}
    for pool_id, dept_id in PoolDepartment.select(PoolDepartment.pool, PoolDepartment.department).tuples():
        links.setdefault(pool_id, []).append(dept_id)
    mine = set(permissions.department_ancestors(user.department_id))
    if permissions.scope_of(user, ENTITY, "assign") is not None:
        mine.update(permissions.department_subtree(user.department_id))
    return [pid for pid in pools if not links.get(pid) or mine.intersection(links[pid])]


def get_pool(pool_id: Any) -> Pool:
    """A live pool by id, or PoolError 404."""
    try:
        pool = Pool.live().where(Pool.id == as_id(pool_id)).get_or_none()
    except (TypeError, ValueError):
        pool = None
    if pool is None:
        raise PoolError(f"no pool {pool_id}", status=404)
    return pool


def get_visible_pool(user: User | None, pool_id: Any) -> Pool:
    """A pool ``user`` may see; 404 for one they may not (its existence is not revealed)."""
    pool = get_pool(pool_id)
    if pool.id not in visible_pool_ids(user):
        raise PoolError(f"no pool {pool_id}", status=404)
    return pool


# -- membership ---------------------------------------------------------------------------


def home_condition(pool: Pool) -> peewee.Expression:
    """Rows of a ``Customer LEFT JOIN PoolState`` query whose home pool is ``pool``."""
    condition = PoolState.pool == pool.id
    if pool.is_default:
        condition = condition | PoolState.pool.is_null()
    return condition


def customers_in(pool: Pool, *columns: Any) -> peewee.ModelSelect:
    """Live customers with no owner sitting in ``pool`` (joined with their pool state)."""
    return (
        Customer.select(*columns)
        .join(PoolState, peewee.JOIN.LEFT_OUTER, on=(PoolState.customer == Customer.id))
        .where(Customer.owner.is_null() & Customer.deleted_at.is_null() & home_condition(pool))
    )


def in_visible_pools_condition(user: User) -> peewee.Expression:
    """The query form of "unowned and in a pool ``user`` may see" on the Customer model."""
    pools = visible_pool_ids(user)
    if not pools:
        return permissions.NOTHING
    # Correlated on the customer's own pool state (one per customer, unique): "id IN / NOT IN
    # (pool states …)" made the database list every placed customer — up to a million — as
    # soon as one unowned customer was looked at.
    own_state = PoolState.select(peewee.SQL("1")).where(PoolState.customer == Customer.id)
    in_listed = fn.EXISTS(own_state.where(PoolState.pool.in_(sorted(pools))))
    default = default_pool()
    if default is not None and default.id in pools:
        in_listed = in_listed | ~fn.EXISTS(own_state.where(PoolState.pool.is_null(False)))
    return Customer.owner.is_null() & in_listed


def home_pool(customer: Customer, state: PoolState | None = None) -> Pool | None:
    """Where ``customer`` sits (no owner) or would return to (owned)."""
    if state is None:
        state = PoolState.get_or_none(PoolState.customer == customer.id)
    if state is not None and state.pool_id is not None:
        pool = Pool.live().where(Pool.id == state.pool_id).get_or_none()
        if pool is not None:
            return pool
    if customer.owner_id is not None:
        found = pool_for_user(customer.owner_id)
        if found is not None:
            return found
    return default_pool()


def pool_for_user(user_id: int) -> Pool | None:
    """The first pool (by position) naming the department of ``user_id`` or one above it."""
    dept = User.select(User.department).where(User.id == user_id).scalar()
    if dept is None:
        return None
    ancestors = permissions.department_ancestors(dept)
    return (
        Pool.live()
        .join(PoolDepartment, on=(PoolDepartment.pool == Pool.id))
        .where(PoolDepartment.department.in_(ancestors))
        .order_by(Pool.position, Pool.id)
        .first()
    )


def holds_customers(pool: Pool) -> int:
    return customers_in(pool, Customer.id).count()


# -- changing pools -----------------------------------------------------------------------


def _check_departments(ids: list[int]) -> list[int]:
    ids = sorted(set(ids))
    found = {d for (d,) in Department.select(Department.id).where(Department.id.in_(ids)).tuples()}
    missing = [i for i in ids if i not in found]
    if missing:
        raise PoolError(f"unknown department {missing[0]}", field="departments")
    return ids


def _pool_snapshot(pool: Pool) -> dict[str, Any]:
    data = {field: getattr(pool, field) for field in POOL_FIELDS}
    data["departments"] = department_ids(pool)
    data["rules"] = [rule_dict(r) for r in pool.rules.order_by(PoolRule.id)]
    return data


def create_pool(data: Any, actor: User | None = None) -> Pool:
    """Create a pool from API/form data (validated by :class:`PoolSchema`)."""
    values = load(PoolSchema(), data)
    departments = _check_departments(values.pop("departments"))
    rules = values.pop("rules")
    db = Pool._meta.database
    with db.atomic():
        if values["is_default"]:
            Pool.update(is_default=False).where(Pool.is_default == True).execute()  # noqa: E712
        pool = Pool.create(**values)
        _write_links(pool, departments, rules)
        audit("create", ENTITY, pool.id, diff(None, _pool_snapshot(pool)), actor)
    forget_cache()
    return pool


def update_pool(pool: Pool, data: Any, actor: User | None = None) -> Pool:
    """Change a pool; only the fields given change (``rules``/``departments`` are replaced)."""
    values = load(PoolSchema(), data, partial=True)
    if values.get("is_default") is False and pool.is_default:
        raise PoolError("make another pool the default first", status=409, field="is_default")
    departments = _check_departments(values.pop("departments")) if "departments" in values else None
    rules = values.pop("rules", None)
    pool = Pool.get_by_id(pool.id)
    before = _pool_snapshot(pool)
    with Pool._meta.database.atomic():
        if values.get("is_default"):
            Pool.update(is_default=False).where((Pool.is_default == True) & (Pool.id != pool.id)).execute()  # noqa: E712
        Pool.update(**values, updated_at=utcnow(), version=Pool.version + 1).where(
            Pool.id == pool.id).execute()
        _write_links(pool, departments, rules)
        pool = Pool.get_by_id(pool.id)
        changes = diff(before, _pool_snapshot(pool))
        if changes:
            audit("update", ENTITY, pool.id, changes, actor)
    forget_cache()
    return pool


def _write_links(pool: Pool, departments: list[int] | None, rules: list[dict] | None) -> None:
    if departments is not None:
        PoolDepartment.delete().where(PoolDepartment.pool == pool).execute()
        if departments:
            PoolDepartment.insert_many([{"pool": pool.id, "department": d} for d in departments]).execute()
    if rules is not None:
        set_rules(pool, rules)


def set_rules(pool: Pool, rules: list[dict]) -> None:
    """Replace the pool's rules and bump ``rules_revision`` in the same transaction.

    The UPDATE of the pool row also locks it (PostgreSQL) until the change commits, so a
    return batch that holds that lock finishes with the old rules first, and any later batch
    sees the new revision and re-evaluates.
    """
    with Pool._meta.database.atomic():
        Pool.update(rules_revision=Pool.rules_revision + 1).where(Pool.id == pool.id).execute()
        PoolRule.delete().where(PoolRule.pool == pool).execute()
        for rule in rules:
            PoolRule.create(pool=pool, kind=rule["kind"], days=rule["days"], level=rule.get("level", ""))


def delete_pool(pool: Pool, actor: User | None = None) -> None:
    """Move a pool to the trash; refused (409) while it holds customers or is the default.

    Owned customers that would have returned to it return to their department's pool or the
    default pool from now on.
    """
    from core.identity.trash import move_to_trash

    if pool.is_default:
        raise PoolError("the default pool cannot be deleted; make another pool the default first",
                        status=409)
    held = holds_customers(pool)
    if held:
        raise PoolError(f"this pool still holds {held} customers; move or assign them first",
                        status=409, details={"customers": held})
    with Pool._meta.database.atomic():
        PoolState.update(pool=None).where(PoolState.pool == pool).execute()
        move_to_trash(ENTITY, pool, actor)
    forget_cache()


# -- the API form -------------------------------------------------------------------------


def rule_dict(rule: PoolRule) -> dict[str, Any]:
    return {"id": rule.id, "kind": rule.kind, "days": rule.days, "level": rule.level}


def pool_dict(pool: Pool, figures: dict[str, int] | None = None) -> dict[str, Any]:
    data = {"id": pool.id, **{field: getattr(pool, field) for field in POOL_FIELDS}}
    data["departments"] = department_ids(pool)
    data["rules"] = [rule_dict(r) for r in pool.rules.order_by(PoolRule.kind, PoolRule.level, PoolRule.id)]
    data["created_at"], data["updated_at"] = iso(pool.created_at), iso(pool.updated_at)
    if figures is not None:
        data["figures"] = figures
    return data


def pool_figures(pool: Pool, now: dt.datetime | None = None) -> dict[str, int]:
    """What the pool page shows: customers in it, held from it, locked, warned, and the
    claims and returns of today and the last 30 days."""
    now = now or utcnow()
    owned_home = (
        Customer.select(Customer.id)
        .join(PoolState, peewee.JOIN.LEFT_OUTER, on=(PoolState.customer == Customer.id))
        .where(Customer.owner.is_null(False) & Customer.deleted_at.is_null() & home_condition(pool))
    )
    since = now - dt.timedelta(days=30)
    changes = OwnerChange.select().where(OwnerChange.pool == pool)
    claims, returns = changes.where(OwnerChange.kind == "claim"), changes.where(OwnerChange.kind == "return")
    return {
        "in_pool": holds_customers(pool),
        "held": owned_home.count(),
        "locked": owned_home.where(PoolState.locked == True).count(),  # noqa: E712
        "warned": owned_home.where(PoolState.warned_at.is_null(False)).count(),
        "claimed_today": claims.where(OwnerChange.at >= day_start(now)).count(),
        "claimed_30d": claims.where(OwnerChange.at >= since).count(),
        "returned_30d": returns.where(OwnerChange.at >= since).count(),
        "released_30d": changes.where((OwnerChange.kind == "release") & (OwnerChange.at >= since)).count(),
    }
