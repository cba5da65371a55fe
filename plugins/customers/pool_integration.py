"""How the pool, follow-ups, collaborators and leads plug into the kernel.

``hooks.py`` (shared with the rest of the customers plugin) delegates to these functions, so
each hook implementation there stays one line for this part.
"""

from __future__ import annotations

import logging
from typing import Any

from core.contrib import EntityType, MenuItem, PeriodicTask, RecordTab, Task
from plugins.customers.collaborators_models import COLLABORATOR_MODELS
from plugins.customers.followups_models import FOLLOWUP_MODELS, Followup
from plugins.customers.leads_models import LEAD_MODELS, Lead
from plugins.customers.pool_models import POOL_MODELS, Pool

log = logging.getLogger(__name__)
WORK = ("read", "create", "write")
POOL_ACTIONS = ("read", "create", "write", "delete", "claim", "assign", "lock")
LEAD_ACTIONS = ("read", "create", "write", "delete", "export", "claim", "assign", "convert")


def entity_types(kernel: Any) -> list[EntityType]:
    return [
        EntityType(key="customer_pool", label="Public pool", label_zh="公海", model=Pool,
                   actions=POOL_ACTIONS,
                   default_rights={"manager": POOL_ACTIONS, "sales": ("read", "claim")}),
        EntityType(key="followup", label="Follow-up", label_zh="跟进记录", model=Followup,
                   default_rights={"manager": WORK + ("delete", "export"), "sales": WORK + ("delete",),
                                   "finance": ("read",)}),
        EntityType(key="lead", label="Lead", label_zh="线索", model=Lead, owner_field="owner",
                   actions=LEAD_ACTIONS,
                   default_rights={"manager": LEAD_ACTIONS,
                                   "sales": WORK + ("claim", "convert")}),
    ]


def models() -> list[Any]:
    return [*POOL_MODELS, *FOLLOWUP_MODELS, *COLLABORATOR_MODELS, *LEAD_MODELS]


def module_enabled(kernel: Any, tenant: Any) -> None:
    """Every tenant starts with a default pool (idempotent)."""
    from plugins.customers.pool import ensure_default_pool

    ensure_default_pool(getattr(tenant, "language", "") or "zh_CN")


def tasks(kernel: Any) -> list[Task]:
    from plugins.customers.followups import remind_task
    from plugins.customers.pool_return import periodic_return

    return [Task(name="customers.pool_return_now", func=periodic_return, retries=0),
            Task(name="customers.followup_remind", func=remind_task, retries=3, retry_delay=60)]


def periodic_tasks(kernel: Any) -> list[PeriodicTask]:
    from plugins.customers.followups import periodic_reminders
    from plugins.customers.pool_return import periodic_return

    return [
        PeriodicTask(name="customers.pool_return", func=periodic_return,
                     schedule={"minute": "20", "hour": "2"}),
        PeriodicTask(name="customers.followup_reminders", func=periodic_reminders,
                     schedule={"minute": "*/5"}),
    ]


def permission_check(kernel: Any, user: Any, action: str, entity: str, record: Any) -> bool | None:
    from plugins.customers.pool_access import check

    return check(user, action, entity, record)


def permission_filter(kernel: Any, user: Any, action: str, entity: str, model: Any) -> Any:
    from plugins.customers.pool_access import row_filter

    return row_filter(user, action, entity, model)


def dashboard_widgets(kernel: Any, user: Any) -> list[Any]:
    from plugins.customers.pool_widgets import widgets

    return widgets()


def signal_receivers(kernel: Any) -> list[tuple[Any, Any]]:
    from plugins.customers.pool_receivers import receivers

    return receivers(kernel)


def cli_commands(kernel: Any) -> list[Any]:
    from plugins.customers.pool_cli import pool

    return [pool]


def blueprints(kernel: Any) -> list[Any]:
    from plugins.customers import followups_api, followups_pages, leads_api, leads_pages, pool_api, pool_pages
    from plugins.customers.leads_resource import leads

    return [pool_api.api_blueprint(), followups_api.api_blueprint(), leads_api.api_blueprint(),
            pool_pages.pages_blueprint(), followups_pages.pages_blueprint(), leads_pages.pages_blueprint(),
            *leads.blueprints()]


def menu_items(kernel: Any, user: Any) -> list[MenuItem]:
    from plugins.customers.leads_resource import leads

    return [
        MenuItem(key="customers.followups", title="My follow-ups", title_zh="我的跟进", order=14,
                 endpoint="customers_followups_pages.todo", icon="list-check",
                 permission=("followup", "read")),
        MenuItem(key="customers.pools", title="Public pools", title_zh="公海", order=15,
                 endpoint="customers_pool_pages.pool_index", icon="water",
                 permission=("customer_pool", "read")),
        leads.menu_item(order=16, title="Leads", title_zh="线索"),
        MenuItem(key="customers.lead_pool", title="Lead pool", title_zh="线索池", order=17,
                 endpoint="customers_leads_pages.lead_pool", icon="inbox", permission=("lead", "read")),
    ]


def record_tabs(kernel: Any, entity: str, record: Any, user: Any) -> list[RecordTab]:
    """Follow-ups, owners (pool status and history) and collaborators on a customer; the pool
    actions and conversion on a lead. Only cheap counts are made here."""
    if entity == "customer":
        from plugins.customers.followups_models import Followup

        count = Followup.live().where(Followup.customer == record.id).count()
        args = {"customer_id": record.id}
        return [
            RecordTab(key="followups", title="Follow-ups", title_zh="跟进记录", order=12, count=count,
                      endpoint="customers_followups_pages.followups_tab", endpoint_args=args,
                      permission=("followup", "read")),
            RecordTab(key="owners", title="Owners", title_zh="负责人变更", order=80,
                      endpoint="customers_followups_pages.owners_tab", endpoint_args=args),
            RecordTab(key="collaborators", title="Collaborators", title_zh="协作人", order=82,
                      endpoint="customers_followups_pages.collaborators_tab", endpoint_args=args),
        ]
    if entity == "lead":
        return [RecordTab(key="convert", title="Pool and conversion", title_zh="领取与转化", order=10,
                          endpoint="customers_leads_pages.convert_tab", endpoint_args={"lead_id": record.id})]
    return []


def demo_data(kernel: Any, tenant: str, counts: dict[str, int], progress: Any) -> str | None:
    from plugins.customers.pool_demo import make_demo

    return make_demo(counts.get("customers", 0), progress)
