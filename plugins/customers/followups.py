"""Follow-up records (跟进记录) and plans (跟进计划): the business rules, callable without HTTP.

A follow-up restarts the customer's "no follow-up" clock for the pool rules and withdraws a
pending warning. Its next time becomes a plan on the owner's to-do list. Each plan's reminder
is queued for its due time (task ``customers.followup_remind``); the periodic task
``customers.followup_reminders`` (every few minutes) sends any the queue missed. Either way a
reminder goes out once.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import peewee
from flask import current_app, g

from core.identity import permissions
from core.identity.audit import audit, diff, snapshot
from core.identity.models import User
from plugins.customers import pool_history as history
from plugins.customers.followups_models import Followup, FollowupAttachment, FollowupPlan
from plugins.customers.followups_schemas import FollowupPlanSchema, FollowupSchema, FollowupUpdateSchema
from plugins.customers.models import Attachment, Contact, Customer
from plugins.customers.pool_common import PoolError, announce, as_id, day_start, iso, load, utcnow
from plugins.customers.pool_models import PoolNotice, PoolState
from plugins.customers.pool_signals import followup_created, followup_due

ENTITY = "followup"
KIND_LABELS = {
    "call": ("Phone call", "电话"), "visit": ("Visit", "拜访"), "wechat": ("WeChat", "微信"),
    "email": ("Email", "邮件"), "sms": ("Text message", "短信"), "meeting": ("Meeting", "会议"),
    "other": ("Other", "其他"),
}
FUTURE_SLACK = dt.timedelta(minutes=5)
REMINDER_SLACK = dt.timedelta(seconds=30)  # a queued reminder may run a moment early
log = logging.getLogger(__name__)
AUDITED = ("customer", "kind", "content", "happened_at", "next_at", "next_note", "contact")


def _customer(user: User, customer_id: Any) -> Customer:
    try:
        customer = Customer.live().where(Customer.id == as_id(customer_id)).get_or_none()
    except (TypeError, ValueError):
        customer = None
    if customer is None or not permissions.can(user, "read", "customer", customer):
        raise PoolError(f"no customer {customer_id}", status=404)
    return customer


def _check_links(customer: Customer, values: dict[str, Any]) -> None:
    contact = values.get("contact_id")
    if contact is not None and not Contact.live().where(
            (Contact.id == contact) & (Contact.customer == customer.id)).exists():
        raise PoolError(f"no contact {contact} of this customer", field="contact_id")
    wanted = set(values.get("attachment_ids") or ())
    if wanted:
        found = {a for (a,) in Attachment.live(Attachment.id).where(
            Attachment.id.in_(sorted(wanted)) & (Attachment.customer == customer.id)).tuples()}
        missing = sorted(wanted - found)
        if missing:
            raise PoolError(f"no attachment {missing[0]} of this customer", field="attachment_ids")


def _link_attachments(followup: Followup, ids: list[int]) -> None:
    FollowupAttachment.delete().where(FollowupAttachment.followup == followup).execute()
    if ids:
        FollowupAttachment.insert_many([{"followup": followup.id, "attachment": a} for a in sorted(set(ids))]
                                       ).execute()


def note_followup(customer_id: int, at: dt.datetime) -> None:
    """The customer was followed up at ``at``: restart its clock, withdraw its warning."""
    history.ensure_states([customer_id])
    later = PoolState.last_followup_at.is_null() | (PoolState.last_followup_at < at)
    moved = PoolState.update(last_followup_at=at, warned_at=None, warn_due=None,
                             version=PoolState.version + 1).where(
        (PoolState.customer == customer_id) & later).execute()
    if moved:
        history.resolve_warnings([customer_id], utcnow())


def create_followup(user: User, customer_id: Any, data: Any, now: dt.datetime | None = None) -> Followup:
    """Record a follow-up; 404 customer not visible, 403 may not change it, 422 bad input."""
    now = now or utcnow()
    customer = _customer(user, customer_id)
    if not permissions.can(user, "create", ENTITY):
        raise PoolError("you may not record follow-ups", status=403)
    if not permissions.can(user, "write", "customer", customer):
        raise PoolError("you may not follow up this customer", status=403)
    values = load(FollowupSchema(), data)
    happened = values["happened_at"] or now
    if happened > now + FUTURE_SLACK:
        raise PoolError("a follow-up cannot happen in the future; plan it instead", field="happened_at")
    if values["next_at"] is not None and values["next_at"] <= happened:
        raise PoolError("the next follow-up must come after this one", field="next_at")
    _check_links(customer, values)
    with Followup._meta.database.atomic():
        followup = Followup.create(
            customer=customer.id, author=user.id, contact=values["contact_id"], kind=values["kind"],
            content=values["content"], happened_at=happened, next_at=values["next_at"],
            next_note=values["next_note"], created_at=now, updated_at=now)
        _link_attachments(followup, values["attachment_ids"])
        note_followup(customer.id, happened)
        FollowupPlan.update(done_at=now, done_by=followup.id).where(
            (FollowupPlan.customer == customer.id) & (FollowupPlan.user == user.id)
            & FollowupPlan.done_at.is_null() & FollowupPlan.cancelled_at.is_null()
            & (FollowupPlan.due_at < day_start(now, 1))).execute()
        plan = None
        if values["next_at"] is not None:
            plan = FollowupPlan.create(customer=customer.id, user=customer.owner_id or user.id,
                                       due_at=values["next_at"], kind=values["kind"],
                                       note=values["next_note"], source=followup.id, created_by=user.id,
                                       created_at=now)
        audit("create", ENTITY, followup.id, diff(None, snapshot(followup, AUDITED)), user)
    if plan is not None:
        schedule_reminder(plan, now)
    announce(followup_created, followup=followup, user=user)
    return followup


def get_followup(user: User, followup_id: Any) -> Followup:
    try:
        followup = Followup.live().where(Followup.id == as_id(followup_id)).get_or_none()
    except (TypeError, ValueError):
        followup = None
    if followup is None or not permissions.can(user, "read", ENTITY, followup):
        raise PoolError(f"no follow-up {followup_id}", status=404)
    return followup


def update_followup(user: User, followup: Followup, data: Any, now: dt.datetime | None = None) -> Followup:
    """Correct a follow-up (its author, or an admin)."""
    now = now or utcnow()
    if not permissions.can(user, "write", ENTITY, followup):
        raise PoolError("only its author may change a follow-up", status=403)
    values = load(FollowupUpdateSchema(), data, partial=True)
    if values.get("happened_at") and values["happened_at"] > now + FUTURE_SLACK:
        raise PoolError("a follow-up cannot happen in the future; plan it instead", field="happened_at")
    customer = Customer.get_by_id(followup.customer_id)
    _check_links(customer, values)
    before = snapshot(followup, AUDITED)
    with Followup._meta.database.atomic():
        for field in ("kind", "content", "happened_at"):
            if field in values:
                setattr(followup, field, values[field])
        if "contact_id" in values:
            followup.contact = values["contact_id"]
        followup.updated_at, followup.version = now, followup.version + 1
        followup.save()
        if "attachment_ids" in values:
            _link_attachments(followup, values["attachment_ids"])
        if "happened_at" in values:
            note_followup(customer.id, followup.happened_at)
        changes = diff(before, snapshot(followup, AUDITED))
        if changes:
            audit("update", ENTITY, followup.id, changes, user)
    return followup


def delete_followup(user: User, followup: Followup) -> None:
    """Move a follow-up to the trash (its author, or a user with the delete right who may
    change the customer). The customer's clock is not turned back."""
    from core.identity.trash import move_to_trash

    if not permissions.can(user, "delete", ENTITY, followup):
        raise PoolError("you may not delete this follow-up", status=403)
    move_to_trash(ENTITY, followup, user)


def followups_of(user: User, customer_id: Any, limit: int = 50,
                 before: tuple[dt.datetime, int] | None = None) -> list[Followup]:
    """A customer's follow-ups, newest first (keyset: ``before`` = (happened_at, id))."""
    customer = _customer(user, customer_id)
    query = Followup.live().where(Followup.customer == customer.id)
    if before is not None:
        at, ident = before
        query = query.where(
            (Followup.happened_at < at) | ((Followup.happened_at == at) & (Followup.id < ident)))
    return list(query.order_by(Followup.happened_at.desc(), Followup.id.desc()).limit(limit))


def followup_dict(followup: Followup, names: dict[int, str] | None = None) -> dict[str, Any]:
    label, label_zh = KIND_LABELS.get(followup.kind, (followup.kind, followup.kind))
    attachments = [
        {"id": a.id, "filename": a.filename, "size": a.size}
        for a in Attachment.live()
        .join(FollowupAttachment, on=(FollowupAttachment.attachment == Attachment.id))
        .where(FollowupAttachment.followup == followup.id).order_by(Attachment.id)
    ]
    author = None
    if followup.author_id is not None:
        name = (names or {}).get(followup.author_id)
        if name is None:
            user = User.get_or_none(User.id == followup.author_id)
            name = (user.display_name or user.username) if user else f"#{followup.author_id}"
        author = {"id": followup.author_id, "name": name}
    return {
        "id": followup.id, "customer_id": followup.customer_id, "kind": followup.kind,
        "kind_label": label, "kind_label_zh": label_zh, "content": followup.content,
        "happened_at": iso(followup.happened_at), "next_at": iso(followup.next_at),
        "next_note": followup.next_note, "contact_id": followup.contact_id, "author": author,
        "attachments": attachments, "created_at": iso(followup.created_at),
        "updated_at": iso(followup.updated_at), "version": followup.version,
    }


# -- plans: the to-do list ----------------------------------------------------------------


def create_plan(user: User, customer_id: Any, data: Any, now: dt.datetime | None = None) -> FollowupPlan:
    """Put a planned follow-up of a customer on ``user``'s own to-do list."""
    now = now or utcnow()
    customer = _customer(user, customer_id)
    if not permissions.can(user, "create", ENTITY):
        raise PoolError("you may not plan follow-ups", status=403)
    values = load(FollowupPlanSchema(), data)
    if values["due_at"] < now - dt.timedelta(days=1):
        raise PoolError("a plan cannot be due in the past", field="due_at")
    plan = FollowupPlan.create(customer=customer.id, user=user.id, due_at=values["due_at"],
                               kind=values["kind"], note=values["note"], created_by=user.id, created_at=now)
    schedule_reminder(plan, now)
    return plan


def get_plan(user: User, plan_id: Any) -> FollowupPlan:
    try:
        plan = FollowupPlan.get_or_none(FollowupPlan.id == as_id(plan_id))
    except (TypeError, ValueError):
        plan = None
    if plan is None or plan.user_id != user.id:
        raise PoolError(f"no plan {plan_id} on your list", status=404)
    return plan


def complete_plan(user: User, plan_id: Any, now: dt.datetime | None = None) -> FollowupPlan:
    plan = get_plan(user, plan_id)
    if plan.cancelled_at is not None:
        raise PoolError("this plan was cancelled: the customer is no longer yours", status=409)
    if plan.done_at is None:
        plan.done_at = now or utcnow()
        plan.save()
    return plan


def open_plans(user: User) -> peewee.ModelSelect:
    return FollowupPlan.select().where(
        (FollowupPlan.user == user.id) & FollowupPlan.done_at.is_null() & FollowupPlan.cancelled_at.is_null())


def plans_due(user: User, now: dt.datetime | None = None, include_overdue: bool = True) -> list[FollowupPlan]:
    """``user``'s open plans due today (tenant-local), and overdue ones, soonest first."""
    now = now or utcnow()
    query = open_plans(user).where(FollowupPlan.due_at < day_start(now, 1))
    if not include_overdue:
        query = query.where(FollowupPlan.due_at >= day_start(now))
    return list(query.order_by(FollowupPlan.due_at, FollowupPlan.id))


def plan_dict(plan: FollowupPlan, now: dt.datetime | None = None) -> dict[str, Any]:
    now = now or utcnow()
    name = Customer.select(Customer.name).where(Customer.id == plan.customer_id).scalar()
    return {
        "id": plan.id, "customer_id": plan.customer_id, "customer_name": name, "due_at": iso(plan.due_at),
        "kind": plan.kind, "note": plan.note, "source_id": plan.source_id, "done_at": iso(plan.done_at),
        "cancelled_at": iso(plan.cancelled_at), "reminded_at": iso(plan.reminded_at),
        "overdue": plan.done_at is None and plan.due_at < day_start(now),
    }


def remind(plan_id: int, now: dt.datetime | None = None) -> bool:
    """Send one plan's reminder if it is due, still open and not sent yet (once, ever)."""
    now = now or utcnow()
    plan = FollowupPlan.get_or_none(FollowupPlan.id == as_id(plan_id))
    if plan is None:
        return False
    with FollowupPlan._meta.database.atomic():
        claimed = FollowupPlan.update(reminded_at=now).where(
            (FollowupPlan.id == plan.id) & FollowupPlan.reminded_at.is_null() & FollowupPlan.done_at.is_null()
            & FollowupPlan.cancelled_at.is_null() & (FollowupPlan.due_at <= now + REMINDER_SLACK)).execute()
        if not claimed:
            return False  # done, cancelled, moved later, or another worker sent it
        name = Customer.select(Customer.name).where(Customer.id == plan.customer_id).scalar()
        PoolNotice.create(user=plan.user_id, kind="followup_due", customer=plan.customer_id,
                          due_at=plan.due_at, created_at=now, params={"name": name, "note": plan.note})
    announce(followup_due, plan=plan)
    return True


def schedule_reminder(plan: FollowupPlan, now: dt.datetime | None = None) -> None:
    """Queue the plan's reminder for its due time (task ``customers.followup_remind``).

    The periodic scan (:func:`send_reminders`) catches any the queue lost, so a queue that is
    down when the plan is made delays no reminder by more than a few minutes.
    """
    delay = max(0.0, (plan.due_at - (now or utcnow())).total_seconds())
    try:
        current_app.extensions["xietong"].enqueue("customers.followup_remind", tenant=g.tenant.slug,
                                                  delay=delay or None, plan_id=plan.id)
    except Exception:  # the queue is optional for correctness: the periodic scan covers it
        log.warning("could not queue the reminder of plan %s; the periodic scan will send it", plan.id,
                    exc_info=True)


def send_reminders(now: dt.datetime | None = None) -> int:
    """Send the reminder of every open plan that has come due and was not sent (the periodic
    safety net behind the queued reminders)."""
    now = now or utcnow()
    due = FollowupPlan.select(FollowupPlan.id).where(
        FollowupPlan.done_at.is_null() & FollowupPlan.cancelled_at.is_null()
        & FollowupPlan.reminded_at.is_null() & (FollowupPlan.due_at <= now)).order_by(FollowupPlan.id)
    return sum(1 for (plan_id,) in due.tuples() if remind(plan_id, now))


def remind_task(kernel: Any, plan_id: int) -> bool:
    """Entry of the queued task ``customers.followup_remind``."""
    return remind(plan_id)


def periodic_reminders(kernel: Any) -> int:
    """Entry of the periodic task ``customers.followup_reminders``."""
    return send_reminders()
