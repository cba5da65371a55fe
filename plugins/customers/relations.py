"""Relations between customers (关联客户): types with inverses, and relations read from either side.

Callable without HTTP; the API views in ``network_views`` call these. Errors are
:class:`core.errors.ApiError` with the contract's status codes (422 bad input, 409 conflict).
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from flask import current_app, g
from peewee import SQL

from core.db import tenant_db
from core.errors import ApiError
from core.identity.models import User, utcnow
from core.identity.permissions import can, visible
from core.settings import get_setting
from plugins.customers.models import Customer
from plugins.customers.relations_models import Relation, RelationType

KEY_RE = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
HIDDEN_NODES_SETTING = "customers.network_hidden_nodes"  # "anonymous" (default) or "hide"
MAX_NOTE = 2000
CHUNK = 2000

# (key, name, name_zh, inverse, colour); a symmetric type is its own inverse.
BUILTIN_RELATION_TYPES = (
    ("upstream", "Upstream (supplier)", "上家", "downstream", "#5470c6"),
    ("downstream", "Downstream (buyer)", "下家", "upstream", "#91cc75"),
    ("competitor", "Competitor", "对手", "competitor", "#ee6666"),
    ("relative", "Relative (parent, subsidiary, affiliate)", "亲戚", "relative", "#fac858"),
    ("friend", "Friend / partner", "朋友", "friend", "#73c0de"),
)


def seed_relation_types() -> None:
    """Create the built-in types in the current tenant (idempotent)."""
    for position, (key, name, name_zh, inverse, color) in enumerate(BUILTIN_RELATION_TYPES):
        RelationType.get_or_create(
            key=key,
            defaults={"name": name, "name_zh": name_zh, "inverse": inverse, "color": color,
                      "builtin": True, "position": position},
        )


def relation_types() -> dict[str, RelationType]:
    """{key: type} of the current tenant, read once per request."""
    cache = g.setdefault("_relation_types", None)
    if cache is None:
        cache = {t.key: t for t in RelationType.select().order_by(RelationType.position, RelationType.id)}
        g._relation_types = cache
    return cache


def forget_types() -> None:
    g.pop("_relation_types", None)


def type_to_dict(rtype: RelationType) -> dict[str, Any]:
    return {"key": rtype.key, "name": rtype.name, "name_zh": rtype.name_zh, "inverse": rtype.inverse,
            "symmetric": rtype.symmetric, "color": rtype.color, "builtin": rtype.builtin}


def create_relation_type(key: str, name: str, name_zh: str = "", inverse: str | None = None,
                         inverse_name: str = "", inverse_name_zh: str = "", color: str = "") -> RelationType:
    """Add a tenant type; with ``inverse`` a second key is created for the other side."""
    errors: dict[str, list[str]] = {}
    types = relation_types()
    inverse = inverse or key
    for field, value in (("key", key), ("inverse", inverse)):
        if not isinstance(value, str) or not KEY_RE.match(value):
            errors[field] = ["use lowercase letters, digits and _ (starting with a letter)"]
        elif value in types:
            errors[field] = [f"relation type {value!r} already exists"]
    if not (name or "").strip():
        errors["name"] = ["a name is required"]
    if inverse != key and not (inverse_name or "").strip():
        errors["inverse_name"] = ["name the inverse type too"]
    if errors:
        raise ApiError(422, "invalid relation type", fields=errors)
    position = len(types)
    created = RelationType.create(key=key, name=name.strip(), name_zh=name_zh.strip(), inverse=inverse,
                                  color=color, position=position)
    if inverse != key:
        RelationType.create(key=inverse, name=inverse_name.strip(), name_zh=inverse_name_zh.strip(),
                            inverse=key, color=color, position=position + 1)
    forget_types()
    return created


def delete_relation_type(key: str) -> None:
    """Remove a tenant type and its inverse; built-in or used types are kept (409)."""
    rtype = relation_types().get(key)
    if rtype is None:
        raise ApiError(404, f"no relation type {key!r}")
    if rtype.builtin:
        raise ApiError(409, "built-in relation types cannot be deleted")
    keys = {rtype.key, rtype.inverse}
    if Relation.live().where(Relation.type.in_(keys)).exists():
        raise ApiError(409, "relations of this type exist; change or delete them first")
    RelationType.delete().where(RelationType.key.in_(keys)).execute()
    forget_types()


def expand_types(keys: Iterable[str] | None) -> set[str] | None:
    """The keys plus their inverses (a filter on "upstream" also finds "downstream" rows)."""
    if keys is None:
        return None
    types = relation_types()
    unknown = [k for k in keys if k not in types]
    if unknown:
        raise ApiError(400, f"unknown relation type(s): {', '.join(sorted(unknown))}")
    return {k for key in keys for k in (key, types[key].inverse)}


# -- visibility -------------------------------------------------------------------------------


def hidden_mode() -> str:
    """How customers the user may not see appear in the network: "anonymous" or "hide"."""
    mode = get_setting(HIDDEN_NODES_SETTING, "anonymous")
    return mode if mode in ("anonymous", "hide") else "anonymous"


class VisibleCustomers:
    """Which of many customer ids a user may read, with some of their fields.

    The permission-filtered query is compiled once; each batch of ids only adds its ``IN``
    list, so a network walk pays the engine's rules once and no per-row hook calls.
    """

    def __init__(self, user: User, *fields: Any):
        query = Customer.select(Customer.id, *fields).where(
            Customer.id.in_(SQL("(__IDS__)")) & Customer.deleted_at.is_null()
        )
        self.db = tenant_db.obj
        self.sql, self.params = visible(query, user, "customer", Customer).sql()
        self.at = self.sql[:self.sql.index("__IDS__")].count(self.db.param)

    def rows(self, ids: Iterable[int]) -> list[tuple]:
        """(id, *fields) of the live customers among ``ids`` that the user may read."""
        ids = list(ids)
        rows: list[tuple] = []
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start:start + CHUNK]
            sql = self.sql.replace("__IDS__", ", ".join([self.db.param] * len(chunk)))
            params = [*self.params[:self.at], *chunk, *self.params[self.at:]]
            rows.extend(self.db.execute_sql(sql, params).fetchall())
        return rows


def visible_rows(user: User, ids: Iterable[int], *fields: Any) -> list[tuple]:
    """(id, *fields) of the live customers among ``ids`` that ``user`` may read."""
    return VisibleCustomers(user, *fields).rows(ids)


def live_ids(ids: Iterable[int]) -> set[int]:
    """The ids among ``ids`` of customers that exist and are not in the trash."""
    ids = list(ids)
    db = tenant_db.obj
    found: set[int] = set()
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        sql = (f"SELECT id FROM customers_customer WHERE id IN ({', '.join([db.param] * len(chunk))}) "
               "AND deleted_at IS NULL")
        found.update(row[0] for row in db.execute_sql(sql, chunk).fetchall())
    return found


def visible_customer(user: User, customer_id: Any) -> Customer | None:
    """The live customer ``customer_id`` if ``user`` may read it, else None."""
    try:
        customer_id = int(customer_id)
    except (TypeError, ValueError):
        return None
    customer = Customer.get_or_none((Customer.id == customer_id) & Customer.deleted_at.is_null())
    if customer is None or not can(user, "read", "customer", customer):
        return None
    return customer


def anonymous_id(user: User, customer_id: int) -> str:
    """A stable, non-reversible stand-in for a customer the user may not see."""
    secret = str(current_app.config.get("SECRET_KEY") or "xietong").encode()
    message = f"{g.tenant.slug}:{user.id}:{customer_id}".encode()
    return "anon-" + hmac.new(secret, message, hashlib.sha256).hexdigest()[:12]


# -- relations ----------------------------------------------------------------------------------


def _validate(types: dict[str, RelationType], type_key: Any, note: Any,
              strength: Any) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if type_key not in types:
        errors["type"] = [f"unknown relation type; one of: {', '.join(types)}"]
    if not isinstance(note, str) or len(note) > MAX_NOTE:
        errors["note"] = [f"a text of at most {MAX_NOTE} characters"]
    if isinstance(strength, bool) or not isinstance(strength, int) or not 1 <= strength <= 5:
        errors["strength"] = ["a whole number from 1 (weak) to 5 (certain)"]
    return errors


def add_relation(user: User, source: Customer, target_id: Any, type_key: Any, note: Any = "",
                 strength: Any = 3) -> Relation:
    """Record that ``source`` is ``type_key`` of customer ``target_id``.

    The caller has checked that ``user`` may write ``source``. The target must be a live customer
    of this tenant that the user may see (another tenant's id simply does not exist here).
    """
    types = relation_types()
    errors = _validate(types, type_key, note, strength)
    target = None
    if isinstance(target_id, bool) or not isinstance(target_id, int):
        errors["target_id"] = ["the id of a customer"]
    elif target_id == source.id:
        errors["target_id"] = ["a customer cannot be related to itself"]
    else:
        target = visible_customer(user, target_id)
        if target is None:
            errors["target_id"] = ["no such customer"]
    if errors:
        raise ApiError(422, "invalid relation", fields=errors)
    inverse = types[type_key].inverse
    duplicate = Relation.live().where(
        ((Relation.source == source.id) & (Relation.target == target.id) & (Relation.type == type_key))
        | ((Relation.source == target.id) & (Relation.target == source.id) & (Relation.type == inverse))
    ).exists()
    if duplicate:
        raise ApiError(409, "this relation already exists")
    return Relation.create(source=source.id, target=target.id, type=type_key, note=note,
                           strength=strength, created_by=user.id)


def update_relation(relation: Relation, changes: dict[str, Any]) -> Relation:
    """Change note, strength or type (type as seen from the relation's source)."""
    allowed = {"note", "strength", "type"}
    unknown = sorted(set(changes) - allowed)
    merged = {"note": relation.note, "strength": relation.strength, "type": relation.type, **changes}
    errors = _validate(relation_types(), merged["type"], merged["note"], merged["strength"])
    for field in unknown:
        errors[field] = ["unknown field"]
    if errors:
        raise ApiError(422, "invalid relation", fields=errors)
    relation.note, relation.strength, relation.type = merged["note"], merged["strength"], merged["type"]
    relation.updated_at = utcnow()
    relation.version += 1
    relation.save()
    return relation


def delete_relation(relation: Relation) -> None:
    """Soft delete: the relation leaves the network and can be restored from the trash."""
    relation.deleted_at = utcnow()
    relation.save()


def relation_for(customer: Customer, relation_id: Any) -> Relation | None:
    """A live relation touching ``customer``, or None."""
    try:
        relation_id = int(relation_id)
    except (TypeError, ValueError):
        return None
    return Relation.live().where(
        (Relation.id == relation_id)
        & ((Relation.source == customer.id) | (Relation.target == customer.id))
    ).first()


@dataclass
class RelationPage:
    items: list[dict[str, Any]]
    next: str | None


def list_relations(user: User, customer: Customer, limit: int = 50, cursor: str | None = None,
                   type_keys: list[str] | None = None) -> RelationPage:
    """The customer's relations, each read from ``customer``'s side, by relation id (keyset)."""
    types = relation_types()
    wanted = expand_types(type_keys)
    after = _cursor(cursor)
    rows: list[Relation] = []
    for side in (Relation.source, Relation.target):
        query = Relation.live().where((side == customer.id) & (Relation.id > after))
        if wanted is not None:
            query = query.where(Relation.type.in_(wanted))
        rows.extend(query.order_by(Relation.id).limit(limit + 1))
    rows.sort(key=lambda r: r.id)
    more = len(rows) > limit
    rows = rows[:limit]
    others = {r.target_id if r.source_id == customer.id else r.source_id for r in rows}
    seen = dict(visible_rows(user, others, Customer.name))
    existing = live_ids(others - set(seen))
    mode = hidden_mode()
    items = []
    for rel in rows:
        outgoing = rel.source_id == customer.id
        other_id = rel.target_id if outgoing else rel.source_id
        type_key = rel.type if outgoing else types[rel.type].inverse if rel.type in types else rel.type
        if other_id in seen:
            other = {"id": other_id, "name": seen[other_id], "anonymous": False}
        elif other_id in existing and mode == "anonymous":
            other = {"id": anonymous_id(user, other_id), "name": None, "anonymous": True}
        else:
            continue
        rtype = types.get(type_key)
        items.append({
            "id": rel.id, "customer_id": customer.id, "other": other, "type": type_key,
            "type_name": rtype.name if rtype else type_key, "type_name_zh": rtype.name_zh if rtype else "",
            "direction": "out" if outgoing else "in", "note": rel.note, "strength": rel.strength,
            "created_at": rel.created_at.isoformat() + "+00:00",
        })
    return RelationPage(items, str(rows[-1].id) if more and rows else None)


def _cursor(cursor: str | None) -> int:
    if cursor in (None, ""):
        return 0
    try:
        value = int(cursor)
    except (TypeError, ValueError) as exc:
        raise ApiError(400, "bad cursor") from exc
    if value < 0:
        raise ApiError(400, "bad cursor")
    return value
