"""Hook implementations of the customers plugin."""

from __future__ import annotations

from core.toolkit import EntityType, hookimpl
from plugins.customers import models

SALES = ("read", "create", "write")


@hookimpl
def crm_entity_types(kernel):
    rights = {"manager": SALES + ("delete", "export"), "sales": SALES, "finance": ("read", "export")}
    return [
        EntityType(key="customer", label="Customer", label_zh="客户", model=models.Customer,
                   owner_field="owner", default_rights=rights),
        EntityType(key="contact", label="Contact", label_zh="联系人", model=models.Contact,
                   default_rights=rights),
    ]


@hookimpl
def crm_models(kernel):
    return list(models.MODELS)


@hookimpl
def crm_migrations(kernel):
    return "plugins.customers.migrations"
