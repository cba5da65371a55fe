"""Hooks of idtest: entity types, a sharing rule and a secret-records veto, in both forms."""

from __future__ import annotations

from core.toolkit import EntityType, RowFilter, hookimpl
from tests.identity.plugins.idtest import models

ALL = ("read", "create", "write", "delete", "export")
MANAGERS = ("admin", "manager")


@hookimpl
def crm_entity_types(kernel):
    return [
        EntityType(key="idcontact", label="Contact", label_zh="联系人", model=models.IdContact,
                   owner_field="owner",
                   default_rights={"manager": ALL, "sales": ("read", "create", "write", "delete"),
                                   "finance": ("read", "export")}),
        EntityType(key="idmemo", label="Memo", label_zh="备忘", model=models.IdMemo,
                   default_rights={"manager": ALL, "sales": ("read",)}),
    ]


@hookimpl
def crm_migrations(kernel):
    return "tests.identity.plugins.idtest.migrations"


@hookimpl
def crm_blueprints(kernel):
    from tests.identity.plugins.idtest.views import api, pages

    return [pages, api]


def _is_manager(user) -> bool:
    return user.role.key in MANAGERS


@hookimpl
def crm_permission_check(kernel, user, action, entity, record):
    if entity != "idcontact" or record is None or user is None:
        return None
    if record.secret and not _is_manager(user):
        return False  # veto: secret records are for managers only
    if record.co_owner_id == user.id and action in ("read", "write"):
        return True  # shared with me (if the role has the right at all; the core vetoes otherwise)
    return None


@hookimpl
def crm_permission_filter(kernel, user, action, entity, model):
    if entity != "idcontact" or user is None:
        return None
    allow = (model.co_owner == user.id) if action in ("read", "write") else None
    restrict = None if _is_manager(user) else (model.secret == False)  # noqa: E712
    return RowFilter(allow=allow, restrict=restrict)
