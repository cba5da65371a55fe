"""Hook implementations of the customers plugin."""

from __future__ import annotations

from core.toolkit import EntityType, hookimpl
from plugins.customers import access, models
from plugins.customers import integration as base
from plugins.customers import network_integration as network
from plugins.customers import pool_integration as pool

SALES = ("read", "create", "write")


@hookimpl
def crm_entity_types(kernel):
    rights = {"manager": SALES + ("delete", "export"), "sales": SALES, "finance": ("read", "export")}
    return [
        EntityType(key="customer", label="Customer", label_zh="客户", model=models.Customer,
                   owner_field="owner", default_rights=rights),
        EntityType(key="contact", label="Contact", label_zh="联系人", model=models.Contact,
                   default_rights=rights),
        *base.entity_types(kernel),
        *network.entity_types(kernel),
        *pool.entity_types(kernel),
    ]


@hookimpl
def crm_models(kernel):
    from plugins.customers.search_backlog import SearchBacklog

    return [*models.MODELS, SearchBacklog, *network.models(), *pool.models()]


@hookimpl
def crm_migrations(kernel):
    return "plugins.customers.migrations"


@hookimpl
def crm_module_enabled(kernel, tenant):
    network.module_enabled(kernel, tenant)
    pool.module_enabled(kernel, tenant)


@hookimpl
def crm_tasks(kernel):
    return [*base.tasks(kernel), *pool.tasks(kernel), *network.tasks(kernel)]


@hookimpl
def crm_periodic_tasks(kernel):
    return [*base.periodic_tasks(kernel), *pool.periodic_tasks(kernel), *network.periodic_tasks(kernel)]


@hookimpl
def crm_signal_receivers(kernel):
    return [*base.signal_receivers(kernel), *pool.signal_receivers(kernel)]


@hookimpl
def crm_permission_check(kernel, user, action, entity, record):
    return network.combine_checks(
        access.permission_check(kernel, user, action, entity, record),
        pool.permission_check(kernel, user, action, entity, record),
        network.permission_check(kernel, user, action, entity, record),
    )


@hookimpl
def crm_permission_filter(kernel, user, action, entity, model):
    return network.combine_filters(
        access.permission_filter(kernel, user, action, entity, model),
        pool.permission_filter(kernel, user, action, entity, model),
        network.permission_filter(kernel, user, action, entity, model),
    )


@hookimpl
def crm_dashboard_widgets(kernel, user):
    return [
        *base.dashboard_widgets(kernel, user),
        *pool.dashboard_widgets(kernel, user),
        *network.dashboard_widgets(kernel, user),
    ]


@hookimpl
def crm_cli_commands(kernel):
    return [*base.cli_commands(kernel), *pool.cli_commands(kernel)]


@hookimpl
def crm_blueprints(kernel):
    return [*base.blueprints(kernel), *pool.blueprints(kernel), *network.blueprints(kernel)]


@hookimpl
def crm_menu_items(kernel, user):
    return [*base.menu_items(kernel, user), *pool.menu_items(kernel, user), *network.menu_items(kernel, user)]


@hookimpl
def crm_record_tabs(kernel, entity, record, user):
    return [
        *base.record_tabs(kernel, entity, record, user),
        *pool.record_tabs(kernel, entity, record, user),
        *network.record_tabs(kernel, entity, record, user),
    ]


@hookimpl
def crm_field_rules(kernel, user, entity):
    return base.field_rules(kernel, user, entity)


@hookimpl
def crm_demo_data(kernel, tenant, counts, progress):
    return network.combine_lines(
        base.demo_data(kernel, tenant, counts, progress),
        pool.demo_data(kernel, tenant, counts, progress),
        network.demo_data(kernel, tenant, counts, progress),
    )
