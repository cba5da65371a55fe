"""Webhook administration over the API (tenant admins only): ``/api/v1/webhooks…``."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, g, jsonify
from marshmallow import Schema, ValidationError, validate
from marshmallow import fields as ma

from core.errors import ApiError
from core.identity.audit import audit
from core.settings import get_setting, set_setting

from .. import fields as xf
from ..openapi import api_doc
from ..views import json_body
from . import service
from .guard import ALLOW_PRIVATE_KEY, ALLOWED_HOSTS_KEY, UnsafeTarget, check_registration
from .models import Webhook, WebhookDelivery


class WebhookSchema(Schema):
    id = ma.Integer(dump_only=True)
    url = ma.String(required=True, validate=validate.Length(min=8, max=2000))
    events = ma.List(
        ma.String(validate=validate.Length(min=1, max=100)),
        required=True,
        validate=validate.Length(min=1, max=200),
    )
    description = ma.String(load_default="", validate=validate.Length(max=300))
    active = ma.Boolean(load_default=True)
    created_at = xf.DateTime(dump_only=True)


class WebhookCreatedSchema(WebhookSchema):
    secret = ma.String(dump_only=True, metadata={"description": "shown once: keep it to check signatures"})


class DeliverySchema(Schema):
    id = ma.Integer()
    event = ma.String()
    status = ma.String()
    attempts = ma.Integer()
    response_status = ma.Integer(allow_none=True)
    error = ma.String()
    created_at = xf.DateTime()
    last_attempt_at = xf.DateTime(allow_none=True)
    next_attempt_at = xf.DateTime(allow_none=True)


class SettingsSchema(Schema):
    allowed_hosts = ma.List(
        ma.String(validate=validate.Length(min=1, max=253)), required=True, validate=validate.Length(max=100)
    )
    allow_private = ma.Boolean(load_default=False)


class EventsSchema(Schema):
    events = ma.List(ma.String())


def admin_only() -> None:
    if g.get("user") is None or not g.user.is_admin:
        abort(403, description="only administrators manage webhooks")


def validated(schema: Schema, data: Any, partial: bool = False) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise ApiError(400, "send a JSON object")
    try:
        return schema.load(data, partial=partial)
    except ValidationError as exc:
        raise ApiError(
            422,
            "the webhook is not valid",
            fields={
                k: [str(m) for m in (v if isinstance(v, list) else [v])] for k, v in exc.messages.items()
            },
        ) from None


def check_values(values: dict[str, Any]) -> None:
    """The URL must be allowed and every event must exist (``*`` subscribes to all)."""
    if "url" in values:
        try:
            values["url"] = check_registration(values["url"])
        except UnsafeTarget as exc:
            raise ApiError(422, str(exc), fields={"url": [str(exc)]}) from None
    if "events" in values:
        known = set(service.available_events()) | {"*"}
        unknown = [e for e in values["events"] if e not in known]
        if unknown:
            raise ApiError(422, f"unknown events: {', '.join(unknown)}", fields={"events": ["unknown event"]})


def get_hook(hook_id: int) -> Webhook:
    """The webhook, or 404 (also for ids no database column could hold)."""
    hook = Webhook.get_or_none(Webhook.id == hook_id) if 0 < hook_id < 2**63 else None
    if hook is None:
        raise ApiError(404, "no such webhook")
    return hook


def webhooks_api() -> Blueprint:
    bp = Blueprint("xietong_webhooks_api", __name__, url_prefix="/api/v1/webhooks")
    bp.before_request(admin_only)
    schema = WebhookSchema()

    @bp.get("")
    @api_doc(
        summary="Webhooks of this tenant", response=WebhookSchema, many=True, tags=["webhooks"], errors=(403,)
    )
    def index() -> Any:
        return jsonify(items=schema.dump(Webhook.select().order_by(Webhook.id), many=True))

    @bp.post("")
    @api_doc(
        summary="Register a webhook (its host must be allowed)",
        request=WebhookSchema,
        response=WebhookCreatedSchema,
        status=201,
        tags=["webhooks"],
        errors=(400, 403, 415, 422),
    )
    def create() -> Any:
        values = validated(schema, json_body())
        check_values(values)
        hook = Webhook.create(secret=service.new_secret(), created_by=g.user.id, **values)
        audit("create", "webhook", hook.id, {"url": [None, hook.url], "events": [None, hook.events]})
        return jsonify(WebhookCreatedSchema().dump(hook)), 201

    @bp.get("/<int:hook_id>")
    @api_doc(summary="One webhook", response=WebhookSchema, tags=["webhooks"], errors=(403, 404))
    def one(hook_id: int) -> Any:
        return jsonify(schema.dump(get_hook(hook_id)))

    @bp.patch("/<int:hook_id>")
    @api_doc(
        summary="Change a webhook",
        request=WebhookSchema(partial=True),
        response=WebhookSchema,
        tags=["webhooks"],
        errors=(400, 403, 404, 415, 422),
    )
    def change(hook_id: int) -> Any:
        hook = get_hook(hook_id)
        values = validated(schema, json_body(), partial=True)
        check_values(values)
        before = {k: getattr(hook, k) for k in values}
        for key, value in values.items():
            setattr(hook, key, value)
        hook.save()
        audit(
            "update",
            "webhook",
            hook.id,
            {k: [before[k], values[k]] for k in values if before[k] != values[k]},
        )
        return jsonify(schema.dump(hook))

    @bp.delete("/<int:hook_id>")
    @api_doc(
        summary="Remove a webhook and its delivery log", status=204, tags=["webhooks"], errors=(403, 404)
    )
    def remove(hook_id: int) -> Any:
        hook = get_hook(hook_id)
        audit("delete", "webhook", hook.id, {"url": [hook.url, None]})
        hook.delete_instance(recursive=True)
        return "", 204

    @bp.get("/<int:hook_id>/deliveries")
    @api_doc(
        summary="The latest deliveries of a webhook",
        response=DeliverySchema,
        many=True,
        tags=["webhooks"],
        errors=(403, 404),
    )
    def deliveries(hook_id: int) -> Any:
        hook = get_hook(hook_id)
        rows = (
            WebhookDelivery.select()
            .where(WebhookDelivery.webhook == hook)
            .order_by(WebhookDelivery.id.desc())
            .limit(100)
        )
        return jsonify(items=DeliverySchema(many=True).dump(rows))

    @bp.post("/<int:hook_id>/ping")
    @api_doc(summary="Send a test event (webhook.ping) now", status=202, tags=["webhooks"], errors=(403, 404))
    def ping(hook_id: int) -> Any:
        return jsonify(id=service.ping(get_hook(hook_id))), 202

    @bp.get("/events")
    @api_doc(
        summary="Events this tenant can subscribe to", response=EventsSchema, tags=["webhooks"], errors=(403,)
    )
    def events() -> Any:
        return jsonify(events=service.available_events())

    @bp.get("/settings")
    @api_doc(summary="Allowed webhook hosts", response=SettingsSchema, tags=["webhooks"], errors=(403,))
    def settings() -> Any:
        return jsonify(
            allowed_hosts=get_setting(ALLOWED_HOSTS_KEY, []),
            allow_private=bool(get_setting(ALLOW_PRIVATE_KEY, False)),
        )

    @bp.put("/settings")
    @api_doc(
        summary="Set the allowed webhook hosts (patterns like *.example.com)",
        request=SettingsSchema,
        response=SettingsSchema,
        tags=["webhooks"],
        errors=(400, 403, 415, 422),
    )
    def put_settings() -> Any:
        values = validated(SettingsSchema(), json_body())
        hosts = sorted({h.strip().lower() for h in values["allowed_hosts"] if h.strip()})
        save_settings(hosts, values["allow_private"])
        return jsonify(allowed_hosts=hosts, allow_private=values["allow_private"])

    return bp


def save_settings(hosts: list[str], allow_private: bool) -> None:
    """Store the allowed hosts and the private-address switch (audited)."""
    before = (get_setting(ALLOWED_HOSTS_KEY, []), get_setting(ALLOW_PRIVATE_KEY, False))
    set_setting(ALLOWED_HOSTS_KEY, hosts)
    set_setting(ALLOW_PRIVATE_KEY, bool(allow_private))
    audit(
        "update",
        "webhook_settings",
        "",
        {"allowed_hosts": [before[0], hosts], "allow_private": [before[1], bool(allow_private)]},
    )
