"""The customers module's own pages: the record tabs behind notes, transactions and
attachments (HTML fragments), and the import, handover, categories, custom fields and
notifications pages. Customer and contact lists, records and forms come from the resource
framework (:mod:`.resources`)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from core.errors import ApiError
from core.identity import permissions
from core.web.i18n import is_zh
from core.web.pages import page_errors
from plugins.customers import attachments, categories, customfields, notes, transactions
from plugins.customers.handover import hand_over
from plugins.customers.importmap import known_fields
from plugins.customers.models import CUSTOM_FIELD_TYPES, TRANSACTION_KINDS, CustomField
from plugins.customers.resources import customers

pages = Blueprint("customers_more", __name__, url_prefix="/customers", template_folder="templates")


def _customer(customer_id: int, action: str = "read") -> Any:
    try:
        return customers.get(customer_id, g.user, action)
    except ApiError as exc:
        abort(exc.status, description=exc.message)


def _back(customer_id: int, tab: str) -> Any:
    return redirect(url_for("customers_pages.record", record_id=customer_id, tab=tab))


def _flash_error(exc: ApiError) -> None:
    details = "; ".join(f"{k}: {', '.join(v)}" for k, v in (exc.fields or {}).items())
    flash(exc.message + (f" ({details})" if details else ""), "danger")


# -- record tabs (fragments) ----------------------------------------------------------------------


@pages.get("/<int:customer_id>/tab/notes")
@page_errors
def notes_tab(customer_id: int) -> Any:
    customer = _customer(customer_id)
    return render_template(
        "customers/tab_notes.html",
        customer=customer,
        notes=notes.notes_of(customer, g.user),
        can_post=permissions.can(g.user, "create", notes.ENTITY),
    )


@pages.post("/<int:customer_id>/notes")
@page_errors
def note_post(customer_id: int) -> Any:
    customer = _customer(customer_id)
    try:
        notes.add_note(customer, g.user, {"body": request.form.get("body", "")})
        flash(_("Note posted."), "success")
    except ApiError as exc:
        _flash_error(exc)
    return _back(customer_id, "notes")


@pages.post("/<int:customer_id>/notes/<int:note_id>/delete")
@page_errors
def note_delete(customer_id: int, note_id: int) -> Any:
    notes.delete_note(notes.get_note(_customer(customer_id), note_id), g.user)
    flash(_("Moved to the trash."), "success")
    return _back(customer_id, "notes")


@pages.get("/<int:customer_id>/tab/transactions")
@page_errors
def transactions_tab(customer_id: int) -> Any:
    customer = _customer(customer_id)
    return render_template(
        "customers/tab_transactions.html",
        customer=customer,
        items=transactions.transactions_of(customer, g.user),
        kinds=TRANSACTION_KINDS,
        can_write=permissions.can(g.user, "write", "customer", customer)
        and permissions.can(g.user, "create", transactions.ENTITY),
    )


@pages.post("/<int:customer_id>/transactions")
@page_errors
def transaction_post(customer_id: int) -> Any:
    customer = _customer(customer_id)
    data = {k: request.form.get(k, "") for k in ("date", "kind", "memo", "amount")}
    data["amount"] = data["amount"] or None
    try:
        transactions.add_transaction(customer, g.user, data)
        flash(_("Saved."), "success")
    except ApiError as exc:
        _flash_error(exc)
    return _back(customer_id, "transactions")


@pages.post("/<int:customer_id>/transactions/<int:transaction_id>/delete")
@page_errors
def transaction_delete(customer_id: int, transaction_id: int) -> Any:
    item = transactions.get_transaction(_customer(customer_id), transaction_id)
    transactions.delete_transaction(item, g.user)
    flash(_("Moved to the trash."), "success")
    return _back(customer_id, "transactions")


@pages.get("/<int:customer_id>/tab/attachments")
@page_errors
def attachments_tab(customer_id: int) -> Any:
    customer = _customer(customer_id)
    return render_template(
        "customers/tab_attachments.html",
        customer=customer,
        items=attachments.attachments_of(customer, g.user),
        can_write=permissions.can(g.user, "write", "customer", customer)
        and permissions.can(g.user, "create", attachments.ENTITY),
    )


@pages.post("/<int:customer_id>/attachments")
@page_errors
def attachment_post(customer_id: int) -> Any:
    customer = _customer(customer_id)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        flash(_("Choose a file."), "warning")
        return _back(customer_id, "attachments")
    try:
        attachments.add_attachment(customer, g.user, upload.stream, upload.filename)
        flash(_("File uploaded."), "success")
    except ApiError as exc:
        _flash_error(exc)
    return _back(customer_id, "attachments")


@pages.get("/<int:customer_id>/attachments/<int:attachment_id>")
@page_errors
def attachment_get(customer_id: int, attachment_id: int) -> Any:
    from plugins.customers.api import download_response

    permissions.require(g.user, "read", attachments.ENTITY)
    return download_response(attachments.get_attachment(_customer(customer_id), attachment_id))


@pages.post("/<int:customer_id>/attachments/<int:attachment_id>/delete")
@page_errors
def attachment_delete(customer_id: int, attachment_id: int) -> Any:
    attachments.delete_attachment(attachments.get_attachment(_customer(customer_id), attachment_id), g.user)
    flash(_("Moved to the trash."), "success")
    return _back(customer_id, "attachments")


# -- import, handover, notifications ------------------------------------------------------------


@pages.get("/import")
@page_errors
def import_page() -> Any:
    permissions.require(g.user, "create", "customer")
    return render_template(
        "customers/import.html",
        fields=known_fields(),
        breadcrumbs=[(_("Customers"), url_for("customers_pages.index")), (_("Import"), None)],
    )


@pages.route("/handover", methods=["GET", "POST"])
@page_errors
def handover_page() -> Any:
    from core.identity.models import User

    if g.user.role.key not in ("admin", "manager"):
        abort(403)
    result = None
    if request.method == "POST":
        ids = [
            int(i)
            for i in request.form.get("customer_ids", "").replace("，", ",").split(",")
            if i.strip().isdigit()
        ]
        try:
            result = hand_over(
                g.user,
                request.form.get("from_user", ""),
                request.form.get("to_user", ""),
                ids or None,
                request.form.get("reason", ""),
            )
            flash(_("%(n)d customer(s) handed over.", n=result["customers"]), "success")
        except ApiError as exc:
            _flash_error(exc)
    users = list(User.select().order_by(User.username))
    return render_template(
        "customers/handover.html",
        users=users,
        result=result,
        carried_labels={"deals": _("open deals"), "schedule_items": _("open schedule items"),
                        "followup_plans": _("planned follow-ups")},
        breadcrumbs=[(_("Customers"), url_for("customers_pages.index")), (_("Handover"), None)],
    )


@pages.route("/notifications", methods=["GET", "POST"])
@page_errors
def notifications_page() -> Any:
    if request.method == "POST":
        notes.mark_read(g.user)
        return redirect(url_for(".notifications_page"))
    return render_template(
        "customers/notifications.html",
        items=notes.notifications_for(g.user, limit=200),
        breadcrumbs=[(_("Mentions of me"), None)],
    )


# -- administration ------------------------------------------------------------------------------


def _admin() -> None:
    if not g.user.is_admin:
        abort(403)


@pages.route("/categories", methods=["GET", "POST"])
@page_errors
def categories_page() -> Any:
    from core.identity.models import Role

    _admin()
    if request.method == "POST":
        action, form = request.form.get("action"), request.form
        roles = [r for r in form.getlist("visible_roles") if r]
        try:
            if action == "create":
                categories.create_category(
                    {
                        "name": form.get("name"),
                        "parent_id": form.get("parent_id") or None,
                        "visible_roles": roles,
                    },
                    g.user,
                )
            elif action == "update":
                category = categories.get_category(form.get("id"))
                changes: dict[str, Any] = {
                    "name": form.get("name"),
                    "parent_id": form.get("parent_id") or None,
                    "position": form.get("position") or 0,
                }
                if category.parent_id is None or roles:
                    changes["visible_roles"] = roles
                categories.update_category(category, changes, g.user)
            elif action == "delete":
                categories.delete_category(categories.get_category(form.get("id")), g.user)
            flash(_("Saved."), "success")
        except ApiError as exc:
            _flash_error(exc)
        return redirect(url_for(".categories_page"))
    return render_template(
        "customers/categories.html",
        tree=categories.tree(),
        counts=categories.counts(g.user),
        roles=list(Role.select().order_by(Role.id)),
        breadcrumbs=[(_("Customer categories"), None)],
    )


@pages.route("/fields", methods=["GET", "POST"])
@page_errors
def fields_page() -> Any:
    _admin()
    if request.method == "POST":
        form = request.form
        data: dict[str, Any] = {
            "label": form.get("label", ""),
            "label_zh": form.get("label_zh", ""),
            "required": form.get("required") == "on",
            "choices": [
                c.strip() for c in form.get("choices", "").replace("，", ",").split(",") if c.strip()
            ],
            "category_id": int(form["category_id"]) if form.get("category_id", "").isdigit() else None,
        }
        try:
            if form.get("action") == "create":
                customfields.create_field(
                    {**data, "key": form.get("key", ""), "type": form.get("type", "")}, g.user
                )
            else:
                field = CustomField.get_or_none(CustomField.id == form.get("id"))
                if field is None:
                    abort(404)
                if form.get("action") == "retire":
                    data = {"retired": not field.retired}
                elif form.get("action") == "order":
                    data = {"position": int(form.get("position") or 0)}
                customfields.update_field(field, data, g.user)
            flash(_("Saved."), "success")
        except ApiError as exc:
            _flash_error(exc)
        return redirect(url_for(".fields_page"))
    return render_template(
        "customers/fields.html",
        fields=customfields.all_fields(),
        types=CUSTOM_FIELD_TYPES,
        type_labels=customfields.TYPE_LABELS,
        tree=categories.tree(),
        zh=is_zh(),
        breadcrumbs=[(_("Custom fields"), None)],
    )
