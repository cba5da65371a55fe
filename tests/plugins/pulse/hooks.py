from __future__ import annotations

from core.toolkit import MenuItem, hookimpl
from tests.plugins.pulse import views
from tests.plugins.pulse.models import Beat


@hookimpl
def crm_models(kernel):
    return [Beat]


@hookimpl
def crm_migrations(kernel):
    return "tests.plugins.pulse.migrations"


@hookimpl
def crm_blueprints(kernel):
    return [views.pages, views.api]


@hookimpl
def crm_menu_items(kernel, user):
    return [MenuItem(key="pulse", title="Pulse", title_zh="脉搏", endpoint="pulse.index", order=60)]
