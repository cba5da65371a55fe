"""Leads served by the resource framework: list page, record page with tabs, forms, REST
endpoints (``/leads``, ``/leads/<id>``), export and OpenAPI — from :class:`LeadSchema`.

A new lead belongs to its creator unless ``in_pool`` puts it in the lead pool; a converted
lead is kept as it was (409 on change).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from core.api.resource import Resource
from core.errors import ApiError
from plugins.customers.leads_models import Lead
from plugins.customers.leads_schemas import LeadSchema


class LeadResource(Resource):
    def assign(self, record: Any, data: Mapping[str, Any]) -> None:
        values = dict(data)
        record._to_pool = bool(values.pop("in_pool", False))
        super().assign(record, values)

    def before_save(self, record: Any, user: Any, created: bool) -> None:
        if created:
            if getattr(record, "_to_pool", False):
                record.owner = None
            return
        stored = Lead.select(Lead.status).where(Lead.id == record.id).scalar()
        if stored == "converted":
            raise ApiError(409, "a converted lead is kept as it was", code="converted")


leads = LeadResource(
    "lead", Lead, LeadSchema, path="leads", title_field="name",
    search=("name", "contact_name", "mobile", "phone", "email"),
    sort=("name", "created_at", "updated_at"),
    filters=("status", "source", "owner_id"),
    columns=("name", "contact_name", "mobile", "source", "status", "owner_id"),
    header=("contact_name", "mobile", "source", "status", "owner_id"),
    default_sort="-created_at",
)
