"""idtest routes: every read goes through ``visible``/``require`` and ``apply_field_rules``;
every write checks first (404 invisible, 403 not allowed, 422 bad input) and only then writes."""

from __future__ import annotations

import csv
import io
from typing import Any

from flask import Blueprint, Response, jsonify, render_template_string, request
from marshmallow import RAISE, Schema, ValidationError, fields

from core import toolkit as tk
from tests.identity.plugins.idtest.models import IdContact, IdMemo


class ContactIn(Schema):
    class Meta:
        unknown = RAISE

    name = fields.String(required=True)
    phone = fields.String()
    email = fields.String()
    co_owner_id = fields.Integer(allow_none=True)


class MemoIn(Schema):
    class Meta:
        unknown = RAISE

    title = fields.String(required=True)
    body = fields.String()


KINDS = {
    "idcontacts": ("idcontact", IdContact, ContactIn, ("name", "phone", "email")),
    "idmemos": ("idmemo", IdMemo, MemoIn, ("title", "body")),
}
OUT = {
    "idcontact": ("id", "name", "phone", "email", "owner_id", "co_owner_id", "secret", "status", "version"),
    "idmemo": ("id", "title", "body", "version"),
}


def dump(entity: str, record: Any, rules: dict[str, str]) -> dict[str, Any]:
    data = {name: getattr(record, name) for name in OUT[entity]}
    return tk.apply_field_rules(tk.current_user(), entity, data, rules)


def kind(path: str) -> tuple[str, Any, Any, tuple[str, ...]]:
    if path not in KINDS:
        raise tk.ApiError(404, "no such collection")
    return KINDS[path]


def listed(path: str, action: str = "read") -> tuple[str, list[Any], dict[str, str]]:
    """The visible records, searched with ``q`` over the fields the user may read."""
    entity, model, _, searchable = kind(path)
    user = tk.current_user()
    tk.require(user, action, entity)
    rules = tk.field_rules(user, entity)
    query = tk.visible(model.live(), user, entity, model, action)
    q = request.args.get("q", "")
    readable = [name for name in searchable if name not in rules]
    if q and readable:
        condition = None
        for name in readable:
            term = getattr(model, name).contains(q)
            condition = term if condition is None else condition | term
        query = query.where(condition)
    elif q:
        query = query.where(model.id < 0)
    return entity, list(query.order_by(model.id)), rules


def one(path: str, record_id: int, action: str = "read") -> tuple[str, Any]:
    entity, model, _, _ = kind(path)
    record = model.get_or_none(model.id == record_id) if record_id < 2**63 else None
    if record is None:
        raise tk.ApiError(404, f"no such {entity}")
    tk.require(tk.current_user(), action, entity, record)
    return entity, record


def validated(path: str, partial: bool) -> dict[str, Any]:
    entity, _, schema, _ = kind(path)
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise tk.ApiError(400, "send a JSON object")
    rules = tk.field_rules(tk.current_user(), entity)
    refused = {name: ["you may not set this field"] for name in body if name in rules}
    if refused:
        raise tk.ApiError(422, "some fields may not be set", fields=refused)
    try:
        return schema().load(body, partial=partial)
    except ValidationError as exc:
        raise tk.ApiError(422, "invalid", fields=exc.messages) from None


# -- pages ----------------------------------------------------------------------------------

pages = Blueprint("idtest", __name__)
PAGE = """<ul id="records">{% for r in rows %}<li data-id="{{ r.id }}">{% for k, v in r.items() %}
<span class="{{ k }}">{{ v }}</span>{% endfor %}</li>{% endfor %}</ul>"""


@pages.get("/<any(idcontacts, idmemos):path>/")
def list_page(path: str):
    entity, rows, rules = listed(path)
    return render_template_string(PAGE, rows=[dump(entity, r, rules) for r in rows])


@pages.get("/<any(idcontacts, idmemos):path>/<int:record_id>")
def detail_page(path: str, record_id: int):
    entity, record = one(path, record_id)
    rules = tk.field_rules(tk.current_user(), entity)
    return render_template_string(PAGE, rows=[dump(entity, record, rules)])


# -- API ------------------------------------------------------------------------------------

api = Blueprint("idtest_api", __name__, url_prefix="/api/v1")


@api.get("/<any(idcontacts, idmemos):path>")
def api_list(path: str):
    entity, rows, rules = listed(path)
    return jsonify(items=[dump(entity, r, rules) for r in rows], next=None)


@api.get("/<any(idcontacts, idmemos):path>/export")
def api_export(path: str):
    entity, rows, rules = listed(path, "export")
    out = io.StringIO()
    writer = csv.writer(out)
    columns = [c for c in OUT[entity] if rules.get(c) != "hide"]
    writer.writerow(columns)
    for row in rows:
        data = dump(entity, row, rules)
        writer.writerow([data[c] for c in columns])
    tk.audit("export", entity, "", {"count": len(rows), "format": "csv"})
    return Response(out.getvalue(), mimetype="text/csv")


@api.get("/<any(idcontacts, idmemos):path>/<int:record_id>")
def api_detail(path: str, record_id: int):
    entity, record = one(path, record_id)
    return jsonify(dump(entity, record, tk.field_rules(tk.current_user(), entity)))


@api.post("/<any(idcontacts, idmemos):path>")
def api_create(path: str):
    entity, model, _, _ = kind(path)
    user = tk.current_user()
    tk.require(user, "create", entity)
    values = validated(path, partial=False)
    record = model(**values)
    if entity == "idcontact":
        record.owner = user.id
    with model._meta.database.atomic():
        record.save(force_insert=True)
        tk.audit("create", entity, record.id, tk.diff(None, tk.snapshot(record)))
    return jsonify(dump(entity, record, tk.field_rules(user, entity))), 201


@api.patch("/<any(idcontacts, idmemos):path>/<int:record_id>")
def api_update(path: str, record_id: int):
    entity, record = one(path, record_id, "write")
    values = validated(path, partial=True)
    before = tk.snapshot(record)
    for name, value in values.items():
        setattr(record, name, value)
    if not tk.can(tk.current_user(), "write", entity, record):
        raise tk.ApiError(403, "you may not make it that")  # e.g. sharing it out of one's own scope
    with type(record)._meta.database.atomic():
        record.version += 1
        record.save()
        tk.audit("update", entity, record.id, tk.diff(before, tk.snapshot(record)))
    return jsonify(dump(entity, record, tk.field_rules(tk.current_user(), entity)))


@api.delete("/<any(idcontacts, idmemos):path>/<int:record_id>")
def api_delete(path: str, record_id: int):
    entity, record = one(path, record_id, "delete")
    tk.move_to_trash(entity, record)
    return Response(status=204)
