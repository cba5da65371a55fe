"""Deals: the business rules, callable without HTTP.

Every write bumps ``version`` with a conditional UPDATE (``WHERE version = <what we read>``):
of two users moving one deal at once exactly one wins, the other gets 409, and the stage
history and aggregates change only with the winner. Signals go out after the commit.
Pass ``user=None`` for changes the system makes (handover, demo data): no permission checks.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

import peewee
from flask import current_app, g

from core.errors import ApiError
from core.fields import to_decimal
from core.identity import permissions
from core.identity.audit import audit, diff, snapshot
from core.identity.models import User, utcnow
from core.signals import record_created, record_updated
from plugins.customers.models import Customer
from plugins.funnel import aggregates, signals, stages
from plugins.funnel.models import LOST, OPEN, WON, Deal, DealCoOwner, Pipeline, Stage, StageChange

ENTITY = "deal"
EDITABLE = ("title", "amount", "expected_close", "territory", "description", "owner_id",
            "customer_id", "co_owner_ids", "stage")


def _invalid(field: str, message: str) -> ApiError:
    return ApiError(422, message, fields={field: [message]})


@contextmanager
def write_transaction():
    """A transaction that takes SQLite's write lock at once (BEGIN IMMEDIATE), so a reader
    never has to upgrade a stale snapshot; nested calls become savepoints."""
    db = Deal._meta.database.obj
    if isinstance(db, peewee.SqliteDatabase) and db.transaction_depth() == 0:
        with db.atomic("IMMEDIATE"):
            yield
    else:
        with db.atomic():
            yield


# -- validation ---------------------------------------------------------------------------------


def parse_amount(value: Any) -> Decimal:
    """A non-negative exact amount from a string, int or Decimal; 422 otherwise (floats too)."""
    if isinstance(value, bool) or value is None or value == "":
        raise _invalid("amount", "give the amount as a decimal string, e.g. \"10000.00\"")
    try:
        amount = to_decimal(value)
    except (TypeError, ValueError, ArithmeticError):  # ArithmeticError: too many digits
        raise _invalid("amount", "not an amount of money; send a decimal string") from None
    if amount < 0:
        raise _invalid("amount", "the amount cannot be negative")
    if amount >= Decimal("1e15"):
        raise _invalid("amount", "the amount is too large")
    return amount


def visible_customer(user: User | None, customer_id: Any) -> Customer:
    """The live customer, or 404 when absent or not visible to ``user`` (existence not revealed)."""
    try:
        customer_id = int(customer_id)
    except (TypeError, ValueError):
        raise ApiError(404, "no such customer", fields={"customer_id": ["no such customer"]}) from None
    customer = Customer.live().where(Customer.id == customer_id).first()
    if customer is None or (user is not None and not permissions.can(user, "read", "customer", customer)):
        raise ApiError(404, "no such customer", fields={"customer_id": ["no such customer"]})
    return customer


def _active_user(user_id: Any, field: str) -> User:
    try:
        found = User.get_or_none(User.id == int(user_id))
    except (TypeError, ValueError):
        found = None
    if found is None or not found.active:
        raise _invalid(field, f"no active user {user_id!r}")
    return found


def _co_owner_ids(value: Any, owner_id: int) -> list[int]:
    if value is None:
        return []
    if not isinstance(value, list | tuple):
        raise _invalid("co_owner_ids", "give a list of user ids")
    ids: list[int] = []
    for item in value:
        user_id = _active_user(item, "co_owner_ids").id
        if user_id != owner_id and user_id not in ids:
            ids.append(user_id)
    return ids


def _check_owner(user: User | None, owner: User) -> None:
    """Only a user whose deal scope reaches beyond their own deals may give a deal to another."""
    if user is None or owner.id == user.id:
        return
    if permissions.scope_of(user, ENTITY, "write") in (None, "own"):
        raise _invalid("owner_id", "you may only own your deals yourself; ask a manager to reassign")


def _parse_date(value: Any, field: str) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise _invalid(field, "use a date like 2025-03-31") from None


# -- creating -----------------------------------------------------------------------------------


def create_deal(user: User | None, data: Mapping[str, Any]) -> Deal:
    """Create a deal on a customer the user can see (404 otherwise), in its first stage or the
    stage named; records the first history row and updates the aggregates."""
    unknown = set(data) - {*EDITABLE, "pipeline"}
    if unknown:
        raise ApiError(422, "unknown fields", fields={k: ["unknown field"] for k in sorted(unknown)})
    if user is not None and not permissions.can(user, "create", ENTITY):
        raise ApiError(403, "you may not create deals")
    customer = visible_customer(user, data.get("customer_id"))
    title = str(data.get("title") or "").strip()
    if not title:
        raise _invalid("title", "a deal needs a title")
    pipeline, stage = _pipeline_and_stage(data.get("pipeline"), data.get("stage"))
    owner = _active_user(data["owner_id"], "owner_id") if data.get("owner_id") else user
    if owner is None:
        raise _invalid("owner_id", "a deal needs an owner")
    _check_owner(user, owner)
    co_owners = _co_owner_ids(data.get("co_owner_ids"), owner.id)
    now = utcnow()
    # A deal born lost reached no further than the first stage.
    furthest = stages.first_stage(pipeline) if stage.kind == LOST else stage
    deal = Deal(
        customer=customer, pipeline=pipeline, stage=stage, max_stage=furthest, status=stage.kind,
        title=title[:200], amount=parse_amount(data.get("amount", "0")), owner=owner,
        expected_close=_parse_date(data.get("expected_close"), "expected_close"),
        territory=str(data.get("territory") or customer.region or "")[:100],
        description=str(data.get("description") or ""), stage_changed_at=now,
        closed_at=now if stage.kind != OPEN else None, created_by=user, created_at=now,
        updated_at=now,
    )
    with write_transaction():
        deal.save(force_insert=True)
        for user_id in co_owners:
            DealCoOwner.create(deal=deal, user=user_id)
        StageChange.create(deal=deal, from_stage=None, to_stage=stage, user=user, at=now,
                           amount=deal.amount)
        aggregates.apply_change(None, aggregates.contribution(deal))
        audit("create", ENTITY, deal.id, diff(None, _audited(deal, co_owners)), user)
    _send(record_created, deal, user, entity=ENTITY, record=deal, record_id=deal.id)
    _send(signals.deal_created, deal, user)
    if stage.kind != OPEN:
        _send(signals.deal_won if stage.kind == WON else signals.deal_lost, deal, user)
    return deal


def _pipeline_and_stage(pipeline_key: Any, stage_key: Any) -> tuple[Pipeline, Stage]:
    pipeline = None
    if pipeline_key not in (None, ""):
        pipeline = Pipeline.get_or_none(Pipeline.key == str(pipeline_key))
        if pipeline is None:
            raise _invalid("pipeline", f"no pipeline {pipeline_key!r}")
    if stage_key in (None, ""):
        pipeline = pipeline or stages.default_pipeline()
        return pipeline, stages.first_stage(pipeline)
    stage = stages.stage_by_key(stage_key)
    if pipeline is not None and stage.pipeline_id != pipeline.id:
        raise _invalid("stage", f"stage {stage.key!r} belongs to another pipeline")
    return stage.pipeline, stage


# -- reading ------------------------------------------------------------------------------------


def get_deal(user: User | None, deal_id: Any, action: str = "read") -> Deal:
    """A live deal the user may ``action``: 404 when absent or invisible, 403 when visible but
    the action is not allowed."""
    try:
        deal_id = int(deal_id)
    except (TypeError, ValueError):
        raise ApiError(404, "no such deal") from None
    deal = Deal.live().where(Deal.id == deal_id).first()
    if deal is None:
        raise ApiError(404, "no such deal")
    if user is not None:
        if not permissions.can(user, "read", ENTITY, deal):
            raise ApiError(404, "no such deal")
        if action != "read" and not permissions.can(user, action, ENTITY, deal):
            raise ApiError(403, f"you may not {action} this deal")
    return deal


def co_owner_ids(deal: Deal | int) -> list[int]:
    deal_id = deal if isinstance(deal, int) else deal.id
    return [row.user_id for row in DealCoOwner.select(DealCoOwner.user)
            .where(DealCoOwner.deal == deal_id).order_by(DealCoOwner.id)]


def history(deal: Deal) -> list[StageChange]:
    """The deal's stage changes, oldest first."""
    return list(StageChange.select().where(StageChange.deal == deal).order_by(StageChange.id))


# -- changing -----------------------------------------------------------------------------------


def move_stage(user: User | None, deal: Deal, stage_key: Any, expected_version: int | None = None) -> Deal:
    """Move a deal to another stage of its pipeline (422 for another pipeline's stage)."""
    if user is not None:
        deal = get_deal(user, deal.id, "write")
    stage = stages.stage_by_key(stage_key)
    if stage.pipeline_id != deal.pipeline_id:
        raise _invalid("stage", f"stage {stage.key!r} belongs to another pipeline")
    return update_deal(user, deal, {"stage": stage.key}, expected_version, checked=True)


def update_deal(user: User | None, deal: Deal, changes: Mapping[str, Any],
                expected_version: int | None = None, checked: bool = False) -> Deal:
    """Change a deal's fields (and stage) in one versioned write; 409 on a stale version."""
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise ApiError(422, "unknown fields", fields={k: ["unknown field"] for k in sorted(unknown)})
    if user is not None and not checked:
        deal = get_deal(user, deal.id, "write")
    if expected_version is not None and expected_version != deal.version:
        raise _stale(deal.version)
    values, co_owners = _new_values(user, deal, changes)
    before_co = co_owner_ids(deal)
    if not values and (co_owners is None or co_owners == before_co):
        return deal
    before = aggregates.contribution(deal)
    before_audit = _audited(deal, before_co)
    old_stage = deal.stage
    now = utcnow()
    values.update(version=deal.version + 1, updated_at=now)
    with write_transaction():
        written = Deal.update(**values).where(
            (Deal.id == deal.id) & (Deal.version == deal.version) & Deal.deleted_at.is_null()
        ).execute()
        if written != 1:
            raise _stale(None)
        counted = deal.counted
        for name, value in values.items():
            setattr(deal, name, value)
        if co_owners is not None and co_owners != before_co:
            DealCoOwner.delete().where(DealCoOwner.deal == deal).execute()
            for user_id in co_owners:
                DealCoOwner.create(deal=deal, user=user_id)
        if "stage" in values:
            StageChange.create(deal=deal, from_stage=old_stage, to_stage=deal.stage, user=user,
                               at=now, amount=deal.amount)
        if counted:
            aggregates.apply_change(before, aggregates.contribution(deal))
        changes_made = diff(before_audit, _audited(deal, co_owner_ids(deal)))
        audit("update", ENTITY, deal.id, changes_made, user)
    _send(record_updated, deal, user, entity=ENTITY, record=deal, record_id=deal.id, changes=changes_made)
    if "stage" in values:
        _send(signals.deal_stage_changed, deal, user, from_stage=old_stage.key, to_stage=deal.stage.key)
        if deal.stage.kind == WON:
            _send(signals.deal_won, deal, user)
        elif deal.stage.kind == LOST:
            _send(signals.deal_lost, deal, user)
    return deal


def _stale(current: int | None) -> ApiError:
    suffix = f" (it is at version {current})" if current is not None else ""
    return ApiError(409, f"this deal was changed by someone else{suffix}; reload it and try again")


def _new_values(user: User | None, deal: Deal, changes: Mapping[str, Any]) -> tuple[dict, list | None]:
    values: dict[str, Any] = {}
    if "title" in changes:
        title = str(changes["title"] or "").strip()
        if not title:
            raise _invalid("title", "a deal needs a title")
        values["title"] = title[:200]
    if "amount" in changes:
        values["amount"] = parse_amount(changes["amount"])
    if "expected_close" in changes:
        values["expected_close"] = _parse_date(changes["expected_close"], "expected_close")
    for name in ("territory", "description"):
        if name in changes:
            values[name] = str(changes[name] or "")
    if "customer_id" in changes:
        values["customer"] = visible_customer(user, changes["customer_id"])
    owner_id = deal.owner_id
    if "owner_id" in changes:
        owner = _active_user(changes["owner_id"], "owner_id")
        _check_owner(user, owner)
        values["owner"], owner_id = owner, owner.id
    if "stage" in changes:
        stage = stages.stage_by_key(changes["stage"])
        if stage.pipeline_id != deal.pipeline_id:
            raise _invalid("stage", f"stage {stage.key!r} belongs to another pipeline")
        if stage.id != deal.stage_id:
            values.update(_stage_values(deal, stage))
    values = {k: v for k, v in values.items() if _differs(deal, k, v)}
    co_owners = _co_owner_ids(changes["co_owner_ids"], owner_id) if "co_owner_ids" in changes else None
    if co_owners is None and "owner" in values and owner_id in co_owner_ids(deal):
        co_owners = [i for i in co_owner_ids(deal) if i != owner_id]
    return values, co_owners


def _differs(deal: Deal, name: str, value: Any) -> bool:
    current = getattr(deal, f"{name}_id", None) if isinstance(value, peewee.Model) else getattr(deal, name)
    return (value.id if isinstance(value, peewee.Model) else value) != current


def _stage_values(deal: Deal, stage: Stage) -> dict[str, Any]:
    now = utcnow()
    furthest = deal.max_stage
    if stage.kind != LOST and stage.position > furthest.position:
        furthest = stage
    return {"stage": stage, "status": stage.kind, "max_stage": furthest, "stage_changed_at": now,
            "closed_at": now if stage.kind != OPEN else None}


def _audited(deal: Deal, co_owners: list[int]) -> dict[str, Any]:
    data = snapshot(deal, ("title", "amount", "stage", "owner", "customer", "expected_close",
                           "territory", "description"))
    data["co_owner_ids"] = list(co_owners)
    return data


def _send(signal: Any, deal: Deal, user: User | None, **extra: Any) -> None:
    kwargs = {"tenant": g.tenant.slug, "deal": deal, "user": user, **extra}
    signal.send(current_app.extensions["xietong"], **kwargs)


# -- trash and handover ---------------------------------------------------------------------------


def delete_deal(user: User | None, deal: Deal) -> None:
    """Move a deal to the trash; the aggregates forget it in the same transaction."""
    from core.identity.trash import move_to_trash

    if user is not None:
        deal = get_deal(user, deal.id, "delete")
    with write_transaction():
        move_to_trash(ENTITY, deal, user)
        sync_counted(deal.id)


def restore_deal(user: User | None, deal_id: int) -> Deal:
    """Take a deal out of the trash; the aggregates count it again in the same transaction."""
    from core.identity.trash import restore

    with write_transaction():
        deal = restore(ENTITY, deal_id, user)
        sync_counted(deal.id)
    return Deal.get_by_id(deal.id)


def sync_counted(deal_id: int) -> bool:
    """Make the aggregates count the deal exactly when it is live, whoever trashed or restored
    it (the identity trash signals land here too). Idempotent; returns whether it changed."""
    while True:
        with write_transaction():
            deal = Deal.get_or_none(Deal.id == deal_id)
            if deal is None or deal.counted == (deal.deleted_at is None):
                return False
            wanted = deal.deleted_at is None
            written = Deal.update(counted=wanted, version=Deal.version + 1).where(
                (Deal.id == deal_id) & (Deal.version == deal.version)).execute()
            if written == 1:
                part = aggregates.contribution(deal)
                aggregates.apply_change(None, part) if wanted else aggregates.apply_change(part, None)
                return True


def hand_over_open_deals(customer_ids: Iterable[int] | None, from_user: int, to_user: int,
                         actor: User | None = None) -> int:
    """Give ``from_user``'s open deals on these customers (None: all customers) to ``to_user``,
    and their co-ownership of open deals too. Returns how many deals changed owner."""
    query = Deal.live().where((Deal.owner == from_user) & (Deal.status == OPEN))
    if customer_ids is not None:
        query = query.where(Deal.customer.in_(list(customer_ids)))
    moved = 0
    for deal in list(query):
        while True:
            try:
                update_deal(None, deal, {"owner_id": to_user})
                moved += 1
                break
            except ApiError as exc:
                if exc.status != 409:
                    raise
                deal = Deal.live().where(Deal.id == deal.id).first()
                if deal is None or deal.owner_id != from_user or deal.status != OPEN:
                    break
    _hand_over_co_ownership(customer_ids, from_user, to_user)
    if moved and actor is not None:
        audit("handover", ENTITY, "", {"from_user": from_user, "to_user": to_user, "deals": moved}, actor)
    return moved


def _hand_over_co_ownership(customer_ids: Iterable[int] | None, from_user: int, to_user: int) -> None:
    open_deals = Deal.live(Deal.id).where(Deal.status == OPEN)
    if customer_ids is not None:
        open_deals = open_deals.where(Deal.customer.in_(list(customer_ids)))
    rows = list(DealCoOwner.select().where((DealCoOwner.user == from_user)
                                           & DealCoOwner.deal.in_(open_deals)))
    for row in rows:
        deal = Deal.get_by_id(row.deal_id)
        others = [i for i in co_owner_ids(deal) if i != from_user]
        update_deal(None, deal, {"co_owner_ids": [*others, to_user]})
