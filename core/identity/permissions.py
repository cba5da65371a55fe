"""The one enforcement path: access rights, record rules and field rules.

Detail pages, lists, search, counts, exports, the API, record tabs and widgets all call
:func:`can` / :func:`require` for one record and :func:`visible` for a query, so a rule holds
the same way everywhere. Plugins add rules through ``crm_permission_check``,
``crm_permission_filter`` and ``crm_field_rules``; the kernel's own rules are hook
implementations too (``core.identity.hooks``).
"""

from __future__ import annotations

import functools
import operator
from typing import Any

import peewee
from flask import abort, current_app, g

from core.contrib import RowFilter
from core.identity.models import AccessRight, Department, FieldRule, User

SCOPES = ("own", "department", "subtree", "all")
ROLE_DEFAULT_SCOPE = {"admin": "all", "manager": "subtree", "sales": "own", "finance": "all"}
NOTHING = peewee.SQL("1 = 0")
EVERYTHING = peewee.SQL("1 = 1")


def _kernel() -> Any:
    return current_app.extensions["xietong"]


def _cached(key: str, build):
    """A per-request (per app context) cache: rights and trees are read once per request."""
    store = g.setdefault("_perm_cache", {})
    if key not in store:
        store[key] = build()
    return store[key]


def forget_cache() -> None:
    """Drop the per-request cache (after changing rights within one request or test)."""
    g.pop("_perm_cache", None)


def rights_of(user: User) -> dict[tuple[str, str], str]:
    """{(entity, action): scope} for the user's role."""
    rows = AccessRight.select().where(AccessRight.role == user.role_id)
    return _cached(f"rights:{user.role_id}", lambda: {(r.entity, r.action): r.scope for r in rows})


def department_subtree(department_id: int | None) -> list[int]:
    """The department and every department below it."""
    if department_id is None:
        return []
    children = _cached(
        "dept-children",
        lambda: _children_map(),
    )
    found, stack = [], [department_id]
    while stack:
        current = stack.pop()
        if current in found:
            continue  # a cycle in bad data must not loop
        found.append(current)
        stack.extend(children.get(current, ()))
    return found


def _children_map() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for dept_id, parent_id in Department.select(Department.id, Department.parent).tuples():
        children.setdefault(parent_id, []).append(dept_id)
    return children


def department_ancestors(department_id: int | None) -> list[int]:
    parents = _cached(
        "dept-parents", lambda: dict(Department.select(Department.id, Department.parent).tuples())
    )
    found = []
    while department_id is not None and department_id not in found:
        found.append(department_id)
        department_id = parents.get(department_id)
    return found


def scope_of(user: User, entity: str, action: str) -> str | None:
    """The widest scope the user's role has for ``action`` on ``entity`` (None: no right)."""
    if user.is_admin:
        return "all"
    return rights_of(user).get((entity, action))


def _owner_field(entity: str) -> str | None:
    entity_type = _kernel().entity_types.get(entity)
    return entity_type.owner_field if entity_type else None


def _owner_id(record: Any, field: str) -> Any:
    value = getattr(record, f"{field}_id", None) if hasattr(record, f"{field}_id") else None
    if value is None:
        value = record.get(field) if isinstance(record, dict) else getattr(record, field, None)
    return getattr(value, "id", value)


def record_in_scope(user: User, scope: str, entity: str, record: Any) -> bool:
    """Whether ``record`` is within ``scope`` for ``user`` (one record; cheap lookups)."""
    field = _owner_field(entity)
    if scope == "all" or field is None:
        return True
    owner_id = _owner_id(record, field)
    if owner_id is None:
        return False
    if owner_id == user.id:
        return True
    if scope == "own":
        return False
    owner_department = _cached(
        f"user-dept:{owner_id}",
        lambda: User.select(User.department).where(User.id == owner_id).scalar(),
    )
    if owner_department is None or user.department_id is None:
        return False
    if scope == "department":
        return owner_department == user.department_id
    return owner_department in department_subtree(user.department_id)


def scope_filter(user: User, scope: str, entity: str, model: Any) -> Any:
    """The query form of :func:`record_in_scope`."""
    field_name = _owner_field(entity)
    if scope == "all" or field_name is None:
        return EVERYTHING
    column = getattr(model, field_name)
    if scope == "own" or user.department_id is None:
        return column == user.id
    departments = [user.department_id] if scope == "department" else department_subtree(user.department_id)
    return column.in_(User.select(User.id).where(User.department.in_(departments)))


def in_trash(record: Any) -> bool:
    """Whether ``record`` (a model or a dict) has been moved to the trash."""
    value = record.get("deleted_at") if isinstance(record, dict) else getattr(record, "deleted_at", None)
    return value is not None


def can(user: User | None, action: str, entity: str, record: Any = None) -> bool:
    """Combine every enabled plugin's answer by veto: any False denies, else any True allows."""
    if user is None:
        return False
    answers = g.tenant.hooks.crm_permission_check(
        kernel=_kernel(), user=user, action=action, entity=entity, record=record
    )
    if any(answer is False for answer in answers):
        return False
    return any(answer is True for answer in answers)


def require(user: User | None, action: str, entity: str, record: Any = None) -> None:
    """404 when the record is not visible (its existence is not revealed), 403 when it is
    visible but ``action`` is not allowed. Call it before writing anything."""
    if record is not None and not can(user, "read", entity, record):
        abort(404)
    if action != "read" and not can(user, action, entity, record):
        abort(403, description=f"you may not {action} this {entity}")
    if action == "read" and record is None and not can(user, "read", entity):
        abort(403, description=f"you may not read {entity} records")


def _is_everything(expression: Any) -> bool:
    if expression is EVERYTHING:
        return True
    return isinstance(expression, peewee.SQL) and expression.sql.strip() == "1 = 1"


def visible(query: Any, user: User | None, entity: str, model: Any, action: str = "read") -> Any:
    """Narrow ``query`` to the rows of ``model`` the user may ``action`` — one SQL query."""
    if user is None:
        return query.where(NOTHING)
    answers = g.tenant.hooks.crm_permission_filter(
        kernel=_kernel(), user=user, action=action, entity=entity, model=model
    )
    filters = [a for a in answers if isinstance(a, RowFilter)]
    allows = [f.allow for f in filters if f.allow is not None]
    if not allows:
        return query.where(NOTHING)
    # One rule letting the user see everything makes the others moot: leaving them out keeps
    # their subqueries out of the SQL the database plans and runs on every list.
    if any(_is_everything(a) for a in allows):
        condition = EVERYTHING
    else:
        condition = functools.reduce(operator.or_, allows)
    if "deleted_at" in model._meta.fields:  # the trash is absent from every list
        condition = condition & model.deleted_at.is_null()
    for restrict in (f.restrict for f in filters if f.restrict is not None):
        condition = condition & restrict
    return query.where(condition)


# -- field rules -------------------------------------------------------------------------------


def field_rules(user: User | None, entity: str) -> dict[str, str]:
    """{field: "hide" | "mask"} for the user on ``entity``; the strictest rule wins."""
    if user is None:
        return {}
    answers = g.tenant.hooks.crm_field_rules(kernel=_kernel(), user=user, entity=entity)
    merged: dict[str, str] = {}
    for answer in answers:
        for field, mode in (answer or {}).items():
            if mode == "hide" or merged.get(field) != "hide":
                merged[field] = mode
    return merged


def stored_field_rules(user: User, entity: str) -> dict[str, str]:
    """The tenant's own field rules (``core_field_rule``) that reach ``user``."""
    if user.is_admin:
        return {}
    departments = department_ancestors(user.department_id)
    rows = _cached(
        f"field-rules:{entity}",
        lambda: list(FieldRule.select().where(FieldRule.entity == entity)),
    )
    rules: dict[str, str] = {}
    for rule in rows:
        role_match = rule.role_id is None or rule.role_id == user.role_id
        dept_match = rule.department_id is None or rule.department_id in departments
        if rule.role_id is None and rule.department_id is None:
            continue
        if role_match and dept_match and (rule.mode == "hide" or rules.get(rule.field) != "hide"):
            rules[rule.field] = rule.mode
    return rules


def mask_value(value: Any) -> Any:
    """Mask a value so its shape shows and its content does not: ``138****5678``."""
    if value is None or value == "":
        return value
    text = str(value)
    if "@" in text:
        local, _, domain = text.partition("@")
        return (local[:1] or "*") + "***@" + domain
    if len(text) >= 7:
        return text[:3] + "*" * (len(text) - 7) + text[-4:] if len(text) > 7 else text[:3] + "****"
    return text[:1] + "*" * (len(text) - 1)


def apply_field_rules(user: User | None, entity: str, data: dict[str, Any],
                      rules: dict[str, str] | None = None) -> dict[str, Any]:
    """Drop hidden fields and mask masked ones in one serialised record (a new dict)."""
    rules = field_rules(user, entity) if rules is None else rules
    if not rules:
        return data
    result = {}
    for key, value in data.items():
        mode = rules.get(key)
        if mode == "hide":
            continue
        result[key] = mask_value(value) if mode == "mask" else value
    return result
