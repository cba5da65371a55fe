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


def permission_check(kernel: Any, user: Any, action: str, entity: str, record: Any) -> bool | None:
    from plugins.customers import schedule_access

    return schedule_access.permission_check(user, action, entity, record)


def permission_filter(kernel: Any, user: Any, action: str, entity: str, model: Any) -> Any:
    from plugins.customers import schedule_access

    return schedule_access.permission_filter(user, action, entity, model)


def tasks(kernel: Any) -> list[Any]:
    from core.contrib import Task

    return [Task(name="customers.schedule_reminders", func=_deliver_reminders, retries=2, retry_delay=10)]


def periodic_tasks(kernel: Any) -> list[Any]:
    from core.contrib import PeriodicTask

    return [PeriodicTask(name="customers.schedule_reminders", func=_deliver_reminders,
                         schedule={"minute": "*"})]


def _deliver_reminders(kernel: Any, now: str | None = None) -> int:
    """Task body: deliver due reminders in the current tenant (``now``: ISO time, for tests)."""
    import datetime as dt

    from plugins.customers.schedule_reminders import deliver_due

    return deliver_due(dt.datetime.fromisoformat(now) if now else None)


def combine_checks(*answers: bool | None) -> bool | None:
    """One plugin's answer from several rule sets' answers: any False vetoes, else any True allows."""
    if any(answer is False for answer in answers):
        return False
    return True if any(answer is True for answer in answers) else None


def combine_filters(*filters: Any) -> Any:
    """One plugin's RowFilter from several: allows ORed, restricts ANDed (as the kernel does)."""
    from core.contrib import RowFilter

    given = [f for f in filters if f is not None]
    if len(given) <= 1:
        return given[0] if given else None
    allows = [f.allow for f in given if f.allow is not None]
    restricts = [f.restrict for f in given if f.restrict is not None]
    allow = restrict = None
    for expression in allows:
        allow = expression if allow is None else allow | expression
    for expression in restricts:
        restrict = expression if restrict is None else restrict & expression
    return RowFilter(allow=allow, restrict=restrict)
