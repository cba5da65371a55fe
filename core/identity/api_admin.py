"""The admin-only identity API: access-rights matrix, field rules, audit log and trash."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, Response, jsonify, request
from marshmallow import fields, validate

from core.api.views import json_body
from core.errors import ApiError
from core.identity import rules, trash
from core.identity.api import _identity_error, _Strict, created, get_or_404, listing, load, require_admin
from core.identity.audit import entry_dict
from core.identity.errors import IdentityError
from core.identity.models import AuditEntry, FieldRule, TrashEntry
from core.identity.permissions import SCOPES

admin_api = Blueprint("identity_admin_api", __name__, url_prefix="/api/v1")
admin_api.register_error_handler(IdentityError, _identity_error)


@admin_api.before_request
def _admins_only() -> None:
    require_admin()


class RightIn(_Strict):
    role = fields.String(required=True)
    entity = fields.String(required=True)
    action = fields.String(required=True)
    scope = fields.String(allow_none=True, required=True, validate=validate.OneOf(SCOPES))


class RightsIn(_Strict):
    rights = fields.List(fields.Nested(RightIn), required=True, validate=validate.Length(max=2000))


class FieldRuleIn(_Strict):
    entity = fields.String(required=True)
    field = fields.String(required=True)
    mode = fields.String(required=True, validate=validate.OneOf(rules.FIELD_RULE_MODES))
    role = fields.String(allow_none=True, load_default=None)
    department_id = fields.Integer(allow_none=True, load_default=None)


@admin_api.get("/access-rights")
def matrix():
    return jsonify(rules.rights_matrix())


@admin_api.put("/access-rights")
def set_rights():
    """Change cells of the matrix, all or none: ``{"rights": [{role, entity, action, scope|null}]}``."""
    data = load(RightsIn(), json_body())
    with AuditEntry._meta.database.atomic():
        for cell in data["rights"]:
            rules.set_right(cell["role"], cell["entity"], cell["action"], cell["scope"])
    return jsonify(rules.rights_matrix())


@admin_api.get("/field-rules")
def field_rules():
    return listing(FieldRule.select(), FieldRule, request.args, rules.field_rule_dict,
                   filters={"entity": fields.String()})


@admin_api.post("/field-rules")
def create_field_rule():
    data = load(FieldRuleIn(), json_body())
    rule = rules.create_field_rule(data["entity"], data["field"], data["mode"], data["role"],
                                   data["department_id"])
    return created(rules.field_rule_dict(rule), ".field_rule", rule_id=rule.id)


@admin_api.get("/field-rules/<int:rule_id>")
def field_rule(rule_id: int):
    return jsonify(rules.field_rule_dict(get_or_404(FieldRule, rule_id, "field rule")))


@admin_api.delete("/field-rules/<int:rule_id>")
def delete_field_rule(rule_id: int):
    rules.delete_field_rule(get_or_404(FieldRule, rule_id, "field rule"))
    return Response(status=204)


AUDIT_FILTERS = {
    "user_id": fields.Integer(), "username": fields.String(), "action": fields.String(),
    "entity": fields.String(), "record_id": fields.String(), "since": fields.AwareDateTime(),
    "until": fields.AwareDateTime(),
}


def filter_audit(query: Any, name: str, value: Any) -> Any:
    """Apply one audit filter (shared with the audit page)."""
    if name in ("since", "until"):
        try:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        except OverflowError:
            raise ApiError(400, f"{name} is out of range", fields={name: ["out of range"]}) from None
        return query.where(AuditEntry.at >= value if name == "since" else AuditEntry.at < value)
    column = {"user_id": AuditEntry.user}.get(name) or getattr(AuditEntry, name)
    return query.where(column == value)


@admin_api.get("/audit")
def audit_log():
    """Newest first; read-only — there is no endpoint that changes or deletes an entry."""
    args = request.args.to_dict()
    args.setdefault("sort", "-id")
    return listing(AuditEntry.select(), AuditEntry, args, entry_dict, filters=AUDIT_FILTERS,
                   apply=filter_audit)


@admin_api.get("/audit/<int:entry_id>")
def audit_entry(entry_id: int):
    return jsonify(entry_dict(get_or_404(AuditEntry, entry_id, "audit entry")))


def trash_dict(entry: TrashEntry) -> dict[str, Any]:
    return {"id": entry.id, "entity": entry.entity, "record_id": entry.record_id, "label": entry.label,
            "deleted_by": entry.deleted_by, "deleted_at": entry.deleted_at.replace(tzinfo=dt.UTC).isoformat()}


@admin_api.get("/trash")
def trash_list():
    args = request.args.to_dict()
    args.setdefault("sort", "-id")
    return listing(TrashEntry.select(), TrashEntry, args, trash_dict, filters={"entity": fields.String()})


@admin_api.get("/trash/<int:entry_id>")
def trash_entry(entry_id: int):
    return jsonify(trash_dict(get_or_404(TrashEntry, entry_id, "trash entry")))


@admin_api.post("/trash/<int:entry_id>/restore")
def restore(entry_id: int):
    entry = get_or_404(TrashEntry, entry_id, "trash entry")
    record = trash.restore(entry.entity, entry.record_id)
    return jsonify({"entity": entry.entity, "record_id": record.get_id(), "restored": True})


@admin_api.delete("/trash/<int:entry_id>")
def purge(entry_id: int):
    """Destroy the record for good. Deliberately a separate, explicit call from restore."""
    entry = get_or_404(TrashEntry, entry_id, "trash entry")
    trash.purge(entry.entity, entry.record_id)
    return Response(status=204)

