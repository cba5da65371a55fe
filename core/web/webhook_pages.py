"""The tenant admin's webhook pages: register URLs, allowed hosts, the delivery log."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext

from core.api.webhooks import service
from core.api.webhooks.api import WebhookSchema, check_values, get_hook, save_settings, validated
from core.api.webhooks.guard import ALLOW_PRIVATE_KEY, ALLOWED_HOSTS_KEY
from core.api.webhooks.models import Webhook, WebhookDelivery
from core.errors import ApiError
from core.identity.audit import audit
from core.settings import get_setting


def find(hook_id: int) -> Webhook:
    try:
        return get_hook(hook_id)
    except ApiError:
        abort(404)


def _admin() -> None:
    if g.get("user") is None or not g.user.is_admin:
        abort(403, description="only administrators manage webhooks")


def webhook_pages() -> Blueprint:
    bp = Blueprint("xietong_webhooks", __name__, url_prefix="/admin/webhooks")
    bp.before_request(_admin)
    crumbs = [(gettext("Webhooks"), None)]

    def page(
        errors: dict[str, list[str]] | None = None, form: dict[str, Any] | None = None, status: int = 200
    ):
        return render_template(
            "xietong/webhooks.html",
            hooks=list(Webhook.select().order_by(Webhook.id)),
            events=service.available_events(),
            errors=errors or {},
            form=form or {},
            allowed_hosts="\n".join(get_setting(ALLOWED_HOSTS_KEY, []) or []),
            allow_private=bool(get_setting(ALLOW_PRIVATE_KEY, False)),
            breadcrumbs=[(gettext("Webhooks"), None)],
        ), status

    @bp.get("/")
    def index() -> Any:
        return page()

    @bp.post("/")
    def create() -> Any:
        form = {
            "url": request.form.get("url", ""),
            "events": request.form.getlist("events"),
            "description": request.form.get("description", ""),
        }
        try:
            values = validated(WebhookSchema(), form)
            check_values(values)
        except ApiError as exc:
            return page(exc.fields or {"url": [exc.message]}, form, 422)
        hook = Webhook.create(secret=service.new_secret(), created_by=g.user.id, **values)
        audit("create", "webhook", hook.id, {"url": [None, hook.url], "events": [None, hook.events]})
        flash(gettext("Webhook added. Its signing secret is shown on its page."), "success")
        return redirect(url_for(".detail", hook_id=hook.id))

    @bp.post("/settings")
    def settings() -> Any:
        hosts = sorted(
            {h.strip().lower() for h in request.form.get("allowed_hosts", "").split() if h.strip()}
        )
        save_settings(hosts, request.form.get("allow_private") == "on")
        flash(gettext("Allowed hosts saved."), "success")
        return redirect(url_for(".index"))

    @bp.get("/<int:hook_id>")
    def detail(hook_id: int) -> Any:
        hook = find(hook_id)
        rows = (
            WebhookDelivery.select()
            .where(WebhookDelivery.webhook == hook)
            .order_by(WebhookDelivery.id.desc())
            .limit(100)
        )
        return render_template(
            "xietong/webhook.html",
            hook=hook,
            deliveries=list(rows),
            breadcrumbs=[(crumbs[0][0], url_for(".index")), (hook.url, None)],
        )

    @bp.post("/<int:hook_id>/ping")
    def ping(hook_id: int) -> Any:
        hook = find(hook_id)
        service.ping(hook)
        flash(gettext("A test event was queued."), "success")
        return redirect(url_for(".detail", hook_id=hook.id))

    @bp.post("/<int:hook_id>/toggle")
    def toggle(hook_id: int) -> Any:
        hook = find(hook_id)
        hook.active = not hook.active
        hook.save()
        audit("update", "webhook", hook.id, {"active": [not hook.active, hook.active]})
        return redirect(url_for(".detail", hook_id=hook.id))

    @bp.post("/<int:hook_id>/delete")
    def delete(hook_id: int) -> Any:
        hook = find(hook_id)
        audit("delete", "webhook", hook.id, {"url": [hook.url, None]})
        hook.delete_instance(recursive=True)
        flash(gettext("Webhook removed."), "success")
        return redirect(url_for(".index"))

    return bp
