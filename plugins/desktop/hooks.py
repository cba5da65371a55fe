"""Hook implementations of the desktop plugin."""

from __future__ import annotations

from core.toolkit import EntityType, MenuItem, hookimpl
from plugins.desktop import models

READ = ("read",)
PUBLISH = ("read", "create", "write", "delete")


@hookimpl
def crm_entity_types(kernel):
    return [
        EntityType(key="announcement", label="Announcement", label_zh="公告",
                   model=models.Announcement, actions=("read", "create", "write", "delete"),
                   default_rights={"manager": PUBLISH, "sales": READ, "finance": READ}),
        EntityType(key="company_desktop", label="Company desktop", label_zh="公司桌面",
                   actions=("write",), default_rights={}),
    ]


@hookimpl
def crm_models(kernel):
    return list(models.MODELS)


@hookimpl
def crm_migrations(kernel):
    return "plugins.desktop.migrations"


@hookimpl
def crm_blueprints(kernel):
    from plugins.desktop import announcement_pages, announcements_api, api, views

    return [views.pages, announcement_pages.pages, api.api, announcements_api.api]


@hookimpl
def crm_menu_items(kernel, user):
    return [
        MenuItem(key="desktop.personal", title="My desktop", title_zh="个人桌面",
                 endpoint="desktop.personal", order=1, icon="home"),
        MenuItem(key="desktop.company", title="Company desktop", title_zh="公司桌面",
                 endpoint="desktop.company", order=2, icon="building"),
        MenuItem(key="desktop.announcements", title="Announcements", title_zh="公告与制度",
                 endpoint="desktop_announcements.index", order=3, icon="megaphone",
                 permission=("announcement", "read")),
    ]


@hookimpl
def crm_dashboard_widgets(kernel, user):
    from plugins.desktop.widgets import desktop_widgets

    return desktop_widgets()


@hookimpl
def crm_signal_receivers(kernel):
    from plugins.desktop.invalidation import receivers

    return receivers(kernel)
