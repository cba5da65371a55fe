"""How the pool, follow-ups, collaborators and leads plug into the kernel.

``hooks.py`` (shared with the rest of the customers plugin) delegates to these functions, so
each hook implementation there stays one line for this part.
"""

from __future__ import annotations

import logging
from typing import Any

from core.contrib import EntityType, PeriodicTask, Task
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
    from plugins.customers.pool_return import periodic_return

    return [Task(name="customers.pool_return_now", func=periodic_return, retries=0)]


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
    from plugins.customers import followups_api, leads_api, pool_api
    from plugins.customers.leads_resource import leads

    return [pool_api.api_blueprint(), followups_api.api_blueprint(), leads_api.api_blueprint(),
            *leads.blueprints()]
