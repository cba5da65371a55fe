"""Tables of the desktop plugin (all prefixed ``desktop_``)."""

from __future__ import annotations

import peewee

from core.db import TenantModel
from core.fields import JSONField
from core.identity.models import RecordModel, User, utcnow

KINDS = ("announcement", "policy")


class PersonalLayout(TenantModel):
    """The widgets one user subscribed to, in their order. No row: the role's default."""

    user = peewee.ForeignKeyField(User, unique=True, on_delete="CASCADE")
    widgets = JSONField(default=list)
    updated_at = peewee.DateTimeField(default=utcnow)

    class Meta:
        table_name = "desktop_personal_layout"


class CompanyLayout(TenantModel):
    """The admin's company desktop: columns (栏目) of widgets, for one role or (``""``) all."""

    role = peewee.CharField(max_length=64, unique=True, default="")
    columns = JSONField(default=list)  # [{"title": str, "widgets": [key, ...]}, ...]
    updated_at = peewee.DateTimeField(default=utcnow)
    updated_by = peewee.IntegerField(null=True)

    class Meta:
        table_name = "desktop_company_layout"


class Announcement(RecordModel):
    """An announcement or a policy (规章制度): sanitised rich text, maybe pinned.

    ``roles``: role keys of the audience; empty means everyone.
    """

    kind = peewee.CharField(max_length=16, default="announcement", index=True)
    title = peewee.CharField(max_length=200)
    body = peewee.TextField(default="")
    pinned = peewee.BooleanField(default=False)
    roles = JSONField(default=list)
    author = peewee.ForeignKeyField(User, null=True, on_delete="SET NULL")
    published_at = peewee.DateTimeField(default=utcnow)

    class Meta:
        table_name = "desktop_announcement"
        indexes = ((("deleted_at", "pinned", "published_at", "id"), False),)


class AnnouncementRead(TenantModel):
    """A read receipt: ``user`` has read ``announcement`` (first time at ``read_at``)."""

    announcement = peewee.ForeignKeyField(Announcement, backref="reads", on_delete="CASCADE")
    user = peewee.ForeignKeyField(User, on_delete="CASCADE")
    read_at = peewee.DateTimeField(default=utcnow)

    class Meta:
        table_name = "desktop_announcement_read"
        indexes = ((("announcement", "user"), True), (("user", "announcement"), False))


MODELS = (PersonalLayout, CompanyLayout, Announcement, AnnouncementRead)
