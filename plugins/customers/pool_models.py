"""Tables of the public pools (公海): pools, their departments and rules, each customer's pool
state, the owner history and the notices sent to owners. All prefixed ``customers_pool``.

A customer with no owner lives in its *home pool* (``PoolState.pool``; none yet means the
tenant's default pool). An owned customer keeps its home pool too: that is where it returns.
"""

from __future__ import annotations

import peewee

from core.db import TenantModel
from core.fields import JSONField
from core.identity.models import Department, RecordModel, User, utcnow
from plugins.customers.models import Customer

RULE_KINDS = ("no_followup", "no_deal", "no_won_deal")
OWNER_CHANGE_KINDS = ("claim", "assign", "release", "return", "handover", "edit")


class Pool(RecordModel):
    """A public pool with its claim limits and its return settings.

    ``max_held``: a user may not claim (or be assigned) from this pool while holding that many
    customers; ``daily_claims``: claims per user per (tenant-local) day from this pool;
    ``reclaim_ban_days``: days during which the previous owner may not claim a customer back;
    ``warn_days``: how many days before an automatic return its owner is warned;
    ``rules_revision``: bumped by every change of the pool's rules (the return task checks it).
    """

    name = peewee.CharField(max_length=100)
    description = peewee.TextField(default="")
    position = peewee.IntegerField(default=0)
    is_default = peewee.BooleanField(default=False)
    auto_return = peewee.BooleanField(default=True)
    warn_days = peewee.IntegerField(default=3)
    max_held = peewee.IntegerField(null=True)
    daily_claims = peewee.IntegerField(null=True)
    reclaim_ban_days = peewee.IntegerField(default=0)
    rules_revision = peewee.IntegerField(default=0)

    class Meta:
        table_name = "customers_pool"


class PoolDepartment(TenantModel):
    """A department (with the departments below it) that may see and claim from a pool.

    A pool with no departments is open to everyone in the tenant.
    """

    pool = peewee.ForeignKeyField(Pool, backref="department_links", on_delete="CASCADE")
    department = peewee.ForeignKeyField(Department, on_delete="CASCADE")

    class Meta:
        table_name = "customers_pool_department"
        indexes = ((("pool", "department"), True),)


class PoolRule(TenantModel):
    """Return an owned customer of this pool after ``days`` days without ``kind``.

    ``level`` limits the rule to customers of one level ("" = every level); a customer's level
    is the value of its custom field named by the setting ``customers.pool.level_field``.
    """

    pool = peewee.ForeignKeyField(Pool, backref="rules", on_delete="CASCADE")
    kind = peewee.CharField(max_length=16)  # one of RULE_KINDS
    days = peewee.IntegerField()
    level = peewee.CharField(max_length=64, default="")
    created_at = peewee.DateTimeField(default=utcnow)

    class Meta:
        table_name = "customers_pool_rule"


class PoolState(TenantModel):
    """What the pool needs to know about one customer (one row per customer).

    ``owned_since``: when the current owner got it (clocks never start before that);
    ``last_*_at``: the latest follow-up, new deal and won deal; ``warned_at`` is set when the
    owner was warned in the current cycle; ``version`` is bumped by every change, so the
    return task can tell that a row moved under it.
    """

    customer = peewee.ForeignKeyField(Customer, unique=True, backref="pool_state", on_delete="CASCADE")
    pool = peewee.ForeignKeyField(Pool, null=True, backref="states", on_delete="SET NULL")
    locked = peewee.BooleanField(default=False)
    locked_by = peewee.ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")
    locked_at = peewee.DateTimeField(null=True)
    owned_since = peewee.DateTimeField(null=True)
    entered_pool_at = peewee.DateTimeField(null=True)
    last_followup_at = peewee.DateTimeField(null=True)
    last_deal_at = peewee.DateTimeField(null=True)
    last_won_at = peewee.DateTimeField(null=True)
    warned_at = peewee.DateTimeField(null=True)
    warn_due = peewee.DateTimeField(null=True)
    version = peewee.IntegerField(default=1)

    class Meta:
        table_name = "customers_pool_state"
        indexes = ((("pool", "locked"), False),)


# "About to return to the pool" (desktop widget): the warned rows only (a few per cent), probed
# with one owner's customer ids and read without the table's rows. Migration 0034.
PoolState.add_index(PoolState.index(PoolState.customer, PoolState.locked, PoolState.warn_due,
                                    where=PoolState.warned_at.is_null(False)))


class OwnerChange(TenantModel):
    """One change of a customer's owner: who gave it, who got it, who did it, when and why.

    ``actor`` None means the system (the automatic return). ``rule_kind``/``rule_days`` name
    the rule behind an automatic return, so the reason shows in every language.
    """

    customer = peewee.ForeignKeyField(Customer, backref="owner_changes", on_delete="CASCADE")
    kind = peewee.CharField(max_length=16)  # one of OWNER_CHANGE_KINDS
    from_user = peewee.ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")
    to_user = peewee.ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")
    actor = peewee.ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")
    pool = peewee.ForeignKeyField(Pool, null=True, on_delete="SET NULL", backref="+")
    reason = peewee.TextField(default="")
    rule_kind = peewee.CharField(max_length=16, default="")
    rule_days = peewee.IntegerField(null=True)
    at = peewee.DateTimeField(default=utcnow, index=True)

    class Meta:
        table_name = "customers_pool_owner_change"
        indexes = (
            (("customer", "at"), False),
            (("to_user", "kind", "at"), False),
            (("from_user", "customer", "at"), False),
        )


class PoolNotice(TenantModel):
    """An in-app notice for one user: a customer about to return, returned, assigned to
    them, or a follow-up that is due. ``resolved_at`` is set when it no longer applies."""

    user = peewee.ForeignKeyField(User, backref="+", on_delete="CASCADE")
    kind = peewee.CharField(max_length=24)  # pool_warning | pool_returned | assigned | followup_due
    customer = peewee.ForeignKeyField(Customer, null=True, backref="+", on_delete="CASCADE")
    due_at = peewee.DateTimeField(null=True)
    params = JSONField(default=dict)
    created_at = peewee.DateTimeField(default=utcnow, index=True)
    read_at = peewee.DateTimeField(null=True)
    resolved_at = peewee.DateTimeField(null=True)

    class Meta:
        table_name = "customers_pool_notice"
        indexes = ((("user", "read_at", "created_at"), False), (("customer", "kind"), False))


POOL_MODELS = (Pool, PoolDepartment, PoolRule, PoolState, OwnerChange, PoolNotice)
