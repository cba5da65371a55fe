"""Tables of the test module (prefixed ``gadgets_``)."""

import peewee

from core.fields import JSONField, MoneyField
from core.identity.models import RecordModel, User


class Gadget(RecordModel):
    name = peewee.CharField(max_length=200, index=True)
    owner = peewee.ForeignKeyField(User, null=True, on_delete="SET NULL")
    status = peewee.CharField(max_length=20, default="new", index=True)
    amount = MoneyField(null=True)
    email = peewee.CharField(max_length=254, default="")
    phone = peewee.CharField(max_length=40, default="")
    profile = peewee.TextField(default="")
    active = peewee.BooleanField(default=True)
    due_at = peewee.DateTimeField(null=True)
    custom = JSONField(default=dict)  # the tenant's own fields (see hooks.custom_fields)

    class Meta:
        table_name = "gadgets_gadget"


class Part(RecordModel):
    gadget = peewee.ForeignKeyField(Gadget, on_delete="CASCADE")
    title = peewee.CharField(max_length=200)
    quantity = peewee.IntegerField(default=1)

    class Meta:
        table_name = "gadgets_part"
