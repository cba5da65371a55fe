"""Tables of the customers plugin (all prefixed ``customers_``).

Other plugins reference :class:`Customer` and :class:`Contact` by foreign key; that, and the
functions in ``services``, is this plugin's documented interface.

Saving a :class:`Customer` or :class:`Contact` through ``save()`` / ``create()`` keeps the
derived columns (duplicate keys, birthday month-day) and the search index up to date by
itself, so other modules that create customers cannot forget to. Bulk ``insert_many`` /
``update()`` queries bypass that: call :func:`plugins.customers.search.reindex` afterwards.
"""

from __future__ import annotations

import peewee

from core.db import TenantModel
from core.fields import JSONField, MoneyField
from core.identity.models import RecordModel, User, utcnow

# Customer columns that feed the search index and the duplicate keys.
INDEXED_CUSTOMER_FIELDS = frozenset({"name", "phone", "email"})
INDEXED_CONTACT_FIELDS = frozenset({"name", "mobile", "phone", "email", "customer", "deleted_at"})


class Category(TenantModel):
    """A node of the tenant's customer category tree.

    ``visible_roles`` (top-level categories only): role keys that may see customers in this
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
    # RecordModel's single-column indexes on these are covered by the composite indexes below;
    # every index costs each insert (imports write 10,000 rows a second), so they are left out.
    updated_at = peewee.DateTimeField(default=utcnow)
    deleted_at = peewee.DateTimeField(null=True)
    name = peewee.CharField(max_length=200)
    # Name reduced for duplicate detection: no legal-form suffix, spacing or full-width forms.
    name_key = peewee.CharField(max_length=200, default="")  # indexed with deleted_at below
    category = peewee.ForeignKeyField(
        Category, null=True, backref="customers", on_delete="SET NULL", index=False
    )  # (category, updated_at, id) below
    owner = peewee.ForeignKeyField(
        User, null=True, backref="customers", on_delete="SET NULL", index=False
    )  # (owner, updated_at, id) below
    phone = peewee.CharField(max_length=50, default="")
    phone_key = peewee.CharField(max_length=50, default="")
    email = peewee.CharField(max_length=254, default="")
    email_key = peewee.CharField(max_length=254, default="")
    address = peewee.CharField(max_length=300, default="")
    region = peewee.CharField(max_length=100, default="", index=True)
    profile = peewee.TextField(default="")  # sanitised rich text: the company profile
    shareholders = peewee.TextField(default="")  # sanitised rich text: shareholders, background
    custom = JSONField(default=dict)
    last_activity_at = peewee.DateTimeField(null=True)  # (owner, last_activity_at) below

    class Meta:
        table_name = "customers_customer"
        indexes = (
            (("owner", "updated_at", "id"), False),
            (("deleted_at", "updated_at", "id"), False),
            (("category", "updated_at", "id"), False),
            # one owner's overdue list, in the order it is shown (migration 0034)
            (("owner", "last_activity_at"), False),
            # duplicate look-ups read only these (covering: no table row per candidate)
            (("name_key", "deleted_at"), False),
            (("phone_key", "deleted_at"), False),
            (("email_key", "deleted_at"), False),
        )

    def __getattr__(self, name: str):
        # ``cf_<key>``: a custom field's value, as the generated schema and list pages read it.
        if name[:3] == "cf_" and "__data__" in self.__dict__:
            from plugins.customers.customfields import value_of

            return value_of(self, name[3:])
        raise AttributeError(name)

    def save(self, *args, **kwargs):
        from plugins.customers import normalize, search

        created = self._pk is None or kwargs.get("force_insert")
        dirty = {f.name for f in self.dirty_fields}
        self.name_key = normalize.name_key(self.name)
        self.phone_key = normalize.phone_key(self.phone)
        self.email_key = normalize.email_key(self.email)
        result = super().save(*args, **kwargs)
        if created or dirty & INDEXED_CUSTOMER_FIELDS:
            search.reindex([self.id])
        return result


class Contact(RecordModel):
    deleted_at = peewee.DateTimeField(null=True)  # few are trashed: an index would only mislead
    customer = peewee.ForeignKeyField(
        Customer, backref="contacts", on_delete="CASCADE", index=False
    )  # (customer, birthday_md) below
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
        # a customer's contacts, and an owner's upcoming birthdays read from the index alone
        # (migration 0036; it replaces the index on customer_id, so imports write no more)
        indexes = ((("customer", "birthday_md"), False),)

    def save(self, *args, **kwargs):
        from plugins.customers import search

        created = self._pk is None or kwargs.get("force_insert")
        dirty = {f.name for f in self.dirty_fields}
        self.birthday_md = self.birthday.strftime("%m-%d") if self.birthday else ""
        result = super().save(*args, **kwargs)
        if created or dirty & INDEXED_CONTACT_FIELDS:
            search.reindex([self.customer_id])
        return result


CUSTOM_FIELD_TYPES = ("text", "number", "decimal", "date", "choice", "multi", "user", "url", "phone", "email")


class CustomField(TenantModel):
    """A field the tenant admin defines for customers. Retired fields keep their data.

    ``category``: the field applies only to customers in that category and below (None: all).
    Values live in ``Customer.custom[key]``.
    """

    key = peewee.CharField(max_length=64, unique=True)
    label = peewee.CharField(max_length=100)
    label_zh = peewee.CharField(max_length=100, default="")
    type = peewee.CharField(max_length=16)  # one of CUSTOM_FIELD_TYPES
    required = peewee.BooleanField(default=False)
    choices = JSONField(default=list)
    category = peewee.ForeignKeyField(Category, null=True, on_delete="SET NULL")
    position = peewee.IntegerField(default=0)
    retired = peewee.BooleanField(default=False)
    help = peewee.CharField(max_length=300, default="")
    updated_at = peewee.DateTimeField(default=utcnow)

    class Meta:
        table_name = "customers_custom_field"


TRANSACTION_KINDS = ("order", "payment", "invoice", "other")


class Transaction(RecordModel):
    """A memo of an order, payment or invoice — not accounting."""

    customer = peewee.ForeignKeyField(Customer, backref="transactions", on_delete="CASCADE")
    date = peewee.DateField()
    kind = peewee.CharField(max_length=16, default="order")  # one of TRANSACTION_KINDS
    memo = peewee.TextField(default="")
    amount = MoneyField(null=True)
    author = peewee.ForeignKeyField(User, null=True, on_delete="SET NULL")

    class Meta:
        table_name = "customers_transaction"
        indexes = ((("customer", "date"), False),)


class Note(RecordModel):
    """Team discussion about a customer; ``mentions`` holds the user ids @mentioned."""

    customer = peewee.ForeignKeyField(Customer, backref="notes", on_delete="CASCADE")
    author = peewee.ForeignKeyField(User, null=True, on_delete="SET NULL")
    body = peewee.TextField()
    mentions = JSONField(default=list)

    class Meta:
        table_name = "customers_note"


class Attachment(RecordModel):
    """A file kept under ``XIETONG_DATA/files/<tenant>/``; the content type is sniffed."""

    customer = peewee.ForeignKeyField(Customer, backref="attachments", on_delete="CASCADE")
    filename = peewee.CharField(max_length=255)
    content_type = peewee.CharField(max_length=100)
    size = peewee.BigIntegerField()
    sha256 = peewee.CharField(max_length=64)
    storage_key = peewee.CharField(max_length=100, unique=True)
    uploaded_by = peewee.ForeignKeyField(User, null=True, on_delete="SET NULL")

    class Meta:
        table_name = "customers_attachment"


class Notification(TenantModel):
    """Something a user should look at: an @mention in a team note (``kind="mention"``)."""

    user = peewee.ForeignKeyField(User, backref="customer_notifications", on_delete="CASCADE")
    kind = peewee.CharField(max_length=32, default="mention")
    customer = peewee.ForeignKeyField(Customer, null=True, on_delete="CASCADE")
    note = peewee.ForeignKeyField(Note, null=True, on_delete="CASCADE")
    actor = peewee.ForeignKeyField(User, null=True, on_delete="SET NULL")
    text = peewee.CharField(max_length=300, default="")
    created_at = peewee.DateTimeField(default=utcnow)
    read_at = peewee.DateTimeField(null=True)

    class Meta:
        table_name = "customers_notification"
        indexes = ((("user", "read_at", "id"), False),)


class SearchDoc(TenantModel):
    """The search document of one customer (id = the customer's id): folded text per column.

    The full-text indexes over it (SQLite FTS5 tables, or a PostgreSQL ``tsvector``) are
    created by migration ``0002_search`` and kept by :mod:`plugins.customers.search`.
    """

    id = peewee.IntegerField(primary_key=True)
    name = peewee.TextField(default="")
    py = peewee.TextField(default="")
    ini = peewee.TextField(default="")
    phone = peewee.TextField(default="")
    email = peewee.TextField(default="")
    cname = peewee.TextField(default="")
    cmobile = peewee.TextField(default="")
    cphone = peewee.TextField(default="")
    cemail = peewee.TextField(default="")

    class Meta:
        table_name = "customers_search"


MODELS = (Category, Customer, Contact, CustomField, Transaction, Note, Attachment, Notification, SearchDoc)
