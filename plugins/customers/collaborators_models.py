"""Collaborators: colleagues the owner shares a customer with (table ``customers_collaborator``)."""

from __future__ import annotations

import peewee

from core.db import TenantModel
from core.identity.models import User, utcnow
from plugins.customers.models import Customer

ACCESS_LEVELS = ("read", "write")


class Collaborator(TenantModel):
    """``user`` may read the customer (``access`` "read") or also change it ("write") until
    ``expires_at`` (None: no end). Expired rows give nothing and are kept for the record."""

    customer = peewee.ForeignKeyField(Customer, backref="collaborators", on_delete="CASCADE")
    user = peewee.ForeignKeyField(User, backref="+", on_delete="CASCADE")
    access = peewee.CharField(max_length=8, default="read")
    expires_at = peewee.DateTimeField(null=True)
    added_by = peewee.ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL")
    created_at = peewee.DateTimeField(default=utcnow)

    class Meta:
        table_name = "customers_collaborator"
        indexes = ((("customer", "user"), True), (("user", "expires_at"), False))


COLLABORATOR_MODELS = (Collaborator,)
