"""Tables of the customers plugin (all prefixed ``customers_``).

Other plugins reference :class:`Customer` and :class:`Contact` by foreign key; that, and the
functions in ``services``, is this plugin's documented interface.
"""

from __future__ import annotations

import peewee

from core.db import TenantModel
from core.fields import JSONField, MoneyField
from core.identity.models import RecordModel, User, utcnow


class Category(TenantModel):
    """A node of the tenant's customer category tree.

    ``visible_roles`` (top-level categories): role keys that may see customers in this
    category and below; empty means every role.
    """

    name = peewee.CharField(max_length=100)
    parent = peewee.ForeignKeyField("self", null=True, backref="children", on_delete="RESTRICT")
    position = peewee.IntegerField(default=0)
    visible_roles = JSONField(default=list)
    created_at = peewee.DateTimeField(default=utcnow)

    class Meta:
        table_name = "customers_category"


class Customer(RecordModel):
    name = peewee.CharField(max_length=200)
    # Name reduced for duplicate detection: no legal-form suffix, spacing or full-width forms.
    name_key = peewee.CharField(max_length=200, index=True, default="")
    category = peewee.ForeignKeyField(Category, null=True, backref="customers", on_delete="SET NULL")
    owner = peewee.ForeignKeyField(User, null=True, backref="customers", on_delete="SET NULL")
    phone = peewee.CharField(max_length=50, default="")
    email = peewee.CharField(max_length=254, default="")
    address = peewee.CharField(max_length=300, default="")
    region = peewee.CharField(max_length=100, default="", index=True)
    profile = peewee.TextField(default="")  # sanitised rich text
    custom = JSONField(default=dict)
    last_activity_at = peewee.DateTimeField(null=True, index=True)

    class Meta:
        table_name = "customers_customer"
        indexes = (
            (("owner", "updated_at", "id"), False),
            (("deleted_at", "updated_at", "id"), False),
        )


class Contact(RecordModel):
    customer = peewee.ForeignKeyField(Customer, backref="contacts", on_delete="CASCADE")
    name = peewee.CharField(max_length=100)
    title = peewee.CharField(max_length=100, default="")
    mobile = peewee.CharField(max_length=50, default="")
    phone = peewee.CharField(max_length=50, default="")
    email = peewee.CharField(max_length=254, default="")
    birthday = peewee.DateField(null=True)
    birthday_md = peewee.CharField(max_length=5, default="", index=True)  # "MM-DD" for reminders
    hobbies = peewee.TextField(default="")
    background = peewee.TextField(default="")
    notes = peewee.TextField(default="")

    class Meta:
        table_name = "customers_contact"


class CustomField(TenantModel):
    """A field the tenant admin defines for customers. Retired fields keep their data."""

    key = peewee.CharField(max_length=64, unique=True)
    label = peewee.CharField(max_length=100)
    label_zh = peewee.CharField(max_length=100, default="")
    type = peewee.CharField(max_length=16)  # text number decimal date choice multi user url phone email
    required = peewee.BooleanField(default=False)
    choices = JSONField(default=list)
    category = peewee.ForeignKeyField(Category, null=True, on_delete="SET NULL")
    position = peewee.IntegerField(default=0)
    retired = peewee.BooleanField(default=False)

    class Meta:
        table_name = "customers_custom_field"


class Transaction(RecordModel):
    """A memo of an order, payment or invoice — not accounting."""

    customer = peewee.ForeignKeyField(Customer, backref="transactions", on_delete="CASCADE")
    date = peewee.DateField()
    kind = peewee.CharField(max_length=16, default="order")  # order payment invoice other
    memo = peewee.TextField(default="")
    amount = MoneyField(null=True)
    author = peewee.ForeignKeyField(User, null=True, on_delete="SET NULL")

    class Meta:
        table_name = "customers_transaction"


class Note(RecordModel):
    """Team discussion about a customer; ``mentions`` holds the user ids @mentioned."""

    customer = peewee.ForeignKeyField(Customer, backref="notes", on_delete="CASCADE")
    author = peewee.ForeignKeyField(User, null=True, on_delete="SET NULL")
    body = peewee.TextField()
    mentions = JSONField(default=list)

    class Meta:
        table_name = "customers_note"


class Attachment(RecordModel):
    customer = peewee.ForeignKeyField(Customer, backref="attachments", on_delete="CASCADE")
    filename = peewee.CharField(max_length=255)
    content_type = peewee.CharField(max_length=100)
    size = peewee.BigIntegerField()
    sha256 = peewee.CharField(max_length=64)
    storage_key = peewee.CharField(max_length=100, unique=True)
    uploaded_by = peewee.ForeignKeyField(User, null=True, on_delete="SET NULL")

    class Meta:
        table_name = "customers_attachment"


MODELS = (Category, Customer, Contact, CustomField, Transaction, Note, Attachment)
