"""Tables of the relationship network (关联客户): relation types and typed relations.

A relation is stored once, as entered: ``source`` is ``type`` of ``target`` ("A is B's
upstream"). Read from the target's side it is the type's ``inverse`` ("B is A's downstream").
Symmetric types (competitor, relative, friend) are their own inverse.
"""

from __future__ import annotations

import peewee

from core.db import TenantModel
from core.identity.models import RecordModel, User
from plugins.customers.models import Customer


class RelationType(TenantModel):
    """A kind of relation. ``inverse`` is the key read from the other side (itself if symmetric)."""

    key = peewee.CharField(max_length=64, unique=True)
    name = peewee.CharField(max_length=100)
    name_zh = peewee.CharField(max_length=100, default="")
    inverse = peewee.CharField(max_length=64)
    color = peewee.CharField(max_length=16, default="")
    builtin = peewee.BooleanField(default=False)
    position = peewee.IntegerField(default=0)

    class Meta:
        table_name = "customers_relation_type"

    @property
    def symmetric(self) -> bool:
        return self.inverse == self.key


class Relation(RecordModel):
    """``source`` is ``type`` of ``target``; a note and a strength (1 weak … 5 certain)."""

    source = peewee.ForeignKeyField(Customer, on_delete="CASCADE", index=False)
    target = peewee.ForeignKeyField(Customer, on_delete="CASCADE", index=False)
    type = peewee.CharField(max_length=64)
    note = peewee.TextField(default="")
    strength = peewee.SmallIntegerField(default=3)
    created_by = peewee.ForeignKeyField(User, null=True, on_delete="SET NULL", index=False)

    class Meta:
        table_name = "customers_relation"


RELATION_MODELS = (RelationType, Relation)

# The network walk reads edges from either side through these covering partial indexes (live
# rows only; ``deleted_at`` is included so SQLite needs no table lookup at all).
RELATION_INDEXES = tuple(
    (f"customers_relation_by_{side}",
     f"CREATE INDEX IF NOT EXISTS customers_relation_by_{side} ON customers_relation "
     f"({side}_id, {other}_id, type, strength, deleted_at) WHERE deleted_at IS NULL")
    for side, other in (("source", "target"), ("target", "source"))
)
