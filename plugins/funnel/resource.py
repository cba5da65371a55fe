"""Deals and quotas served by the kernel's resource framework (list, record, forms, REST).

Writes are delegated to the funnel's services, so the framework's pages and API keep the
same rules as every other caller: versioned writes, stage history, aggregates, signals.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import peewee

from core.api.resource import Resource
from core.errors import ApiError
from plugins.customers.models import Customer
from plugins.funnel import quotas as quota_service
from plugins.funnel import services
from plugins.funnel.models import Deal, DealCoOwner, Pipeline, Quota, Stage
from plugins.funnel.schemas import DealSchema, QuotaSchema

EXTRA_ARGS = ("stale", "pipeline")  # list arguments that are not column filters


def _key_filter(value: Any, model_field: Any) -> Any:
    stage = Stage.get_or_none(Stage.key == str(value))
    return model_field == (stage.id if stage else -1)


class DealResource(Resource):
    """Deals: the customer's name joined in one query; stage filters by key; ``?stale=1``."""

    def base_query(self) -> peewee.Select:
        return (Deal.select(Deal, Customer.id, Customer.name)
                .join(Customer, on=(Deal.customer == Customer.id))
                .where(Deal.deleted_at.is_null()))

    def list_params(self, args: Mapping[str, str], user: Any, default_limit: int = 50,
                    ignore: Iterable[str] = ()) -> Any:
        params = super().list_params(args, user, default_limit, ignore=(*ignore, *EXTRA_ARGS))
        params.extra = {name: args.get(name) for name in EXTRA_ARGS if args.get(name)}
        return params

    def visible_query(self, user: Any, params: Any = None, action: str = "read") -> peewee.Select:
        if params is None:
            return super().visible_query(user, None, action)
        filters = dict(params.filters)
        stage_key = filters.pop("stage", None)
        params.filters = filters
        try:
            query = super().visible_query(user, params, action)
        finally:
            if stage_key is not None:
                params.filters["stage"] = stage_key
        if stage_key is not None:
            query = query.where(_key_filter(stage_key, Deal.stage))
        extra = getattr(params, "extra", {})
        if extra.get("stale") in ("1", "true", "yes"):
            import datetime as dt

            from core.identity.models import utcnow
            from plugins.funnel.reports import stale_days

            cutoff = utcnow() - dt.timedelta(days=stale_days())
            query = query.where((Deal.status == "open") & (Deal.stage_changed_at < cutoff))
        if extra.get("pipeline"):
            pipeline = Pipeline.get_or_none(Pipeline.key == extra["pipeline"])
            query = query.where(Deal.pipeline == (pipeline.id if pipeline else -1))
        return query

    def get(self, record_id: Any, user: Any, action: str = "read") -> Any:
        return services.get_deal(user, record_id, action)

    def dump_many(self, records: Iterable[Any], user: Any) -> list[dict[str, Any]]:
        records = list(records)
        owners: dict[int, list[int]] = {r.id: [] for r in records}
        if records:
            for deal_id, user_id in (DealCoOwner.select(DealCoOwner.deal, DealCoOwner.user)
                                     .where(DealCoOwner.deal.in_(list(owners)))
                                     .order_by(DealCoOwner.id).tuples()):
                owners[deal_id].append(user_id)
        for record in records:
            record._co_owner_ids = owners[record.id]
        return super().dump_many(records, user)

    def create(self, data: Mapping[str, Any], user: Any) -> Any:
        values = self.load(data, user)
        return services.create_deal(user, values)

    def update(self, record: Any, data: Mapping[str, Any], user: Any,
               expected_version: int | None = None) -> Any:
        data = dict(data)
        if "version" in data:
            version = data.pop("version")
            if isinstance(version, bool) or not isinstance(version, int):
                raise ApiError(422, "version must be a whole number", fields={"version": ["not a number"]})
            expected_version = version
        values = self.load(data, user, partial=True)
        if "pipeline" in values:
            raise ApiError(422, "a deal stays in its pipeline; open a new deal for another",
                           fields={"pipeline": ["cannot be changed"]})
        return services.update_deal(user, record, values, expected_version)

    def delete(self, record: Any, user: Any) -> None:
        services.delete_deal(user, record)


class QuotaResource(Resource):
    """Quotas: validation and writes by :mod:`plugins.funnel.quotas`."""

    def create(self, data: Mapping[str, Any], user: Any) -> Any:
        return quota_service.create_quota(user, self.load(data, user))

    def update(self, record: Any, data: Mapping[str, Any], user: Any,
               expected_version: int | None = None) -> Any:
        data = dict(data)
        if "version" in data:
            expected_version = data.pop("version")
        return quota_service.update_quota(user, record, self.load(data, user, partial=True),
                                          expected_version)


deals = DealResource(
    "deal", Deal, DealSchema, path="deals", title_field="title", search=("title", "territory"),
    sort=("title", "amount", "expected_close", "stage_changed_at", "created_at", "updated_at"),
    filters=("customer_id", "owner_id", "stage", "status", "territory"),
    columns=("title", "customer_name", "amount", "stage", "owner_id", "expected_close", "stage_changed_at"),
    header=("customer_name", "amount", "stage", "probability", "owner_id", "expected_close"),
    default_sort="-updated_at", icon="funnel",
)

quotas = QuotaResource(
    "quota", Quota, QuotaSchema, path="quotas", title_field="name",
    sort=("period_start", "period_end", "amount", "created_at"),
    filters=("owner_id", "department_id"),
    columns=("name", "owner_id", "department_id", "period_start", "period_end", "amount"),
    header=("owner_id", "department_id", "period_start", "period_end", "amount", "deal_size"),
    default_sort="-period_start", icon="target",
)
