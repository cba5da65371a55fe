"""The customers module's hand-written REST endpoints (CONTRACT.md). ``/customers`` and
``/contacts`` CRUD, export and tabs come from the resource framework (:mod:`.resources`).

``/customers/<id>/contacts``, ``/customers/<id>/notes``, ``/customers/<id>/attachments``,
``/customers/<id>/transactions``, ``/customers/search``, ``/customers/duplicates``,
``/customers/import``, ``/contacts/import`` (vCard), ``/categories``, ``/custom-fields``,
``/handover``, ``/notifications``, ``/birthdays``.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, g, jsonify, request, send_file

from core.api.openapi import api_doc as _api_doc
from core.api.views import json_body
from core.errors import ApiError
from core.identity import permissions
from plugins.customers import attachments, categories, customfields, filecheck, notes, services, transactions
from plugins.customers.access import record_id
from plugins.customers.handover import hand_over
from plugins.customers.models import Category, CustomField
from plugins.customers.resources import contacts, customers
from plugins.customers.schemas import (
    AttachmentSchema,
    CategorySchema,
    ContactSchema,
    CustomerSchema,
    CustomFieldSchema,
    HandoverSchema,
    ImportReportSchema,
    NoteSchema,
    TransactionSchema,
)

api = Blueprint("customers_api_extra", __name__, url_prefix="/api/v1")
TAGS = ["customers"]
ERRORS = (400, 401, 403, 404, 409, 413, 415, 422)


def api_doc(**kwargs: Any) -> Any:
    """The framework's ``api_doc`` with every error status these endpoints can answer."""
    kwargs.setdefault("errors", ERRORS)
    return _api_doc(**kwargs)


def _customer(customer_id: int, action: str = "read") -> Any:
    return customers.get(customer_id, g.user, action)


def _admin() -> None:
    if not g.user.is_admin:
        raise ApiError(403, "only an administrator may change this")


def _int_arg(name: str, default: int, low: int, high: int) -> int:
    raw = request.args.get(name, "")
    if raw == "":
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise ApiError(
            400, f"{name} must be a whole number from {low} to {high}", fields={name: ["bad value"]}
        )
    return int(raw)


# -- contacts of a customer --------------------------------------------------------------------


@api.get("/customers/<int:customer_id>/contacts")
@api_doc(summary="The customer's contacts", response=ContactSchema, many=True, tags=TAGS)
def customer_contacts(customer_id: int) -> Any:
    customer = _customer(customer_id)
    permissions.require(g.user, "read", "contact")
    rows = services.contacts_of(g.user, customer)
    return jsonify(items=contacts.dump_many(rows, g.user), next=None)


@api.post("/customers/<int:customer_id>/contacts")
@api_doc(
    summary="Add a contact to the customer",
    request=ContactSchema,
    response=ContactSchema,
    status=201,
    tags=TAGS,
)
def add_contact(customer_id: int) -> Any:
    customer = _customer(customer_id)
    body = json_body()
    if not isinstance(body, dict):
        raise ApiError(400, "send a JSON object")
    if body.get("customer_id", customer.id) != customer.id:
        raise ApiError(422, "customer_id is given by the URL", fields={"customer_id": ["must match the URL"]})
    record = contacts.create({**body, "customer_id": customer.id}, g.user)
    return jsonify(contacts.dump(record, g.user)), 201


# -- search and duplicates ---------------------------------------------------------------------


@api.get("/customers/search")
@api_doc(
    summary="Quick search: name substrings (华为), pinyin (huawei), initials (hw), phone and e-mail "
    "fragments; newest first",
    response=CustomerSchema,
    many=True,
    tags=TAGS,
    params={
        "q": ("string", "what to look for"),
        "limit": ("integer", "1-50"),
        "before": ("integer", "continue before this id"),
    },
)
def quick_search() -> Any:
    permissions.require(g.user, "read", "customer")
    limit = _int_arg("limit", 20, 1, 50)
    before = _int_arg("before", 0, 0, 2**62) or None
    rows = services.search_customers(g.user, request.args.get("q", ""), limit + 1, before)
    more = len(rows) > limit
    rows = rows[:limit]
    return jsonify(items=customers.dump_many(rows, g.user), next=str(rows[-1].id) if more and rows else None)


@api.get("/customers/duplicates")
@api_doc(
    summary="Likely duplicates of a customer with this name, phone or e-mail",
    tags=TAGS,
    params={
        "name": ("string", ""),
        "phone": ("string", ""),
        "email": ("string", ""),
        "exclude": ("integer", "a customer id to leave out"),
    },
)
def duplicate_check() -> Any:
    permissions.require(g.user, "read", "customer")
    exclude = _int_arg("exclude", 0, 0, 2**62) or None
    return jsonify(
        services.find_duplicates(
            g.user,
            request.args.get("name", ""),
            request.args.get("phone", ""),
            request.args.get("email", ""),
            exclude,
        )
    )


# -- notes ---------------------------------------------------------------------------------------


@api.get("/customers/<int:customer_id>/notes")
@api_doc(summary="The team notes on a customer, newest first", response=NoteSchema, many=True, tags=TAGS)
def note_list(customer_id: int) -> Any:
    rows = notes.notes_of(_customer(customer_id), g.user)
    return jsonify(items=[notes.note_dict(n) for n in rows], next=None)


@api.post("/customers/<int:customer_id>/notes")
@api_doc(
    summary="Post a team note (@mentions notify)",
    request=NoteSchema,
    response=NoteSchema,
    status=201,
    tags=TAGS,
)
def note_create(customer_id: int) -> Any:
    note = notes.add_note(_customer(customer_id), g.user, json_body())
    return jsonify(notes.note_dict(note)), 201


@api.delete("/customers/<int:customer_id>/notes/<int:note_id>")
@api_doc(summary="Move a note to the trash", status=204, tags=TAGS)
def note_delete(customer_id: int, note_id: int) -> Any:
    notes.delete_note(notes.get_note(_customer(customer_id), note_id), g.user)
    return Response(status=204)


@api.get("/notifications")
@api_doc(
    summary="The caller's notifications (@mentions)",
    tags=TAGS,
    params={"unread": ("boolean", "only unread ones")},
)
def notification_list() -> Any:
    rows = notes.notifications_for(g.user, unread_only=request.args.get("unread") in ("1", "true"))
    return jsonify(items=[notes.notification_dict(n) for n in rows], unread=notes.unread_count(g.user))


@api.post("/notifications/<int:notification_id>/read")
@api_doc(summary="Mark a notification read", tags=TAGS)
def notification_read(notification_id: int) -> Any:
    if not notes.mark_read(g.user, notification_id):
        raise ApiError(404, "no such unread notification")
    return jsonify(read=1)


@api.post("/notifications/read")
@api_doc(summary="Mark every notification read", tags=TAGS)
def notification_read_all() -> Any:
    return jsonify(read=notes.mark_read(g.user))


# -- transactions --------------------------------------------------------------------------------


@api.get("/customers/<int:customer_id>/transactions")
@api_doc(summary="The customer's transaction memos", response=TransactionSchema, many=True, tags=TAGS)
def transaction_list(customer_id: int) -> Any:
    rows = transactions.transactions_of(_customer(customer_id), g.user)
    return jsonify(items=[transactions.transaction_dict(t) for t in rows], next=None)


@api.post("/customers/<int:customer_id>/transactions")
@api_doc(
    summary="Record an order, payment or invoice memo",
    request=TransactionSchema,
    response=TransactionSchema,
    status=201,
    tags=TAGS,
)
def transaction_create(customer_id: int) -> Any:
    item = transactions.add_transaction(_customer(customer_id), g.user, json_body())
    return jsonify(transactions.transaction_dict(item)), 201


@api.get("/customers/<int:customer_id>/transactions/<int:transaction_id>")
@api_doc(summary="One transaction memo", response=TransactionSchema, tags=TAGS)
def transaction_get(customer_id: int, transaction_id: int) -> Any:
    permissions.require(g.user, "read", transactions.ENTITY)
    item = transactions.get_transaction(_customer(customer_id), transaction_id)
    return jsonify(transactions.transaction_dict(item))


@api.patch("/customers/<int:customer_id>/transactions/<int:transaction_id>")
@api_doc(
    summary="Change a transaction memo",
    request=TransactionSchema,
    response=TransactionSchema,
    tags=TAGS,
)
def transaction_patch(customer_id: int, transaction_id: int) -> Any:
    item = transactions.get_transaction(_customer(customer_id), transaction_id)
    return jsonify(transactions.transaction_dict(transactions.update_transaction(item, g.user, json_body())))


@api.delete("/customers/<int:customer_id>/transactions/<int:transaction_id>")
@api_doc(summary="Move a transaction memo to the trash", status=204, tags=TAGS)
def transaction_delete(customer_id: int, transaction_id: int) -> Any:
    item = transactions.get_transaction(_customer(customer_id), transaction_id)
    transactions.delete_transaction(item, g.user)
    return Response(status=204)


# -- attachments -------------------------------------------------------------------------------


@api.get("/customers/<int:customer_id>/attachments")
@api_doc(summary="The customer's attachments", response=AttachmentSchema, many=True, tags=TAGS)
def attachment_list(customer_id: int) -> Any:
    rows = attachments.attachments_of(_customer(customer_id), g.user)
    return jsonify(
        items=[attachments.attachment_dict(a) for a in rows],
        next=None,
        used=attachments.used_bytes(),
        quota=attachments.quota(),
    )


@api.post("/customers/<int:customer_id>/attachments")
@api_doc(
    summary="Upload a file (multipart/form-data, field 'file')",
    response=AttachmentSchema,
    status=201,
    tags=TAGS,
)
def attachment_upload(customer_id: int) -> Any:
    customer = _customer(customer_id)
    upload = request.files.get("file")
    if upload is None:
        raise ApiError(
            400, "send the file as multipart/form-data in field 'file'", fields={"file": ["missing"]}
        )
    item = attachments.add_attachment(customer, g.user, upload.stream, upload.filename)
    return jsonify(attachments.attachment_dict(item)), 201


@api.get("/customers/<int:customer_id>/attachments/<int:attachment_id>")
@api_doc(summary="Download an attachment (HTML and SVG only ever as a download)", tags=TAGS)
def attachment_download(customer_id: int, attachment_id: int) -> Any:
    permissions.require(g.user, "read", attachments.ENTITY)
    item = attachments.get_attachment(_customer(customer_id), attachment_id)
    return download_response(item)


def download_response(item: Any) -> Response:
    """The stored file with headers that keep a browser from running it."""
    kind, inline = filecheck.served_type(item.content_type)
    inline = inline and request.args.get("download") not in ("1", "true")
    response = send_file(
        attachments.path_of(item),
        mimetype=kind,
        as_attachment=not inline,
        download_name=item.filename,
        conditional=True,
        etag=item.sha256,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "private, max-age=0"
    return response


@api.delete("/customers/<int:customer_id>/attachments/<int:attachment_id>")
@api_doc(summary="Move an attachment to the trash", status=204, tags=TAGS)
def attachment_delete(customer_id: int, attachment_id: int) -> Any:
    item = attachments.get_attachment(_customer(customer_id), attachment_id)
    attachments.delete_attachment(item, g.user)
    return Response(status=204)


# -- categories and custom fields ----------------------------------------------------------------


@api.get("/categories")
@api_doc(
    summary="The category tree the caller may see, with visible customer counts",
    response=CategorySchema,
    many=True,
    tags=TAGS,
)
def category_list() -> Any:
    permissions.require(g.user, "read", "customer")
    count = categories.counts(g.user)
    rows = categories.visible_categories(g.user)
    return jsonify(
        items=[{**categories.category_dict(c, count.get(c.id)), "depth": d} for d, c in rows],
        uncategorised=count[None]["own"],
    )


@api.post("/categories")
@api_doc(
    summary="Create a category (administrators)",
    request=CategorySchema,
    response=CategorySchema,
    status=201,
    tags=TAGS,
)
def category_create() -> Any:
    _admin()
    return jsonify(categories.category_dict(categories.create_category(_object(), g.user))), 201


def _object() -> dict[str, Any]:
    body = json_body()
    if not isinstance(body, dict):
        raise ApiError(400, "send a JSON object")
    return body


def _category(category_id: int) -> Category:
    category = categories.get_category(category_id)
    if category.id in _hidden():
        raise ApiError(404, "no such category")
    return category


def _hidden() -> frozenset[int]:
    from plugins.customers.access import hidden_categories

    return hidden_categories(g.user)


@api.get("/categories/<int:category_id>")
@api_doc(summary="One category", response=CategorySchema, tags=TAGS)
def category_get(category_id: int) -> Any:
    permissions.require(g.user, "read", "customer")
    category = _category(category_id)
    return jsonify(categories.category_dict(category, categories.counts(g.user).get(category.id)))


@api.patch("/categories/<int:category_id>")
@api_doc(
    summary="Rename, move, reorder a category or change which roles see it",
    request=CategorySchema,
    response=CategorySchema,
    tags=TAGS,
)
def category_patch(category_id: int) -> Any:
    _admin()
    return jsonify(
        categories.category_dict(categories.update_category(_category(category_id), _object(), g.user))
    )


@api.delete("/categories/<int:category_id>")
@api_doc(summary="Delete an empty category (its customers move up)", status=204, tags=TAGS)
def category_delete(category_id: int) -> Any:
    _admin()
    categories.delete_category(_category(category_id), g.user)
    return Response(status=204)


@api.get("/custom-fields")
@api_doc(
    summary="The tenant's custom fields",
    response=CustomFieldSchema,
    many=True,
    tags=TAGS,
    params={"retired": ("boolean", "include retired fields")},
)
def field_list() -> Any:
    permissions.require(g.user, "read", "customer")
    rows = (
        customfields.all_fields()
        if request.args.get("retired") in ("1", "true")
        else customfields.active_fields()
    )
    return jsonify(items=[customfields.field_dict(f) for f in rows])


@api.post("/custom-fields")
@api_doc(
    summary="Define a custom field (administrators)",
    request=CustomFieldSchema,
    response=CustomFieldSchema,
    status=201,
    tags=TAGS,
)
def field_create() -> Any:
    _admin()
    return jsonify(customfields.field_dict(customfields.create_field(_object(), g.user))), 201


@api.patch("/custom-fields/<int:field_id>")
@api_doc(
    summary="Rename, reorder, retire a custom field …",
    request=CustomFieldSchema,
    response=CustomFieldSchema,
    tags=TAGS,
)
def field_patch(field_id: int) -> Any:
    _admin()
    field = CustomField.get_or_none(CustomField.id == field_id) if record_id(field_id) else None
    if field is None:
        raise ApiError(404, "no such custom field")
    return jsonify(customfields.field_dict(customfields.update_field(field, _object(), g.user)))


@api.post("/custom-fields/order")
@api_doc(summary='Put the custom fields in this order: {"keys": [...]}', tags=TAGS)
def field_order() -> Any:
    _admin()
    keys = _object().get("keys")
    if not isinstance(keys, list) or not all(isinstance(k, str) for k in keys):
        raise ApiError(422, "keys must be a list of field keys", fields={"keys": ["a list of keys"]})
    customfields.reorder(keys, g.user)
    return jsonify(items=[customfields.field_dict(f) for f in customfields.active_fields()])


# -- handover, birthdays, import -----------------------------------------------------------------


@api.post("/handover")
@api_doc(
    summary="Hand one user's customers (all or some) to another, with their deals, schedule and "
    "open tasks (administrators and managers)",
    request=HandoverSchema,
    tags=TAGS,
)
def handover() -> Any:
    body = _object()
    unknown = set(body) - {"from_user", "to_user", "customer_ids", "reason"}
    if unknown:
        raise ApiError(422, "unknown fields", fields={k: ["unknown field"] for k in unknown})
    ids = body.get("customer_ids")
    if ids is not None and (
        not isinstance(ids, list) or not all(isinstance(i, int) and not isinstance(i, bool) for i in ids)
    ):
        raise ApiError(422, "customer_ids must be a list of ids", fields={"customer_ids": ["a list of ids"]})
    reason = body.get("reason") or ""
    if not isinstance(reason, str) or len(reason) > 500:
        raise ApiError(422, "reason is a text of at most 500 characters", fields={"reason": ["too long"]})
    return jsonify(hand_over(g.user, body.get("from_user"), body.get("to_user"), ids, reason))


@api.get("/birthdays")
@api_doc(
    summary="Contacts with a birthday in the next days (of the caller's customers)",
    tags=TAGS,
    params={"days": ("integer", "1-366, default 14"), "all": ("boolean", "every visible customer")},
)
def birthdays() -> Any:
    permissions.require(g.user, "read", "contact")
    days = _int_arg("days", 14, 1, 366)
    found = services.upcoming_birthdays(g.user, days, owned_only=request.args.get("all") not in ("1", "true"))
    return jsonify(items=[{**contacts.dump(c, g.user), "on": day.isoformat()} for c, day in found])


@api.post("/customers/import")
@api_doc(
    summary="Import customers from CSV or XLSX (multipart: file, mapping, mode, dry_run)",
    response=ImportReportSchema,
    tags=TAGS,
)
def customer_import() -> Any:
    from plugins.customers.importexport import import_request

    report, status = import_request(g.user)
    return jsonify(report), status


@api.post("/contacts/import")
@api_doc(
    summary="Import contacts from a vCard file (3.0 or 4.0) into ?customer_id=",
    response=ImportReportSchema,
    tags=TAGS,
)
def contact_import() -> Any:
    from plugins.customers.vcard import import_request

    report, status = import_request(g.user)
    return jsonify(report), status
