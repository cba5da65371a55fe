"""Tables of the funnel plugin (all prefixed ``funnel_``).

Deals reference :class:`plugins.customers.models.Customer` by foreign key — the customers
plugin's documented interface. The three ``funnel_stat_*`` tables are aggregates kept right in
the same transaction as every change to a deal (see :mod:`plugins.funnel.aggregates`).
"""

from __future__ import annotations

import peewee

from core.db import TenantModel
from core.fields import MoneyField
from core.identity.models import Department, RecordModel, User, utcnow
from plugins.customers.models import Customer

OPEN, WON, LOST = "open", "won", "lost"
STAGE_KINDS = (OPEN, WON, LOST)


class Pipeline(TenantModel):
    """A sales process (direct sales, channel …) with its own ordered stages."""

    key = peewee.CharField(max_length=64, unique=True)
    name = peewee.CharField(max_length=100)
    name_zh = peewee.CharField(max_length=100, default="")
    position = peewee.IntegerField(default=0)
    is_default = peewee.BooleanField(default=False)
    archived = peewee.BooleanField(default=False)
    created_at = peewee.DateTimeField(default=utcnow)

    class Meta:
        table_name = "funnel_pipeline"


class Stage(TenantModel):
    """A stage of one pipeline: a win probability in percent (10 = interest … 100 = won).

    Keys are unique in the tenant, so a key names its pipeline too: moving a deal to a stage
    of another pipeline is refused. ``kind`` is ``open``, ``won`` or ``lost``.
    """

    pipeline = peewee.ForeignKeyField(Pipeline, backref="stages", on_delete="CASCADE")
    key = peewee.CharField(max_length=64, unique=True)
    name = peewee.CharField(max_length=100)
    name_zh = peewee.CharField(max_length=100, default="")
    probability = peewee.IntegerField()
    position = peewee.IntegerField()
    kind = peewee.CharField(max_length=8, default=OPEN)

    class Meta:
        table_name = "funnel_stage"


class Deal(RecordModel):
    """A deal (跟单) on a customer. ``status`` mirrors the stage's kind; ``max_stage`` is the
    furthest open-or-won stage it ever reached (for measured conversion rates)."""

    customer = peewee.ForeignKeyField(Customer, backref="deals", on_delete="RESTRICT")
    pipeline = peewee.ForeignKeyField(Pipeline, on_delete="RESTRICT", index=False)
    stage = peewee.ForeignKeyField(Stage, on_delete="RESTRICT", index=False)
    max_stage = peewee.ForeignKeyField(Stage, on_delete="RESTRICT", column_name="max_stage_id",
                                       index=False)
    status = peewee.CharField(max_length=8, default=OPEN)
    title = peewee.CharField(max_length=200)
    amount = MoneyField(default=0)
    owner = peewee.ForeignKeyField(User, on_delete="RESTRICT", index=False)
    expected_close = peewee.DateField(null=True)
    territory = peewee.CharField(max_length=100, default="")
    description = peewee.TextField(default="")
    stage_changed_at = peewee.DateTimeField(default=utcnow)
    closed_at = peewee.DateTimeField(null=True)
    created_by = peewee.ForeignKeyField(User, null=True, on_delete="SET NULL",
                                        column_name="created_by_id", index=False)
    # Whether the aggregates count this deal: True while it is live. Flipped only by a
    # conditional UPDATE together with the aggregate change, so trash and restore — whoever
    # performs them — are counted exactly once.
    counted = peewee.BooleanField(default=True)

    class Meta:
        table_name = "funnel_deal"
        # A partial covering index for stale and closed-in-period look-ups is made by the
        # migration (peewee cannot declare partial indexes portably).
        indexes = ((("owner", "stage", "id"), False), (("stage", "customer", "amount"), False))


class DealCoOwner(TenantModel):
    """A co-owner (协同跟单人): shares the deal's visibility and may work on it."""

    deal = peewee.ForeignKeyField(Deal, backref="co_owner_rows", on_delete="CASCADE")
    user = peewee.ForeignKeyField(User, on_delete="CASCADE")

    class Meta:
        table_name = "funnel_deal_co_owner"
        indexes = ((("deal", "user"), True), (("user", "deal"), False))


class StageChange(TenantModel):
    """One step of a deal's stage history: who moved it, when, from where, to where.

    The first row of a deal (``from_stage`` None) records its creation.
    """

    deal = peewee.ForeignKeyField(Deal, backref="history", on_delete="CASCADE", index=False)
    from_stage = peewee.ForeignKeyField(Stage, null=True, on_delete="RESTRICT",
                                        column_name="from_stage_id", index=False)
    to_stage = peewee.ForeignKeyField(Stage, on_delete="RESTRICT", column_name="to_stage_id",
                                      index=False)
    user = peewee.ForeignKeyField(User, null=True, on_delete="SET NULL", index=False)
    at = peewee.DateTimeField(default=utcnow)
    amount = MoneyField(default=0)

    class Meta:
        table_name = "funnel_stage_change"
        indexes = ((("deal", "id"), False),)


class Quota(RecordModel):
    """A sales target for one person or one team (department) over a period.

    ``territories``: ``[{"name": "广东", "weight": 1}, …]``; the amount is split by weight
    (evenly when no weights are given). ``deal_size``: the planner's average deal size, or None
    to use the measured average won deal.
    """

    owner = peewee.ForeignKeyField(User, null=True, on_delete="RESTRICT")
    department = peewee.ForeignKeyField(Department, null=True, on_delete="RESTRICT")
    pipeline = peewee.ForeignKeyField(Pipeline, null=True, on_delete="RESTRICT")
    name = peewee.CharField(max_length=200, default="")
    period_start = peewee.DateField()
    period_end = peewee.DateField()
    amount = MoneyField()
    territories = peewee.TextField(default="[]")
    deal_size = MoneyField(null=True)
    created_by = peewee.ForeignKeyField(User, null=True, on_delete="SET NULL",
                                        column_name="created_by_id")

    class Meta:
        table_name = "funnel_quota"


class StatTotal(TenantModel):
    """Aggregate: live deals per owner × stage (count, amount in cents)."""

    owner_id = peewee.IntegerField()
    stage_id = peewee.IntegerField()
    deals = peewee.IntegerField(default=0)
    amount = peewee.BigIntegerField(default=0)

    class Meta:
        table_name = "funnel_stat_total"
        primary_key = peewee.CompositeKey("owner_id", "stage_id")


class StatMonth(TenantModel):
    """Aggregate: live deals per owner × stage × month (``YYYYMM``, UTC) of their last stage
    change — stale deals, and what was won or lost in a period."""

    owner_id = peewee.IntegerField()
    stage_id = peewee.IntegerField()
    month = peewee.IntegerField()
    deals = peewee.IntegerField(default=0)
    amount = peewee.BigIntegerField(default=0)

    class Meta:
        table_name = "funnel_stat_month"
        primary_key = peewee.CompositeKey("owner_id", "stage_id", "month")


class StatReach(TenantModel):
    """Aggregate: closed live deals by the furthest stage they reached (and how many won).

    The measured conversion of stage *s* is the won share of closed deals that reached *s*.
    """

    stage_id = peewee.IntegerField(primary_key=True)
    closed = peewee.IntegerField(default=0)
    won = peewee.IntegerField(default=0)

    class Meta:
        table_name = "funnel_stat_reach"


AGGREGATE_MODELS = (StatTotal, StatMonth, StatReach)
MODELS = (Pipeline, Stage, Deal, DealCoOwner, StageChange, Quota, *AGGREGATE_MODELS)
