"""The pages of a resource: list, record with tabs, new/edit forms, delete, bulk actions.

``page_blueprint(resource)`` builds them under ``/t/<tenant>/<path>/``; every page goes
through the resource's service methods, so the permission engine decides what appears.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext
from werkzeug.exceptions import HTTPException

from core.api.export import export_response
from core.errors import ApiError
from core.identity import permissions
from core.settings import get_setting, set_setting

from .display import display, field_label
from .forms import build_form, form_input
from .tabs import record_tabs

PAGE_SIZE = 50


def page_errors(view: Callable[..., Any]) -> Callable[..., Any]:
    """Turn a service's ApiError into the HTML error page of the same status."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return view(*args, **kwargs)
        except ApiError as exc:
            abort(exc.status, description=exc.message)

    return wrapper


def columns_key(resource: Any) -> str:
    return f"ui.columns.{resource.entity}.{g.user.id}"


def chosen_columns(resource: Any) -> list[str]:
    """The columns this user picked for the list (remembered), within what they may read."""
    fields = resource.fields()
    stored = get_setting(columns_key(resource)) or list(resource.columns)
    names = [n for n in stored if n in fields and not fields[n].load_only]
    return resource.readable(names or list(resource.columns), g.user)


def owner_schema_field(resource: Any) -> str | None:
    """The schema field that holds the owner (``owner_id`` or ``owner``), if any."""
    owner = resource._owner_field()
    if not owner:
        return None
    fields = resource.fields()
    for candidate in (f"{owner}_id", owner):
        if candidate in fields and not fields[candidate].dump_only:
            return candidate
    return None


def all_errors(resource: Any, data: dict[str, Any], found: dict[str, list[str]], partial: bool) -> dict:
    """Errors of the whole form at once: those found reading it plus the schema's own."""
    if not found:
        return found
    try:
        resource.load({k: v for k, v in data.items() if k not in found}, g.user, partial=True)
    except ApiError as exc:
        return {**exc.fields, **found}
    return found


def page_blueprint(resource: Any) -> Blueprint:
    """A fresh blueprint (one per app) with the resource's pages."""
    bp = Blueprint(f"{resource.name}_pages", __name__, url_prefix=f"/{resource.path}")
    bp.xietong_resource = resource  # type: ignore[attr-defined]

    def crumbs(*extra: tuple[str, str | None]) -> list[tuple[str, str | None]]:
        return [(resource.label(), url_for(".index")), *extra]

    @bp.get("/")
    @page_errors
    def index() -> Any:
        permissions.require(g.user, "read", resource.entity)
        params = resource.list_params(request.args, g.user, default_limit=PAGE_SIZE)
        rows, cursor = resource.page(g.user, params)
        fields = resource.fields()
        columns = chosen_columns(resource)
        rules = permissions.field_rules(g.user, resource.entity)
        return render_template(
            "xietong/list.html", resource=resource, rows=rows, cursor=cursor, params=params,
            columns=[(n, field_label(n, fields.get(n))) for n in columns], fields=fields, rules=rules,
            display=display, breadcrumbs=crumbs(), all_columns=[
                (n, field_label(n, f)) for n, f in fields.items() if n not in rules and not f.load_only],
            filters=[(n, fields[n]) for n in resource.readable(resource.filter_fields, g.user)],
            can_create=permissions.can(g.user, "create", resource.entity),
            can_export=permissions.can(g.user, "export", resource.entity),
            can_delete=permissions.can(g.user, "delete", resource.entity),
            owner_field=owner_schema_field(resource),
        )

    @bp.post("/columns")
    def columns() -> Any:
        fields = resource.fields()
        picked = [n for n in request.form.getlist("columns") if n in fields]
        set_setting(columns_key(resource), picked or list(resource.columns))
        flash(gettext("Columns saved."), "success")
        return redirect(request.form.get("next") or url_for(".index"))

    @bp.post("/bulk")
    def bulk() -> Any:
        action = request.form.get("action", "")
        ids = [int(i) for i in request.form.getlist("ids") if i.isdigit()][:500]
        if not ids:
            flash(gettext("Select at least one record."), "warning")
            return redirect(url_for(".index"))
        if action == "export":
            permissions.require(g.user, "export", resource.entity)
            query = resource.visible_query(g.user).where(resource.model._meta.primary_key.in_(ids))
            return export_response(resource, g.user, query, request.form.get("format", "csv"), resource.path)
        done = skipped = 0
        owner = owner_schema_field(resource)
        for record_id in ids:
            try:
                if action == "delete":
                    resource.delete(resource.get(record_id, g.user, "delete"), g.user)
                elif action == "reassign" and owner:
                    target = request.form.get("owner", "")
                    resource.update(resource.get(record_id, g.user, "write"), {owner: target}, g.user)
                else:
                    abort(400, description="unknown bulk action")
                done += 1
            except (ApiError, HTTPException) as exc:
                if getattr(exc, "code", None) == 400 and action not in ("delete", "reassign"):
                    raise
                skipped += 1
        flash(gettext("%(done)d done, %(skipped)d skipped.", done=done, skipped=skipped),
              "success" if not skipped else "warning")
        return redirect(request.form.get("next") or url_for(".index"))

    @bp.get("/embed")
    @page_errors
    def embed() -> Any:
        """A compact list for another record's tab (``?customer_id=5``): filters are whitelisted."""
        params = resource.list_params(request.args, g.user, default_limit=20)
        rows, cursor = resource.page(g.user, params)
        fields = resource.fields()
        names = resource.readable(resource.columns, g.user)
        query = {k: v for k, v in request.args.items() if k not in ("cursor", "limit")}
        return render_template(
            "xietong/embed.html", resource=resource, rows=rows, cursor=cursor, fields=fields,
            columns=[(n, field_label(n, fields.get(n))) for n in names], display=display,
            rules=permissions.field_rules(g.user, resource.entity), query=query,
        )

    @bp.route("/new", methods=["GET", "POST"])
    @page_errors
    def new() -> Any:
        permissions.require(g.user, "create", resource.entity)
        fields = resource.writable_fields(g.user)
        errors: dict[str, list[str]] = {}
        raw: dict[str, Any] = {}
        status = 200
        if request.method == "POST":
            data, errors = form_input(fields, request.form)
            raw = request.form.to_dict()
            errors = all_errors(resource, data, errors, partial=False)
            if not errors:
                try:
                    record = resource.create(data, g.user)
                except ApiError as exc:
                    if exc.status not in (403, 409, 422):
                        raise
                    errors, status = exc.fields or {"_form": [exc.message]}, exc.status
                else:
                    flash(gettext("Saved."), "success")
                    return redirect(url_for(".record", record_id=record.get_id()))
            status = status if status != 200 else 422
        return render_template(
            "xietong/form.html", resource=resource, form=build_form(fields, errors=errors, raw=raw),
            form_errors=errors.get("_form", []) + errors.get("_schema", []), record=None,
            breadcrumbs=crumbs((gettext("New"), None)), version=None,
        ), status

    @bp.get("/<int:record_id>")
    @page_errors
    def record(record_id: int) -> Any:
        item = resource.get(record_id, g.user)
        fields = resource.fields()
        rules = permissions.field_rules(g.user, resource.entity)
        tabs = record_tabs(resource, item, g.user)
        active = request.args.get("tab", "details")
        if active != "details" and not any(t.key == active for t in tabs):
            active = "details"
        return render_template(
            "xietong/record.html", resource=resource, record=item, fields=fields, rules=rules,
            display=display, title=resource.title(item), tabs=tabs, active=active,
            header=[(n, field_label(n, fields.get(n))) for n in resource.readable(resource.header, g.user)],
            details=[(n, field_label(n, f)) for n, f in fields.items()
                     if rules.get(n) != "hide" and n != "id"],
            can_write=permissions.can(g.user, "write", resource.entity, item),
            can_delete=permissions.can(g.user, "delete", resource.entity, item),
            breadcrumbs=crumbs((resource.title(item), None)),
        )

    @bp.route("/<int:record_id>/edit", methods=["GET", "POST"])
    @page_errors
    def edit(record_id: int) -> Any:
        item = resource.get(record_id, g.user, "write")
        fields = resource.writable_fields(g.user)
        errors: dict[str, list[str]] = {}
        raw: dict[str, Any] = {}
        status = 200
        version = getattr(item, "version", None)
        if request.method == "POST":
            data, errors = form_input(fields, request.form)
            raw = request.form.to_dict()
            errors = all_errors(resource, data, errors, partial=True)
            sent = request.form.get("version", "")
            if not errors:
                try:
                    expected = int(sent) if sent.isdigit() else None
                    resource.update(item, data, g.user, expected_version=expected)
                except ApiError as exc:
                    if exc.status not in (403, 409, 422):
                        raise
                    errors, status = exc.fields or {"_form": [exc.message]}, exc.status
                else:
                    flash(gettext("Saved."), "success")
                    return redirect(url_for(".record", record_id=record_id))
            status = status if status != 200 else 422
        values = resource.schema().dump(item)
        return render_template(
            "xietong/form.html", resource=resource, record=item, version=version,
            form=build_form(fields, values=values, errors=errors, raw=raw),
            form_errors=errors.get("_form", []) + errors.get("_schema", []),
            breadcrumbs=crumbs((resource.title(item), url_for(".record", record_id=record_id)),
                               (gettext("Edit"), None)),
        ), status

    @bp.post("/<int:record_id>/delete")
    @page_errors
    def delete(record_id: int) -> Any:
        item = resource.get(record_id, g.user, "delete")
        resource.delete(item, g.user)
        flash(gettext("Moved to the trash."), "success")
        return redirect(url_for(".index"))

    @bp.get("/export")
    @page_errors
    def export() -> Any:
        permissions.require(g.user, "export", resource.entity)
        params = resource.list_params(request.args, g.user, default_limit=200)
        return export_response(resource, g.user, resource.all(g.user, params),
                               request.args.get("format", "csv"), resource.path)

    return bp
