"""Tables of activities (关联活动): the tenant's activity types and the activities themselves."""

from __future__ import annotations

import peewee

from core.db import TenantModel
from core.fields import JSONField
from core.identity.models import RecordModel, User
from plugins.customers.models import Attachment, Contact, Customer


class ActivityType(TenantModel):
    """A kind of activity (presales, acceptance …); retired types keep their activities."""

    key = peewee.CharField(max_length=64, unique=True)
    name = peewee.CharField(max_length=100)
    name_zh = peewee.CharField(max_length=100, default="")
    color = peewee.CharField(max_length=16, default="")
    builtin = peewee.BooleanField(default=False)
    retired = peewee.BooleanField(default=False)
    position = peewee.IntegerField(default=0)

    class Meta:
        table_name = "customers_activity_type"


class Activity(RecordModel):
    """A major event with a customer: when, who took part, what came of it.

    ``deal_id`` links a deal of the funnel plugin when that module is on; it is a plain id so
    the customers plugin never depends on the funnel's tables.
    """

    customer = peewee.ForeignKeyField(Customer, backref="activities", on_delete="CASCADE")
    type = peewee.CharField(max_length=64)
    title = peewee.CharField(max_length=200)
    date = peewee.DateTimeField(index=True)  # UTC
    user_ids = JSONField(default=list)  # colleagues who took part
    contact = peewee.ForeignKeyField(Contact, null=True, on_delete="SET NULL")
    people = peewee.CharField(max_length=500, default="")  # others, free text
    outcome = peewee.TextField(default="")
    description = peewee.TextField(default="")
    deal_id = peewee.IntegerField(null=True, index=True)
    author = peewee.ForeignKeyField(User, null=True, on_delete="SET NULL")

    class Meta:
        table_name = "customers_activity"
        indexes = ((("customer", "date"), False),)


class ActivityAttachment(TenantModel):
    """An attachment of the customer (contract, acceptance report) filed under an activity."""

    activity = peewee.ForeignKeyField(Activity, backref="attachment_links", on_delete="CASCADE")
    attachment = peewee.ForeignKeyField(Attachment, on_delete="CASCADE")

    class Meta:
        table_name = "customers_activity_attachment"
        indexes = ((("activity", "attachment"), True),)


ACTIVITY_MODELS = (ActivityType, Activity, ActivityAttachment)
