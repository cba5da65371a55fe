"""Identity tables in each tenant's database: departments, roles, users, rights, rules, audit."""

from __future__ import annotations

import peewee

from core.db import TenantModel
from core.tenancy import utcnow


class RecordModel(TenantModel):
    """Base of business records: timestamps, a version for stale-write checks, soft delete.

    ``deleted_at`` set means the record is in the trash: it is left out of every list,
    search and detail view, and an admin can restore it. Use :meth:`live` to select.
    """

    created_at = peewee.DateTimeField(default=utcnow, index=True)
    updated_at = peewee.DateTimeField(default=utcnow, index=True)
    version = peewee.IntegerField(default=1)
    deleted_at = peewee.DateTimeField(null=True, index=True)

    @classmethod
    def live(cls, *fields):
        """Records not in the trash."""
        return cls.select(*fields).where(cls.deleted_at.is_null())


class Department(TenantModel):
    name = peewee.CharField(max_length=200)
    parent = peewee.ForeignKeyField("self", null=True, backref="children", on_delete="RESTRICT")
    created_at = peewee.DateTimeField(default=utcnow)

    class Meta:
        table_name = "core_department"
        indexes = ((("parent", "name"), True),)


class Role(TenantModel):
    """A role. Built-in keys: admin, manager, sales, finance; tenants add their own."""

    key = peewee.CharField(max_length=64, unique=True)
    name = peewee.CharField(max_length=100)
    name_zh = peewee.CharField(max_length=100, default="")
    builtin = peewee.BooleanField(default=False)

    class Meta:
        table_name = "core_role"


class User(TenantModel):
    username = peewee.CharField(max_length=150, unique=True)
    display_name = peewee.CharField(max_length=200, default="")
    email = peewee.CharField(max_length=254, default="")
    password_hash = peewee.CharField(max_length=255, default="")
    role = peewee.ForeignKeyField(Role, backref="users", on_delete="RESTRICT")
    department = peewee.ForeignKeyField(Department, null=True, backref="users", on_delete="SET NULL")
    language = peewee.CharField(max_length=10, default="")
    timezone = peewee.CharField(max_length=64, default="")
    active = peewee.BooleanField(default=True)
    # Bumped on password change or admin reset: older sessions stop working.
    session_epoch = peewee.IntegerField(default=0)
    created_at = peewee.DateTimeField(default=utcnow)
    updated_at = peewee.DateTimeField(default=utcnow)

    class Meta:
        table_name = "core_user"

    @property
    def is_admin(self) -> bool:
        return self.role.key == "admin"

    def __str__(self) -> str:
        return self.display_name or self.username


class AccessRight(TenantModel):
    """Role × entity × action, with the scope of records it reaches.

    ``scope``: ``own`` (records the user owns), ``department`` (owned by anyone in the user's
    department), ``subtree`` (the department and those below it) or ``all``. No row: denied.
    """

    role = peewee.ForeignKeyField(Role, backref="rights", on_delete="CASCADE")
    entity = peewee.CharField(max_length=64)
    action = peewee.CharField(max_length=32)
    scope = peewee.CharField(max_length=16, default="all")

    class Meta:
        table_name = "core_access_right"
        indexes = ((("role", "entity", "action"), True),)


class FieldRule(TenantModel):
    """Hide or mask one field of an entity for a role and/or a department (and below it)."""

    entity = peewee.CharField(max_length=64)
    field = peewee.CharField(max_length=64)
    mode = peewee.CharField(max_length=8)  # hide | mask
    role = peewee.ForeignKeyField(Role, null=True, on_delete="CASCADE")
    department = peewee.ForeignKeyField(Department, null=True, on_delete="CASCADE")

    class Meta:
        table_name = "core_field_rule"


class ApiToken(TenantModel):
    """A bearer token: only its SHA-256 is stored; shown once when created."""

    user = peewee.ForeignKeyField(User, backref="tokens", on_delete="CASCADE")
    name = peewee.CharField(max_length=100, default="")
    token_hash = peewee.CharField(max_length=64, unique=True)
    prefix = peewee.CharField(max_length=16)
    created_at = peewee.DateTimeField(default=utcnow)
    expires_at = peewee.DateTimeField(null=True)
    revoked_at = peewee.DateTimeField(null=True)
    last_used_at = peewee.DateTimeField(null=True)

    class Meta:
        table_name = "core_api_token"


class LoginAttempt(TenantModel):
    """Failed logins, for throttling (per user name and per address)."""

    username = peewee.CharField(max_length=150, index=True)
    address = peewee.CharField(max_length=64, index=True)
    at = peewee.DateTimeField(default=utcnow, index=True)

    class Meta:
        table_name = "core_login_attempt"


class AuditEntry(TenantModel):
    """Who did what, when, to which record, with the changed fields' before and after.

    Append-only: the app offers no way to change or delete entries.
    """

    at = peewee.DateTimeField(default=utcnow, index=True)
    user = peewee.IntegerField(null=True, index=True)
    username = peewee.CharField(max_length=150, default="")
    action = peewee.CharField(max_length=32, index=True)  # create|update|delete|restore|purge|login|…
    entity = peewee.CharField(max_length=64, default="")  # (entity, id) below
    record_id = peewee.CharField(max_length=64, default="", index=True)
    changes = peewee.TextField(default="{}")  # JSON {field: [before, after]}
    address = peewee.CharField(max_length=64, default="")

    class Meta:
        table_name = "core_audit"
        # "the newest entry about X" (audit_stamp) is one index seek per entity on both databases
        indexes = ((("entity", "id"), False),)


class TrashEntry(TenantModel):
    """A record in the trash: where to find it and who put it there."""

    entity = peewee.CharField(max_length=64)
    record_id = peewee.IntegerField()
    label = peewee.CharField(max_length=300, default="")
    deleted_by = peewee.IntegerField(null=True)
    deleted_at = peewee.DateTimeField(default=utcnow, index=True)

    class Meta:
        table_name = "core_trash"
        indexes = ((("entity", "record_id"), True),)


IDENTITY_MODELS = (
    Department, Role, User, AccessRight, FieldRule, ApiToken, LoginAttempt, AuditEntry, TrashEntry,
)
