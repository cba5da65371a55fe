"""Webhook events, subscriptions and deliveries.

Events: ``<entity>.created|updated|deleted|restored`` from the core record signals, plus any
module event a plugin forwards with :func:`forward`. A matching active webhook gets a
delivery row and a task on the queue; the task POSTs the JSON payload, signed with
HMAC-SHA256, and on failure schedules the next attempt with exponential backoff.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import http.client
import json
import logging
import secrets
import socket
import ssl
import time
from collections.abc import Callable
from typing import Any

from flask import current_app, g

from core.contrib import Task
from core.identity.models import utcnow
from core.signals import record_created, record_deleted, record_restored, record_updated, scoped_receiver

from .guard import Target, UnsafeTarget, resolve
from .models import Webhook, WebhookDelivery

log = logging.getLogger(__name__)

TASK_NAME = "core.webhooks.deliver"
MAX_ATTEMPTS = 6
BASE_DELAY = 30  # seconds; then ×4: 30 s, 2 min, 8 min, 32 min, ~2 h
TIMEOUT = 10
RECORD_SIGNALS = {
    "created": record_created,
    "updated": record_updated,
    "deleted": record_deleted,
    "restored": record_restored,
}
Payload = Callable[..., Any]


def backoff(attempts: int) -> int:
    """Seconds to wait after the ``attempts``-th failed attempt."""
    return BASE_DELAY * 4 ** max(attempts - 1, 0)


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The ``X-Xietong-Signature`` value: HMAC-SHA256 of ``"<timestamp>.<body>"``."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def new_secret() -> str:
    return secrets.token_hex(32)


# -- events ------------------------------------------------------------------------------------


def forward(event: str, payload: Payload | None = None) -> Callable[..., None]:
    """A signal receiver that turns a module's signal into webhook event ``event``.

    Return ``(signal, forward("deal.stage_changed", payload))`` from ``crm_signal_receivers``;
    ``payload(sender, **kwargs)`` gives the JSON-able data (default: ``{"id": record_id}``).
    """

    def receive(sender: Any, **kwargs: Any) -> None:
        data = payload(sender, **kwargs) if payload else {"id": kwargs.get("record_id")}
        dispatch(event, data)

    receive._xietong_webhook_event = event  # type: ignore[attr-defined]
    return receive


def available_events() -> list[str]:
    """Every event the current tenant can subscribe to (its enabled modules only)."""
    kernel = current_app.extensions["xietong"]
    events = {
        f"{key}.{verb}"
        for key, et in kernel.entity_types.items()
        if et.plugin in g.tenant.enabled and et.model is not None
        for verb in RECORD_SIGNALS
    }
    for _, pairs in kernel.each_plugin("crm_signal_receivers", only=g.tenant.enabled, kernel=kernel):
        for _, receiver in pairs:
            name = getattr(receiver, "_xietong_webhook_event", None)
            if name:
                events.add(name)
    return sorted(events)


def _record_payload(entity: str, record: Any, record_id: Any) -> dict[str, Any]:
    resource = current_app.extensions.get("xietong.resources", {}).get(entity)
    if resource is not None and record is not None:
        return resource.schema().dump(record)
    return {"id": record_id}


def dispatch(event: str, data: Any) -> list[int]:
    """Queue a delivery of ``event`` for every active webhook of the current tenant that wants it."""
    hooks = [
        h
        for h in Webhook.select().where(Webhook.active == True)  # noqa: E712
        if "*" in (h.events or []) or event in (h.events or [])
    ]
    if not hooks:
        return []
    body = json.dumps(
        {
            "event": event,
            "tenant": g.tenant.slug,
            "occurred_at": dt.datetime.now(dt.UTC).isoformat(),
            "data": data,
        },
        ensure_ascii=False,
        default=str,
    )
    kernel = current_app.extensions["xietong"]
    ids = []
    for hook in hooks:
        delivery = WebhookDelivery.create(webhook=hook, event=event, payload=body)
        ids.append(delivery.id)
        kernel.enqueue(TASK_NAME, tenant=g.tenant.slug, delivery_id=delivery.id)
    return ids


def ping(hook: Webhook) -> int:
    """Queue a ``webhook.ping`` delivery to ``hook`` (whatever it subscribes to); returns its id."""
    body = json.dumps(
        {
            "event": "webhook.ping",
            "tenant": g.tenant.slug,
            "occurred_at": dt.datetime.now(dt.UTC).isoformat(),
            "data": {"webhook_id": hook.id},
        }
    )
    delivery = WebhookDelivery.create(webhook=hook, event="webhook.ping", payload=body)
    current_app.extensions["xietong"].enqueue(TASK_NAME, tenant=g.tenant.slug, delivery_id=delivery.id)
    return delivery.id


def connect_record_signals(kernel: Any) -> None:
    """Turn the core record signals into webhook events for this app (core is always on)."""
    for verb, signal in RECORD_SIGNALS.items():

        def receive(sender: Any, verb: str = verb, **kwargs: Any) -> None:
            entity = kwargs.get("entity") or str(sender)
            dispatch(
                f"{entity}.{verb}", _record_payload(entity, kwargs.get("record"), kwargs.get("record_id"))
            )

        wrapped = scoped_receiver(kernel, "core", receive)
        kernel._signal_receivers.append(wrapped)
        signal.connect(wrapped, weak=True)


# -- delivery ----------------------------------------------------------------------------------


class _PinnedHTTP(http.client.HTTPConnection):
    def __init__(self, target: Target) -> None:
        super().__init__(target.host, target.port, timeout=TIMEOUT)
        self._address = target.address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPS(http.client.HTTPSConnection):
    def __init__(self, target: Target) -> None:
        super().__init__(target.host, target.port, timeout=TIMEOUT, context=ssl.create_default_context())
        self._address = target.address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def post(target: Target, body: bytes, headers: dict[str, str]) -> int:
    """POST ``body`` to the checked address; returns the status (redirects are not followed)."""
    connection = (_PinnedHTTPS if target.scheme == "https" else _PinnedHTTP)(target)
    try:
        connection.request("POST", target.path, body=body, headers=headers)
        response = connection.getresponse()
        response.read(4096)
        return response.status
    finally:
        connection.close()


def deliver(kernel: Any, delivery_id: int) -> str:
    """The queue task: one attempt at one delivery; returns the delivery's new status."""
    delivery = WebhookDelivery.get_or_none(WebhookDelivery.id == delivery_id)
    if delivery is None or delivery.status in ("success", "failed"):
        return "gone" if delivery is None else delivery.status
    hook = delivery.webhook
    delivery.attempts += 1
    delivery.last_attempt_at = utcnow()
    delivery.next_attempt_at = None
    permanent = False
    try:
        if not hook.active:
            raise UnsafeTarget("the webhook was deactivated")
        target = resolve(hook.url)
        body = delivery.payload.encode()
        stamp = int(time.time())
        status = post(
            target,
            body,
            {
                "Content-Type": "application/json",
                "User-Agent": f"XietongCRM-Webhooks/{kernel.version}",
                "X-Xietong-Event": delivery.event,
                "X-Xietong-Delivery": str(delivery.id),
                "X-Xietong-Timestamp": str(stamp),
                "X-Xietong-Signature": sign(hook.secret, stamp, body),
            },
        )
        delivery.response_status = status
        delivery.error = "" if 200 <= status < 300 else f"HTTP {status}"
    except UnsafeTarget as exc:
        delivery.error, permanent = str(exc), True
    except (OSError, http.client.HTTPException) as exc:
        delivery.error = f"{type(exc).__name__}: {exc}"[:1000]
    if not delivery.error:
        delivery.status = "success"
    elif permanent or delivery.attempts >= MAX_ATTEMPTS:
        delivery.status = "failed"
    else:
        delay = backoff(delivery.attempts)
        delivery.status = "retrying"
        delivery.next_attempt_at = utcnow() + dt.timedelta(seconds=delay)
        schedule_retry(kernel, delivery.id, delay)
    delivery.save()
    return delivery.status


def schedule_retry(kernel: Any, delivery_id: int, delay: int) -> None:
    """Run the delivery task again after ``delay`` seconds (huey's scheduled tasks)."""
    kernel.enqueue(TASK_NAME, tenant=g.tenant.slug, delay=delay, delivery_id=delivery_id)


def register(kernel: Any) -> None:
    """Connect the record signals (from ``core.api.init_app``); the delivery task is declared
    through core's ``crm_tasks``."""
    connect_record_signals(kernel)


def tasks() -> list[Task]:
    # retries=0: a delivery schedules its own retries with backoff and logs each attempt.
    return [Task(name=TASK_NAME, func=deliver, retries=0)]
