"""Tables of follow-ups (跟进记录) and follow-up plans (跟进计划), prefixed ``customers_followup``."""

from __future__ import annotations

import peewee

from core.db import TenantModel
from core.identity.models import RecordModel, User, utcnow
from plugins.customers.models import Attachment, Contact, Customer

FOLLOWUP_KINDS = ("call", "visit", "wechat", "email", "sms", "meeting", "other")


class Followup(RecordModel):
    """One contact with the customer: how (``kind``), what was said, when, and when next."""

    customer = peewee.ForeignKeyField(Customer, backref="followups", on_delete="CASCADE")
    author = peewee.ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL")
    contact = peewee.ForeignKeyField(Contact, null=True, backref="+", on_delete="SET NULL")
    kind = peewee.CharField(max_length=24)
    content = peewee.TextField()
    happened_at = peewee.DateTimeField(default=utcnow)
    next_at = peewee.DateTimeField(null=True)
    next_note = peewee.CharField(max_length=500, default="")

    class Meta:
        table_name = "customers_followup"
        indexes = ((("customer", "happened_at"), False),)


class FollowupAttachment(TenantModel):
    """A file of the customer (``customers_attachment``) attached to a follow-up."""

    followup = peewee.ForeignKeyField(Followup, backref="attachment_links", on_delete="CASCADE")
    attachment = peewee.ForeignKeyField(Attachment, backref="+", on_delete="CASCADE")

    class Meta:
        table_name = "customers_followup_attachment"
        indexes = ((("followup", "attachment"), True),)


class FollowupPlan(TenantModel):
    """A planned follow-up on ``user``'s to-do list, due at ``due_at``.

    Made from a follow-up's next time or on its own; done when a later follow-up of that
    customer by that user records it (or by hand); cancelled when the customer leaves the user
    (put back or returned to the pool, assigned to someone else). ``reminded_at`` is set once the reminder
    went out, so the reminder task never sends it twice.
    """

    customer = peewee.ForeignKeyField(Customer, backref="followup_plans", on_delete="CASCADE")
    user = peewee.ForeignKeyField(User, backref="+", on_delete="CASCADE")
    due_at = peewee.DateTimeField(index=True)
    kind = peewee.CharField(max_length=24, default="")
    note = peewee.CharField(max_length=500, default="")
    source = peewee.ForeignKeyField(Followup, null=True, backref="+", on_delete="SET NULL")
    done_at = peewee.DateTimeField(null=True)
    done_by = peewee.ForeignKeyField(Followup, null=True, backref="+", on_delete="SET NULL")
    reminded_at = peewee.DateTimeField(null=True)
    cancelled_at = peewee.DateTimeField(null=True)  # the customer left the user (released, returned)
    created_by = peewee.ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL")
    created_at = peewee.DateTimeField(default=utcnow)

    class Meta:
        table_name = "customers_followup_plan"
        indexes = ((("user", "done_at", "due_at"), False), (("done_at", "reminded_at", "due_at"), False))


FOLLOWUP_MODELS = (Followup, FollowupAttachment, FollowupPlan)
