"""The kernel's own hook implementations: it is registered as plugin ``core``.

The kernel's rules go through the same hooks as every plugin's, so there is one path.
"""

from __future__ import annotations

from core.contrib import MenuItem, RowFilter
from core.hookspecs import hookimpl
from core.identity import permissions


@hookimpl
def crm_migrations(kernel):
    return "core.tenant_migrations"


@hookimpl
def crm_permission_check(kernel, user, action, entity, record):
    """Access rights and record scope: no right → veto; in scope → allow; else abstain so
    that sharing rules of plugins (co-owners, collaborators) may still allow."""
    if user is None or not user.active:
        return False
    if record is not None and permissions.in_trash(record):
        return False  # a trashed record is absent on every path until an admin restores it
    scope = permissions.scope_of(user, entity, action)
    if scope is None:
        return False
    if record is None:
        return True
    return True if permissions.record_in_scope(user, scope, entity, record) else None


@hookimpl
def crm_permission_filter(kernel, user, action, entity, model):
    if user is None or not user.active:
        return RowFilter(restrict=permissions.NOTHING)
    scope = permissions.scope_of(user, entity, action)
    if scope is None:
        return RowFilter(restrict=permissions.NOTHING)
    return RowFilter(allow=permissions.scope_filter(user, scope, entity, model))


@hookimpl
def crm_field_rules(kernel, user, entity):
    return permissions.stored_field_rules(user, entity)


@hookimpl
def crm_entity_types(kernel):
    from core.identity import integration

    return integration.entity_types(kernel)


@hookimpl
def crm_blueprints(kernel):
    from core.admin import modules
    from core.api import integration as api
    from core.identity import integration as identity
    from core.web import integration as web

    return [*web.blueprints(kernel), *api.blueprints(kernel), *identity.blueprints(kernel),
            modules.pages, modules.api]


@hookimpl
def crm_menu_items(kernel, user):
    from core.identity import integration as identity
    from core.web import integration as web

    admin = []
    if user is not None and user.is_admin:
        admin = [MenuItem(key="admin.modules", title="Modules", title_zh="模块", icon="settings",
                          endpoint="modules_admin.index", order=907)]
    return [*web.menu_items(kernel, user), *identity.menu_items(kernel, user), *admin]


@hookimpl
def crm_cli_commands(kernel):
    from core.identity import integration

    return integration.cli_commands(kernel)


@hookimpl
def crm_init(kernel, tenant, admin, password, demo):
    from core.identity import integration

    return integration.init(kernel, tenant, admin, password, demo)


@hookimpl
def crm_module_enabled(kernel, tenant):
    from core.identity import integration

    integration.module_enabled(kernel, tenant)


@hookimpl
def crm_tasks(kernel):
    from core.api.webhooks import service as webhooks

    return webhooks.tasks()
