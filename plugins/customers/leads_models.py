"""Leads (线索): lighter records than customers, kept in a lead pool until someone takes them."""

from __future__ import annotations

import peewee

from core.identity.models import RecordModel, User
from plugins.customers.models import Customer

LEAD_SOURCES = ("website", "referral", "exhibition", "cold_call", "advertising", "social", "other")
LEAD_STATUSES = ("new", "following", "converted", "invalid")


class Lead(RecordModel):
    """A possible customer. No owner: it is in the lead pool. ``status`` becomes "converted"
    when it turned into ``customer`` (kept as it was, for the record)."""

    name = peewee.CharField(max_length=200)
    contact_name = peewee.CharField(max_length=100, default="")
    title = peewee.CharField(max_length=100, default="")
    mobile = peewee.CharField(max_length=50, default="")
    phone = peewee.CharField(max_length=50, default="")
    email = peewee.CharField(max_length=254, default="")
    wechat = peewee.CharField(max_length=100, default="")
    region = peewee.CharField(max_length=100, default="")
    address = peewee.CharField(max_length=300, default="")
    source = peewee.CharField(max_length=24, default="other")
    status = peewee.CharField(max_length=16, default="new", index=True)
    note = peewee.TextField(default="")
    owner = peewee.ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL")
    created_by = peewee.ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL")
    customer = peewee.ForeignKeyField(Customer, null=True, backref="+", on_delete="SET NULL")
    converted_at = peewee.DateTimeField(null=True)
    converted_by = peewee.ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL")

    class Meta:
        table_name = "customers_lead"
        indexes = ((("owner", "updated_at", "id"), False), (("deleted_at", "updated_at", "id"), False))


LEAD_MODELS = (Lead,)
