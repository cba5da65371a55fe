from __future__ import annotations

from core.toolkit import hookimpl
from tests.plugins.ledger import views
from tests.plugins.ledger.models import Entry


@hookimpl
def crm_models(kernel):
    return [Entry]


@hookimpl
def crm_migrations(kernel):
    return "tests.plugins.ledger.migrations_v2"


@hookimpl
def crm_blueprints(kernel):
    return [views.api]
