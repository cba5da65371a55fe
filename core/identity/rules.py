"""Access rights (role × entity × action, with scope) and field rules: edited by tenant admins.

Every change is a ``permission`` entry in the audit log. The ``admin`` role is not in the
matrix: it has every right on every entity and sees every field, so a tenant can never lock
its administrators out by editing rules.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, g

from core.identity.audit import audit
from core.identity.errors import IdentityError
from core.identity.models import AccessRight, FieldRule, Role, User
from core.identity.permissions import ROLE_DEFAULT_SCOPE, SCOPES, forget_cache
from core.identity.services import ensure_builtin_roles, find_department, find_role, role_dict
from core.settings import get_setting, set_setting

SEEDED_KEY = "core.seeded_rights"  # entity keys whose default rights were seeded once
FIELD_RULE_MODES = ("hide", "mask")


def entity_types() -> list[Any]:
    """The entity types of the current tenant's enabled modules, in declaration order."""
    enabled = g.tenant.enabled
    return [e for e in current_app.extensions["xietong"].entity_types.values() if e.plugin in enabled]


def find_entity(key: Any) -> Any:
    for entity in entity_types():
        if entity.key == key:
            return entity
    raise IdentityError(f"unknown entity {key!r}", field="entity")


def entity_fields(entity: Any) -> list[str]:
    """Field names a field rule may name (the model's, when the entity declares one)."""
    if entity.model is None:
        return []
    return [f.name for f in entity.model._meta.sorted_fields if not f.primary_key]


# -- access rights ------------------------------------------------------------------------


def set_right(role: Any, entity: str, action: str, scope: str | None, actor: User | None = None) -> bool:
    """Grant ``action`` on ``entity`` to ``role`` with ``scope`` (None revokes it).

    Returns whether anything changed.
    """
    role = find_role(role)
    if role.key == "admin":
        raise IdentityError("the admin role has every right; it is not edited", field="role")
    entity_type = find_entity(entity)
    if action not in entity_type.actions:
        raise IdentityError(f"{entity} has no action {action!r}; actions: {', '.join(entity_type.actions)}",
                            field="action")
    if scope is not None and scope not in SCOPES:
        raise IdentityError(f"scope must be one of {', '.join(SCOPES)} or null", field="scope")
    row = AccessRight.get_or_none((AccessRight.role == role) & (AccessRight.entity == entity)
                                  & (AccessRight.action == action))
    old = row.scope if row else None
    if old == scope:
        return False
    with AccessRight._meta.database.atomic():
        if scope is None:
            row.delete_instance()
        elif row is None:
            AccessRight.create(role=role, entity=entity, action=action, scope=scope)
        else:
            row.scope = scope
            row.save()
        audit("permission", "access_right", f"{role.key}/{entity}/{action}", {"scope": [old, scope]}, actor)
    forget_cache()
    return True


def rights_matrix() -> dict[str, Any]:
    """Roles, entities with their actions, and ``rights[role][entity][action] = scope``."""
    roles = list(Role.select().order_by(Role.id))
    rights: dict[str, dict[str, dict[str, str]]] = {r.key: {} for r in roles}
    keys = {r.id: r.key for r in roles}
    for row in AccessRight.select():
        rights[keys[row.role_id]].setdefault(row.entity, {})[row.action] = row.scope
    return {
        "scopes": list(SCOPES),
        "roles": [role_dict(r) for r in roles],
        "entities": [{"key": e.key, "label": e.label, "label_zh": e.label_zh, "actions": list(e.actions),
                      "module": e.plugin} for e in entity_types()],
        "rights": rights,
    }


def seed_default_rights() -> list[str]:
    """Create the built-in roles and each enabled entity's default rights, once per entity.

    An entity seeded before is never seeded again, so an admin's edits in the matrix stay
    even when its module is disabled and enabled again. Returns the entities seeded now.
    """
    roles = ensure_builtin_roles()
    seeded = set(get_setting(SEEDED_KEY, []))
    fresh = []
    for entity in entity_types():
        if entity.key in seeded:
            continue
        for role_key, actions in entity.default_rights.items():
            role = roles.get(role_key) or Role.get_or_none(Role.key == role_key)
            if role is None or role.key == "admin":
                continue
            for action in actions:
                if action in entity.actions:
                    AccessRight.get_or_create(role=role, entity=entity.key, action=action,
                                              defaults={"scope": ROLE_DEFAULT_SCOPE.get(role.key, "own")})
        seeded.add(entity.key)
        fresh.append(entity.key)
    if fresh:
        set_setting(SEEDED_KEY, sorted(seeded))
        audit("permission", "access_right", "defaults", {"seeded": [None, fresh]}, None)
        forget_cache()
    return fresh


# -- field rules --------------------------------------------------------------------------


def create_field_rule(entity: str, field: str, mode: str, role: Any = None, department: Any = None,
                      actor: User | None = None) -> FieldRule:
    """Hide or mask ``field`` of ``entity`` for a role, a department (and everything below
    it), or a role within a department."""
    entity_type = find_entity(entity)
    fields = entity_fields(entity_type)
    if not isinstance(field, str) or not field or (fields and field not in fields):
        known = f"; fields: {', '.join(fields)}" if fields else ""
        raise IdentityError(f"{entity} has no field {field!r}{known}", field="field")
    if mode not in FIELD_RULE_MODES:
        raise IdentityError("mode must be hide or mask", field="mode")
    role = find_role(role) if role not in (None, "") else None
    department = find_department(department)
    if role is None and department is None:
        raise IdentityError("a field rule needs a role, a department or both", field="role")
    if role is not None and role.key == "admin":
        raise IdentityError("administrators see every field; pick another role", field="role")
    clash = FieldRule.select().where(
        (FieldRule.entity == entity) & (FieldRule.field == field)
        & (FieldRule.role.is_null() if role is None else FieldRule.role == role)
        & (FieldRule.department.is_null() if department is None else FieldRule.department == department)
    )
    if clash.exists():
        raise IdentityError("the same rule exists; delete it to change its mode", status=409)
    with FieldRule._meta.database.atomic():
        rule = FieldRule.create(entity=entity, field=field, mode=mode, role=role, department=department)
        audit("permission", "field_rule", rule.id, {k: [None, v] for k, v in field_rule_dict(rule).items()
                                                     if k != "id"}, actor)
    forget_cache()
    return rule


def delete_field_rule(rule: FieldRule, actor: User | None = None) -> None:
    with FieldRule._meta.database.atomic():
        audit("permission", "field_rule", rule.id, {k: [v, None] for k, v in field_rule_dict(rule).items()
                                                     if k != "id"}, actor)
        rule.delete_instance()
    forget_cache()


def field_rule_dict(rule: FieldRule) -> dict[str, Any]:
    return {"id": rule.id, "entity": rule.entity, "field": rule.field, "mode": rule.mode,
            "role": rule.role.key if rule.role_id else None, "department_id": rule.department_id}
