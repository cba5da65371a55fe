"""Webhook tables in each tenant's database (created by core migration 0002_web)."""

from __future__ import annotations

import peewee

from core.db import TenantModel
from core.fields import JSONField
from core.identity.models import utcnow


class Webhook(TenantModel):
    """A URL that receives the events it subscribes to (``*`` for all)."""

    url = peewee.CharField(max_length=2000)
    events = JSONField(default=list)
    secret = peewee.CharField(max_length=128)
    description = peewee.CharField(max_length=300, default="")
    active = peewee.BooleanField(default=True)
    created_by = peewee.IntegerField(null=True)
    created_at = peewee.DateTimeField(default=utcnow)

    class Meta:
        table_name = "core_webhook"


class WebhookDelivery(TenantModel):
    """One event for one webhook, with the outcome of its latest attempt."""

    webhook = peewee.ForeignKeyField(Webhook, backref="deliveries", on_delete="CASCADE")
    event = peewee.CharField(max_length=100, index=True)
    payload = peewee.TextField()
    status = peewee.CharField(max_length=16, default="pending", index=True)  # pending|retrying|success|failed
    attempts = peewee.IntegerField(default=0)
    response_status = peewee.IntegerField(null=True)
    error = peewee.TextField(default="")
    created_at = peewee.DateTimeField(default=utcnow, index=True)
    last_attempt_at = peewee.DateTimeField(null=True)
    next_attempt_at = peewee.DateTimeField(null=True)

    class Meta:
        table_name = "core_webhook_delivery"


WEBHOOK_MODELS = (Webhook, WebhookDelivery)
