"""Pages of follow-ups and sharing: the customer's "Follow-ups", "Owners" and "Collaborators"
tabs (HTML fragments with their forms) and the user's own to-do page (plans and notices)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, g, redirect, request, url_for

from core.errors import ApiError
from core.identity import permissions
from core.identity.models import User
from plugins.customers import collaborators, followups, pool_history
from plugins.customers.attachments import add_attachment
from plugins.customers.followups_models import FOLLOWUP_KINDS, Followup, FollowupPlan
from plugins.customers.models import Attachment, Contact, Customer
from plugins.customers.pool import ENTITY, home_pool
from plugins.customers.pool_common import PoolError, as_id, utcnow
from plugins.customers.pool_i18n import tr
from plugins.customers.pool_models import PoolNotice, PoolState
from plugins.customers.pool_pages import assignable_users, flash_error, render

NOTICE_TEXT = {
    "pool_warning": ("returns to the pool unless followed up by", "若不跟进，将于此日退回公海："),
    "pool_returned": ("returned to the pool", "已退回公海"),
    "assigned": ("was assigned to you", "已分配给你"),
    "followup_due": ("follow-up due", "待跟进"),
}


def kind_label(kind: str) -> str:
    english, chinese = followups.KIND_LABELS.get(kind, (kind, kind))
    return tr(english, chinese)


def _customer(customer_id: int) -> Customer:
    customer = Customer.live().where(Customer.id == as_id(customer_id)).get_or_none()
    if customer is None or not permissions.can(g.user, "read", "customer", customer):
        abort(404)
    return customer


def _back(customer_id: int, tab: str) -> Any:
    return redirect(url_for("customers_pages.record", record_id=customer_id, tab=tab))


def pages_blueprint() -> Blueprint:
    bp = Blueprint("customers_followups_pages", __name__, template_folder="templates")

    @bp.get("/customers/<int:customer_id>/tab/followups")
    def followups_tab(customer_id: int) -> Any:
        customer = _customer(customer_id)
        rows = followups.followups_of(g.user, customer.id, limit=50)
        items = [(followups.followup_dict(f), f) for f in rows]
        can_add = (permissions.can(g.user, "create", followups.ENTITY)
                   and permissions.can(g.user, "write", "customer", customer))
        contacts = Contact.live().where(Contact.customer == customer.id).order_by(Contact.name)
        files = Attachment.live().where(Attachment.customer == customer.id).order_by(Attachment.id.desc())
        return render("customers/followups/tab.html", customer=customer, items=items, can_add=can_add,
                      kinds=FOLLOWUP_KINDS, kind_label=kind_label, contacts=list(contacts),
                      attachments=list(files.limit(50)))

    @bp.post("/customers/<int:customer_id>/followups")
    def followup_post(customer_id: int) -> Any:
        customer = _customer(customer_id)
        form = request.form
        files = [int(a) for a in form.getlist("attachment_ids") if a.isdigit()]
        data: dict[str, Any] = {"kind": form.get("kind", ""), "content": form.get("content", ""),
                                "next_note": form.get("next_note", ""), "attachment_ids": files}
        for name in ("happened_at", "next_at"):
            if form.get(name):
                data[name] = form[name]
        if form.get("contact_id", "").isdigit():
            data["contact_id"] = int(form["contact_id"])
        uploads = [f for f in request.files.getlist("file") if f and f.filename]
        with Followup._meta.database.atomic() as transaction:
            try:
                # New files become the customer's attachments; all or nothing with the follow-up.
                added = [add_attachment(customer, g.user, f.stream, f.filename).id for f in uploads]
                followups.create_followup(g.user, customer_id, {**data, "attachment_ids": files + added})
            except (PoolError, ApiError) as exc:
                transaction.rollback()
                flash_error(exc if isinstance(exc, PoolError) else PoolError(exc.message, fields=exc.fields))
                return _back(customer_id, "followups")
        flash(tr("Follow-up recorded.", "跟进记录已保存。"), "success")
        return _back(customer_id, "followups")

    @bp.get("/customers/<int:customer_id>/tab/owners")
    def owners_tab(customer_id: int) -> Any:
        customer = _customer(customer_id)
        state = PoolState.get_or_none(PoolState.customer == customer.id)
        return render("customers/pool/owners_tab.html", customer=customer, state=state,
                      pool=home_pool(customer, state), history=pool_history.owner_history(customer),
                      can_claim=customer.owner_id is None and permissions.can(g.user, "claim", ENTITY),
                      can_release=customer.owner_id is not None and (
                          customer.owner_id == g.user.id or permissions.can(g.user, "assign", ENTITY)),
                      can_assign=permissions.can(g.user, "assign", ENTITY),
                      can_lock=customer.owner_id is not None and permissions.can(g.user, "lock", ENTITY)
                      and permissions.can(g.user, "write", "customer", customer),
                      users=assignable_users() if permissions.can(g.user, "assign", ENTITY) else [])

    @bp.get("/customers/<int:customer_id>/tab/collaborators")
    def collaborators_tab(customer_id: int) -> Any:
        customer = _customer(customer_id)
        can_share = collaborators.may_manage(g.user, customer)
        people = list(User.select().where(User.active == True).order_by(User.username)) if can_share else []  # noqa: E712
        return render("customers/pool/collaborators_tab.html", customer=customer, can_share=can_share,
                      items=collaborators.listing(g.user, customer.id), people=people)

    @bp.post("/customers/<int:customer_id>/collaborators")
    def collaborator_post(customer_id: int) -> Any:
        _customer(customer_id)
        data = {"user": request.form.get("user", ""), "access": request.form.get("access", "read")}
        if request.form.get("expires_at"):
            data["expires_at"] = request.form["expires_at"]
        try:
            collaborators.add(g.user, customer_id, data)
            flash(tr("Shared.", "已共享。"), "success")
        except PoolError as exc:
            flash_error(exc)
        return _back(customer_id, "collaborators")

    @bp.post("/customers/<int:customer_id>/collaborators/<int:user_id>/delete")
    def collaborator_delete(customer_id: int, user_id: int) -> Any:
        _customer(customer_id)
        try:
            collaborators.remove(g.user, customer_id, user_id)
            flash(tr("No longer shared.", "已取消共享。"), "success")
        except PoolError as exc:
            flash_error(exc)
        left = user_id == g.user.id
        if left and not permissions.can(g.user, "read", "customer", Customer.get_by_id(customer_id)):
            return redirect(url_for("customers_followups_pages.todo"))
        return _back(customer_id, "collaborators")

    # -- my to-do list ----------------------------------------------------------------

    @bp.get("/followups/")
    def todo() -> Any:
        now = utcnow()
        due = followups.plans_due(g.user, now)
        later = list(followups.open_plans(g.user).where(FollowupPlan.id.not_in([p.id for p in due] or [0]))
                     .order_by(FollowupPlan.due_at).limit(100))
        notices = list(PoolNotice.select().where(PoolNotice.user == g.user.id)
                       .order_by(PoolNotice.read_at.is_null(False), PoolNotice.created_at.desc()).limit(50))
        ids = [p.customer_id for p in due + later] + [n.customer_id for n in notices if n.customer_id]
        names = dict(Customer.select(Customer.id, Customer.name).where(Customer.id.in_(ids or [0])).tuples())
        return render("customers/followups/todo.html", due=[followups.plan_dict(p, now) for p in due],
                      later=[followups.plan_dict(p, now) for p in later], notices=notices, names=names,
                      notice_text=lambda kind: tr(*NOTICE_TEXT.get(kind, (kind, kind))),
                      breadcrumbs=[(tr("My follow-ups", "我的跟进"), None)])

    @bp.post("/followups/plans/<int:plan_id>/done")
    def plan_done(plan_id: int) -> Any:
        try:
            followups.complete_plan(g.user, plan_id)
            flash(tr("Done.", "已完成。"), "success")
        except PoolError as exc:
            if exc.status == 404:
                abort(404)
            flash_error(exc)
        return redirect(url_for(".todo"))

    @bp.post("/followups/notices/<int:notice_id>/read")
    def notice_read(notice_id: int) -> Any:
        done = PoolNotice.update(read_at=utcnow()).where(
            (PoolNotice.id == as_id(notice_id)) & (PoolNotice.user == g.user.id)).execute()
        if not done:
            abort(404)
        return redirect(url_for(".todo"))

    return bp
