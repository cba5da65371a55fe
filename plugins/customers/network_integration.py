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
    from plugins.customers.relations_models import Relation

    return [
        EntityType(key="relation", label="Relation", label_zh="客户关系", model=Relation,
                   default_rights={"manager": WORK + ("delete",), "sales": WORK + ("delete",),
                                   "finance": ("read",)}),
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


def blueprints(kernel: Any) -> list[Any]:
    from plugins.customers import activities_views, network_views, schedule_views

    return [network_views.api, network_views.pages, activities_views.api, activities_views.pages,
            schedule_views.api, schedule_views.pages]


def record_tabs(kernel: Any, entity: str, record: Any, user: Any) -> list[Any]:
    """The customer page's tabs: network, timeline, schedule (lazy; no data built here)."""
    from core.contrib import RecordTab

    if entity != "customer":
        return []
    args = {"customer_id": record.id}
    return [
        RecordTab(key="timeline", title="Timeline", title_zh="时间线", order=20,
                  endpoint="customers_activities_pages.timeline_tab", endpoint_args=args),
        RecordTab(key="schedule", title="Schedule", title_zh="日程", order=40,
                  endpoint="customers_schedule_pages.schedule_tab", endpoint_args=args,
                  permission=("schedule_item", "read")),
        RecordTab(key="network", title="Network", title_zh="关系网", order=60,
                  endpoint="customers_network_pages.network_tab", endpoint_args=args),
    ]


def menu_items(kernel: Any, user: Any) -> list[Any]:
    from core.contrib import MenuItem

    items = [
        MenuItem(key="customers.schedule", title="Schedule", title_zh="日程", order=25, icon="calendar",
                 endpoint="customers_schedule_pages.calendar_page", permission=("schedule_item", "read")),
        MenuItem(key="customers.overdue", title="Overdue follow-ups", title_zh="逾期未跟进", order=26,
                 endpoint="customers_activities_pages.overdue_page", permission=("customer", "read")),
    ]
    if user is not None and user.is_admin:
        items += [
            MenuItem(key="admin.relation-types", title="Relation types", title_zh="关系类型", order=910,
                     endpoint="customers_network_pages.relation_types_page", icon="settings"),
            MenuItem(key="admin.activity-types", title="Activity types", title_zh="活动类型", order=911,
                     endpoint="customers_activities_pages.types_page", icon="settings"),
        ]
    return items


def dashboard_widgets(kernel: Any, user: Any) -> list[Any]:
    from core.contrib import Widget

    return [
        Widget(key="customers.my_schedule_today", title="My schedule today", title_zh="今日日程",
               data=_today_widget, module="customers", permission=("schedule_item", "read")),
        Widget(key="customers.overdue_followups", title="Overdue follow-ups", title_zh="逾期未跟进",
               data=_overdue_widget, module="customers", permission=("customer", "read")),
    ]


def _today_widget(kernel: Any, user: Any, settings: Any = None) -> dict[str, Any]:
    from plugins.customers import schedule
    from plugins.customers import schedule_time as times

    tz = times.user_zone(user)
    after, before = schedule.window("day", None, tz)
    found = schedule.agenda(user, after, before)
    return {"items": [{"id": o.item.id, "title": o.item.title, "start": o.start.astimezone(tz).isoformat(),
                       "customer_id": o.item.customer_id} for o in found[:20]]}


def _overdue_widget(kernel: Any, user: Any, settings: Any = None) -> dict[str, Any]:
    from plugins.customers.activities import overdue_customers

    return {"items": overdue_customers(user, limit=10)}


def demo_data(kernel: Any, tenant: str, counts: dict[str, int], progress: Any) -> str | None:
    from plugins.customers.network_demo import make_demo

    return make_demo(counts.get("customers", 0), progress)


def combine_lines(*lines: str | None) -> str | None:
    """One summary line from several parts' lines (None when none has anything to say)."""
    given = [line for line in lines if line]
    return "; ".join(given) if given else None
