from __future__ import annotations

from core.toolkit import RecordTab, hookimpl
from tests.plugins.tags import views
from tests.plugins.tags.models import Tag


@hookimpl
def crm_models(kernel):
    return [Tag]


@hookimpl
def crm_migrations(kernel):
    return "tests.plugins.tags.migrations"


@hookimpl
def crm_blueprints(kernel):
    return [views.api]


@hookimpl
def crm_record_tabs(kernel, entity, record, user):
    if entity != "note":
        return None
    count = Tag.select().where(Tag.note_id == record.id).count()
    return [RecordTab(key="tags", title="Tags", title_zh="标签", endpoint="tags_api.note_tags",
                      endpoint_args={"note_id": record.id}, count=count)]
