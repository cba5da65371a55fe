"""How the network, activities and schedule plug into the kernel.

``hooks.py`` (shared with the rest of the customers plugin) delegates to these functions, so
each hook implementation there stays one line for this part.
"""

from __future__ import annotations

from typing import Any

from core.contrib import EntityType
from plugins.customers.activities_models import ACTIVITY_MODELS, Activity
from plugins.customers.relations_models import RELATION_MODELS
from plugins.customers.schedule_models import SCHEDULE_MODELS, ScheduleItem

WORK = ("read", "create", "write")


def entity_types(kernel: Any) -> list[EntityType]:
    return [
        EntityType(key="activity", label="Activity", label_zh="活动", model=Activity,
                   default_rights={"manager": WORK + ("delete", "export"), "sales": WORK,
                                   "finance": ("read",)}),
        EntityType(key="schedule_item", label="Schedule item", label_zh="日程", model=ScheduleItem,
                   owner_field="owner",
                   default_rights={"manager": WORK + ("delete", "export"), "sales": WORK + ("delete",),
                                   "finance": WORK + ("delete",)}),
    ]


def models() -> list[Any]:
    return [*RELATION_MODELS, *ACTIVITY_MODELS, *SCHEDULE_MODELS]


def module_enabled(kernel: Any, tenant: Any) -> None:
    from plugins.customers.activities import seed_activity_types
    from plugins.customers.relations import seed_relation_types

    seed_relation_types()
    seed_activity_types()
