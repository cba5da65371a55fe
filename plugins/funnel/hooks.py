"""Hook implementations of the funnel plugin (only hooks; the rules live in the modules)."""

from __future__ import annotations

from core.contrib import RecordTab, RowFilter
from core.identity import permissions
from core.signals import record_deleted, record_restored
from core.toolkit import EntityType, MenuItem, hookimpl
from plugins.funnel import models

WORK = ("read", "create", "write")
SHARED_ACTIONS = ("read", "write")  # what a co-owner may do on a deal, within their role's rights


@hookimpl
def crm_entity_types(kernel):
    return [
        EntityType(key="deal", label="Deal", label_zh="跟单", model=models.Deal, owner_field="owner",
                   default_rights={"manager": WORK + ("delete", "export"), "sales": WORK,
                                   "finance": ("read", "export")},
                   url=lambda deal: f"deals/{deal.id}"),
        EntityType(key="quota", label="Quota", label_zh="销售目标", model=models.Quota, owner_field="owner",
                   default_rights={"manager": WORK + ("delete", "export"), "sales": WORK,
                                   "finance": ("read",)}),
    ]


@hookimpl
def crm_models(kernel):
    return list(models.MODELS)


@hookimpl
def crm_migrations(kernel):
    return "plugins.funnel.migrations"


@hookimpl
def crm_module_enabled(kernel, tenant):
    from plugins.funnel.stages import seed_defaults

    seed_defaults()


# -- permissions: co-owners share a deal; a team quota belongs to its department -----------------


@hookimpl
def crm_permission_check(kernel, user, action, entity, record):
    if record is None or user is None:
        return None
    if entity == "deal" and action in SHARED_ACTIONS:
        deal_id = record.get("id") if isinstance(record, dict) else getattr(record, "id", None)
        if deal_id is not None and models.DealCoOwner.select().where(
                (models.DealCoOwner.deal == deal_id) & (models.DealCoOwner.user == user.id)).exists():
            return True
    if entity == "quota":
        department_id = getattr(record, "department_id", None)
        if department_id is not None and department_id in _quota_departments(user, action):
            return True
    return None


@hookimpl
def crm_permission_filter(kernel, user, action, entity, model):
    if user is None:
        return None
    if entity == "deal" and action in SHARED_ACTIONS:
        shared = models.DealCoOwner.select(models.DealCoOwner.deal).where(models.DealCoOwner.user == user.id)
        return RowFilter(allow=model.id.in_(shared))
    if entity == "quota":
        departments = _quota_departments(user, action)
        return RowFilter(allow=model.department.in_(departments)) if departments else None
    return None


def _quota_departments(user, action: str) -> list[int]:
    """Team quotas a user reaches: those of departments in their quota scope, and (to read)
    those of their own team and the teams above it."""
    scope = permissions.scope_of(user, "quota", action)
    if scope is None or user.department_id is None:
        return []
    found = set()
    if scope == "department":
        found.add(user.department_id)
    elif scope == "subtree":
        found.update(permissions.department_subtree(user.department_id))
    if action == "read":
        found.update(permissions.department_ancestors(user.department_id))
    return sorted(found)


# -- signals --------------------------------------------------------------------------------------


def _trash_changed(sender, **kwargs):
    if kwargs.get("entity") != "deal":
        return
    from plugins.funnel.services import sync_counted

    record = kwargs.get("record")
    sync_counted(int(kwargs.get("record_id") or record.id))


def _customers_handed_over(sender, **kwargs):
    from plugins.funnel.services import hand_over_open_deals

    from_user, to_user = kwargs.get("from_user"), kwargs.get("to_user")
    moved = hand_over_open_deals(kwargs.get("customer_ids"), getattr(from_user, "id", from_user),
                                 getattr(to_user, "id", to_user), kwargs.get("user"))
    return {"deals": moved}


@hookimpl
def crm_signal_receivers(kernel):
    from plugins.funnel.timeline import signal_receivers as timeline_receivers

    pairs = [(record_deleted, _trash_changed), (record_restored, _trash_changed), *timeline_receivers()]
    try:
        from plugins.customers.signals import customers_handed_over
    except ImportError:  # an older customers plugin without the handover signal
        return pairs
    return [*pairs, (customers_handed_over, _customers_handed_over)]


# -- pages, tabs, widgets -------------------------------------------------------------------------


@hookimpl
def crm_menu_items(kernel, user):
    from plugins.funnel.resource import deals, quotas

    return [
        deals.menu_item(order=20, title="Deals", title_zh="跟单"),
        MenuItem(key="funnel.report", title="Sales funnel", title_zh="销售漏斗",
                 endpoint="funnel_pages.report", order=21, icon="bar-chart", permission=("deal", "read")),
        quotas.menu_item(order=22, title="Quotas", title_zh="销售目标"),
    ]


@hookimpl
def crm_record_tabs(kernel, entity, record, user):
    from plugins.funnel.resource import deals

    if entity == "customer":
        count = deals.visible_query(user).where(models.Deal.customer == record.id).count()
        return [RecordTab(key="deals", title="Deals", title_zh="跟单", endpoint="funnel_pages.customer_deals",
                          endpoint_args={"customer_id": record.id}, order=20, count=count,
                          permission=("deal", "read"))]
    if entity == "deal":
        return [RecordTab(key="history", title="Stage history", title_zh="阶段历史",
                          endpoint="funnel_pages.deal_history", endpoint_args={"deal_id": record.id},
                          order=10, permission=("deal", "read"))]
    if entity == "quota":
        return [RecordTab(key="plan", title="Plan", title_zh="目标分解", endpoint="funnel_pages.quota_plan",
                          endpoint_args={"quota_id": record.id}, order=10, permission=("quota", "read"))]
    return None


@hookimpl
def crm_dashboard_widgets(kernel, user):
    from plugins.funnel.widgets import widgets

    return widgets()


@hookimpl
def crm_blueprints(kernel):
    from plugins.funnel.api import api
    from plugins.funnel.pages import pages
    from plugins.funnel.resource import deals, quotas

    return [*deals.blueprints(), *quotas.blueprints(), api, pages]


@hookimpl
def crm_demo_data(kernel, tenant, counts, progress):
    from plugins.funnel.demo import demo_deals

    return demo_deals(counts, progress)
