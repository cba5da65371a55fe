"""Tables of the idtest plugin."""

from __future__ import annotations

import peewee

from core.identity.models import RecordModel, User


class IdContact(RecordModel):
    name = peewee.CharField(max_length=100)
    phone = peewee.CharField(max_length=50, default="")
    email = peewee.CharField(max_length=100, default="")
    owner = peewee.ForeignKeyField(User, null=True, on_delete="SET NULL")
    co_owner = peewee.ForeignKeyField(User, null=True, on_delete="SET NULL", backref="shared_idcontacts")
    secret = peewee.BooleanField(default=False)
    status = peewee.CharField(max_length=20, default="new")

    class Meta:
        table_name = "idtest_contact"


class IdMemo(RecordModel):
    title = peewee.CharField(max_length=100)
    body = peewee.TextField(default="")

    class Meta:
        table_name = "idtest_memo"
