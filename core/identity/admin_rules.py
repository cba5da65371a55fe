"""Admin pages for rules and records: the access-rights matrix, field rules, audit log, trash."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from marshmallow import fields

from core.api.query import fetch_page, parse_list_args
from core.errors import ApiError
from core.identity import rules, trash
from core.identity.admin_people import choices, crumbs, form_errors
from core.identity.api_admin import AUDIT_FILTERS, filter_audit
from core.identity.audit import entry_dict
from core.identity.auth import admin_required
from core.identity.errors import IdentityError
from core.identity.models import AuditEntry, FieldRule, Role, TrashEntry
from core.identity.permissions import SCOPES
from core.identity.services import row
from core.identity.text import _

rule_pages = Blueprint("identity_rules", __name__, url_prefix="/admin", template_folder="templates")


@rule_pages.before_request
@admin_required
def _admins_only() -> None:
    return None


# -- access rights ------------------------------------------------------------------------


@rule_pages.route("/rights", methods=["GET", "POST"])
def rights():
    """Roles × entities × actions, each cell a scope; one submit saves the changed cells."""
    if request.method == "POST":
        changed = 0
        try:
            with Role._meta.database.atomic():
                for entity in rules.entity_types():
                    for action in entity.actions:
                        for role in Role.select().where(Role.key != "admin"):
                            key = f"{role.key}|{entity.key}|{action}"
                            if key not in request.form:
                                continue  # a cell not on the submitted form stays as it is
                            scope = request.form[key]
                            if scope not in ("", *SCOPES):
                                raise IdentityError(f"unknown scope {scope!r}")
                            changed += rules.set_right(role, entity.key, action, scope or None)
        except IdentityError as exc:
            flash(_(exc.message), "error")
        else:
            flash(_("%(n)s access rights changed.", n=changed), "success")
        return redirect(url_for(".rights"))
    return render_template("identity/admin/rights.html", matrix=rules.rights_matrix(), scopes=SCOPES,
                           breadcrumbs=crumbs((_("Access rights"), None)))


# -- field rules --------------------------------------------------------------------------


@rule_pages.route("/field-rules", methods=["GET", "POST"])
def field_rules():
    errors: dict[str, str] = {}
    if request.method == "POST":
        form = request.form
        try:
            if form.get("delete"):
                rule = row(FieldRule, form.get("delete")) or abort(404)
                rules.delete_field_rule(rule)
            else:
                rules.create_field_rule(form.get("entity", ""), form.get("field", ""), form.get("mode", ""),
                                        form.get("role") or None, form.get("department") or None)
        except IdentityError as exc:
            errors = form_errors(exc)
        else:
            flash(_("Field rules saved."), "success")
            return redirect(url_for(".field_rules"))
    entities = rules.entity_types()
    rows = FieldRule.select().order_by(FieldRule.entity, FieldRule.field)
    return render_template(
        "identity/admin/field_rules.html", rules=rows,
        entities=entities, entity_fields={e.key: rules.entity_fields(e) for e in entities},
        errors=errors, form=request.form, breadcrumbs=crumbs((_("Field rules"), None)), **choices(),
    ), 422 if errors else 200


# -- audit log ----------------------------------------------------------------------------


@rule_pages.get("/audit")
def audit():
    """Filter by user, action, entity, record and time; newest first; nothing here can change it."""
    args = {k: v for k, v in request.args.items() if v != ""}
    args["sort"] = "-id"
    try:
        params = parse_list_args(args, sortable=(), filters=AUDIT_FILTERS, default_sort="-id",
                                 default_limit=100)
    except ApiError as exc:
        flash(exc.message, "error")
        params = parse_list_args({"sort": "-id"}, sortable=(), filters={}, default_limit=100)
    query = AuditEntry.select()
    for name, value in params.filters.items():
        query = filter_audit(query, name, value)
    rows, cursor = fetch_page(query, AuditEntry, params)
    actions = sorted(a for a, in AuditEntry.select(AuditEntry.action).distinct().tuples())
    entities = sorted(e for e, in AuditEntry.select(AuditEntry.entity).distinct().tuples())
    return render_template("identity/admin/audit.html", entries=[entry_dict(r) for r in rows],
                           next_cursor=cursor, filters=request.args, actions=actions, entities=entities,
                           breadcrumbs=crumbs((_("Audit log"), None)))


# -- trash --------------------------------------------------------------------------------


@rule_pages.get("/trash")
def trash_page():
    args = {k: v for k, v in request.args.items() if k in ("cursor", "entity") and v}
    params = parse_list_args({**args, "sort": "-id"}, sortable=(), filters={"entity": fields.String()},
                             default_limit=100)
    query = TrashEntry.select()
    if "entity" in params.filters:
        query = query.where(TrashEntry.entity == params.filters["entity"])
    rows, cursor = fetch_page(query, TrashEntry, params)
    return render_template("identity/admin/trash.html", entries=rows, next_cursor=cursor,
                           labels=_entity_labels(), breadcrumbs=crumbs((_("Trash"), None)))


def _entity_labels() -> dict[str, Any]:
    return {e.key: e for e in rules.entity_types()}


@rule_pages.post("/trash/<int:entry_id>")
def trash_action(entry_id: int):
    """``action=restore`` puts the record back; ``action=purge`` destroys it (asked twice)."""
    entry = row(TrashEntry, entry_id) or abort(404)
    action = request.form.get("action")
    try:
        if action == "restore":
            trash.restore(entry.entity, entry.record_id)
            flash(_("%(label)s restored.", label=entry.label), "success")
        elif action == "purge" and request.form.get("confirm") == "yes":
            trash.purge(entry.entity, entry.record_id)
            flash(_("%(label)s purged for good.", label=entry.label), "success")
        else:
            abort(400, description="choose restore, or purge with confirm=yes")
    except IdentityError as exc:
        flash(_(exc.message), "error")
    return redirect(url_for(".trash_page"))
