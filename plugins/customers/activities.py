"""Activities (关联活动): the major events with a customer, and their tenant-defined types."""

from __future__ import annotations

from plugins.customers.activities_models import ActivityType

BUILTIN_ACTIVITY_TYPES = (
    ("presales", "Presales", "售前", "#5470c6"),
    ("implementation", "Implementation", "实施", "#91cc75"),
    ("progress", "Project progress", "工程进展", "#fac858"),
    ("acceptance", "Acceptance", "工程验收", "#ee6666"),
    ("after_sales", "After-sales service", "售后服务", "#73c0de"),
    ("campaign", "Campaign", "专题活动", "#3ba272"),
    ("revisit", "Revisit", "回访记录", "#fc8452"),
)


def seed_activity_types() -> None:
    """Create the built-in activity types in the current tenant (idempotent)."""
    for position, (key, name, name_zh, color) in enumerate(BUILTIN_ACTIVITY_TYPES):
        ActivityType.get_or_create(key=key, defaults={"name": name, "name_zh": name_zh, "color": color,
                                                      "builtin": True, "position": position})
