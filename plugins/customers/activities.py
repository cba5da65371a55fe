"""Activities (关联活动): the major events with a customer, and their tenant-defined types.

Callable without HTTP. Input is validated by the marshmallow schemas in
``activities_schemas``; errors are :class:`core.errors.ApiError` (422 with per-field messages,
409 on conflicts). Creating an activity moves the customer's ``last_activity_at`` forward,
which drives the overdue follow-up list.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from marshmallow import ValidationError

from core.errors import ApiError
from core.identity.models import User, utcnow
from core.identity.permissions import visible
from core.settings import get_setting
from plugins.customers import schedule_time as times
from plugins.customers.activities_models import Activity, ActivityAttachment, ActivityType
from plugins.customers.activities_schemas import ActivityInput, ActivityTypeInput
from plugins.customers.models import Attachment, Contact, Customer

OVERDUE_SETTING = "customers.followup_overdue_days"
DEFAULT_OVERDUE_DAYS = 30

BUILTIN_ACTIVITY_TYPES = (
    ("presales", "Presales", "售前", "#5470c6"),
    ("implementation", "Implementation", "实施", "#91cc75"),
    ("progress", "Project progress", "工程进展", "#fac858"),
    ("acceptance", "Acceptance", "工程验收", "#ee6666"),
    ("after_sales", "After-sales service", "售后服务", "#73c0de"),
    ("campaign", "Campaign", "专题活动", "#3ba272"),
    ("revisit", "Revisit", "回访记录", "#fc8452"),
)


def seed_activity_types() -> None:
    """Create the built-in activity types in the current tenant (idempotent)."""
    for position, (key, name, name_zh, color) in enumerate(BUILTIN_ACTIVITY_TYPES):
        ActivityType.get_or_create(key=key, defaults={"name": name, "name_zh": name_zh, "color": color,
                                                      "builtin": True, "position": position})


def activity_types(include_retired: bool = True) -> list[ActivityType]:
    query = ActivityType.select().order_by(ActivityType.position, ActivityType.id)
    if not include_retired:
        query = query.where(ActivityType.retired == False)  # noqa: E712
    return list(query)


def type_dict(atype: ActivityType) -> dict[str, Any]:
    return {"key": atype.key, "name": atype.name, "name_zh": atype.name_zh, "color": atype.color,
            "builtin": atype.builtin, "retired": atype.retired}


def _load(schema: Any, data: Any, partial: bool = False) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise ApiError(400, "a JSON object is required")
    try:
        return schema.load(data, partial=partial)
    except ValidationError as err:
        raise ApiError(422, "invalid input", fields=_flat(err.messages)) from err


def _flat(messages: Any) -> dict[str, list[str]]:
    if isinstance(messages, dict):
        return {str(k): v if isinstance(v, list) else [str(v)] for k, v in messages.items()}
    return {"_schema": [str(messages)]}


def create_activity_type(data: Any) -> ActivityType:
    values = _load(ActivityTypeInput(), data)
    if ActivityType.select().where(ActivityType.key == values["key"]).exists():
        raise ApiError(422, "invalid activity type", fields={"key": ["this key is taken"]})
    position = ActivityType.select().count()
    return ActivityType.create(position=position, **values)


def update_activity_type(atype: ActivityType, data: Any) -> ActivityType:
    values = _load(ActivityTypeInput(exclude=("key",)), data, partial=True)
    for name, value in values.items():
        setattr(atype, name, value)
    atype.save()
    return atype


def delete_activity_type(atype: ActivityType) -> None:
    """Delete an unused tenant type; built-in or used types can only be retired (409)."""
    if atype.builtin:
        raise ApiError(409, "built-in activity types cannot be deleted; retire them instead")
    if Activity.select().where(Activity.type == atype.key).exists():
        raise ApiError(409, "activities of this type exist; retire the type instead")
    atype.delete_instance()


# -- activities -------------------------------------------------------------------------------


def _check_references(customer: Customer, values: dict[str, Any], current_type: str | None = None) -> None:
    errors: dict[str, list[str]] = {}
    if "type" in values and values["type"] != current_type:
        active = {t.key for t in activity_types(include_retired=False)}
        if values["type"] not in active:
            errors["type"] = [f"unknown activity type; one of: {', '.join(sorted(active))}"]
    if values.get("user_ids"):
        ids = set(values["user_ids"])
        found = {u.id for u in User.select(User.id).where(User.id.in_(ids) & (User.active == True))}  # noqa: E712
        if found != ids:
            errors["user_ids"] = [f"no such user: {', '.join(map(str, sorted(ids - found)))}"]
    if values.get("contact_id") is not None:
        if not Contact.select().where((Contact.id == values["contact_id"]) & (Contact.customer == customer.id)
                                      & Contact.deleted_at.is_null()).exists():
            errors["contact_id"] = ["not a contact of this customer"]
    if values.get("attachment_ids"):
        ids = set(values["attachment_ids"])
        found = {a.id for a in Attachment.select(Attachment.id).where(
            Attachment.id.in_(ids) & (Attachment.customer == customer.id) & Attachment.deleted_at.is_null())}
        if found != ids:
            errors["attachment_ids"] = ["attachments must be files of this customer"]
    if errors:
        raise ApiError(422, "invalid activity", fields=errors)


def _columns(values: dict[str, Any]) -> dict[str, Any]:
    columns = {k: v for k, v in values.items() if k not in ("date", "contact_id", "attachment_ids")}
    if "date" in values:
        try:
            columns["date"] = times.to_storage(times.parse_datetime(values["date"]))
        except ValueError as exc:
            raise ApiError(422, "invalid activity", fields={"date": [str(exc)]}) from exc
    if "contact_id" in values:
        columns["contact"] = values["contact_id"]
    return columns


def create_activity(user: User, customer: Customer, data: Any) -> Activity:
    """Record an activity on ``customer`` (the caller has checked the rights)."""
    values = _load(ActivityInput(), data)
    _check_references(customer, values)
    activity = Activity.create(customer=customer.id, author=user.id, **_columns(values))
    _link_attachments(activity, values.get("attachment_ids") or [])
    touch_customer(customer.id, activity.date)
    return activity


def update_activity(activity: Activity, data: Any) -> Activity:
    values = _load(ActivityInput(), data, partial=True)
    _check_references(activity.customer, values, current_type=activity.type)
    for name, value in _columns(values).items():
        setattr(activity, name, value)
    activity.updated_at = utcnow()
    activity.version += 1
    activity.save()
    if "attachment_ids" in values:
        ActivityAttachment.delete().where(ActivityAttachment.activity == activity.id).execute()
        _link_attachments(activity, values["attachment_ids"] or [])
    touch_customer(activity.customer_id, activity.date)
    return activity


def delete_activity(activity: Activity) -> None:
    activity.deleted_at = utcnow()
    activity.save()


def _link_attachments(activity: Activity, ids: list[int]) -> None:
    for attachment_id in dict.fromkeys(ids):
        ActivityAttachment.create(activity=activity.id, attachment=attachment_id)


def touch_customer(customer_id: int, when: dt.datetime) -> None:
    """Move the customer's last activity forward to ``when`` (never back, never the future)."""
    when = min(when, times.now())
    last = Customer.last_activity_at
    Customer.update(last_activity_at=when).where(
        (Customer.id == customer_id) & (last.is_null() | (last < when))
    ).execute()


def get_activity(customer: Customer, activity_id: Any) -> Activity | None:
    try:
        activity_id = int(activity_id)
    except (TypeError, ValueError):
        return None
    return Activity.live().where((Activity.id == activity_id) & (Activity.customer == customer.id)).first()


def activity_dict(activity: Activity, tz: Any) -> dict[str, Any]:
    attachments = [link.attachment_id for link in
                   ActivityAttachment.select().where(ActivityAttachment.activity == activity.id)]
    return {
        "id": activity.id, "customer_id": activity.customer_id, "type": activity.type,
        "title": activity.title, "date": times.show(activity.date, tz), "user_ids": activity.user_ids,
        "contact_id": activity.contact_id, "people": activity.people, "outcome": activity.outcome,
        "description": activity.description, "deal_id": activity.deal_id,
        "attachment_ids": attachments, "author_id": activity.author_id,
        "created_at": times.show(activity.created_at, tz), "updated_at": times.show(activity.updated_at, tz),
        "version": activity.version,
    }


def list_activities(customer: Customer, type_key: str | None = None, limit: int = 50,
                    cursor: str | None = None,
                    deal_id: int | None = None) -> tuple[list[Activity], str | None]:
    """The customer's activities, newest first (keyset on date and id)."""
    query = Activity.live().where(Activity.customer == customer.id)
    if type_key:
        query = query.where(Activity.type == type_key)
    if deal_id is not None:
        query = query.where(Activity.deal_id == deal_id)
    if cursor:
        at, last_id = _split_cursor(cursor)
        query = query.where((Activity.date < at) | ((Activity.date == at) & (Activity.id < last_id)))
    rows = list(query.order_by(Activity.date.desc(), Activity.id.desc()).limit(limit + 1))
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, f"{rows[-1].date.isoformat()}|{rows[-1].id}" if more else None


def _split_cursor(cursor: str) -> tuple[dt.datetime, int]:
    try:
        at, _, last = cursor.partition("|")
        return dt.datetime.fromisoformat(at), int(last)
    except ValueError as exc:
        raise ApiError(400, "bad cursor") from exc


# -- overdue follow-ups --------------------------------------------------------------------------


def overdue_days() -> int:
    days = get_setting(OVERDUE_SETTING, DEFAULT_OVERDUE_DAYS)
    return days if isinstance(days, int) and not isinstance(days, bool) and days > 0 else DEFAULT_OVERDUE_DAYS


def overdue_customers(user: User, owner_id: int | None = None, days: int | None = None,
                      limit: int = 50) -> list[dict[str, Any]]:
    """Customers of ``owner_id`` (default: ``user``) with no activity for ``days`` days (the tenant
    setting ``customers.followup_overdue_days`` by default), longest silent first; only customers
    ``user`` may read.

    The order is "never touched first (by id), then by last activity, id": two queries, each a
    range of the ``(owner, last_activity_at)`` index read in its order and cut at ``limit`` —
    never a sort of all of the owner's customers (one ``NULLS FIRST`` query would sort on
    PostgreSQL, whose indexes keep NULLs last)."""
    days = days or overdue_days()
    cutoff = times.now() - dt.timedelta(days=days)
    last = Customer.last_activity_at
    query = Customer.select(Customer.id, Customer.name, Customer.owner, last, Customer.created_at).where(
        Customer.deleted_at.is_null() & (Customer.owner == (owner_id or user.id))
    )
    query = visible(query, user, "customer", Customer)
    rows = list(query.where(last.is_null() & (Customer.created_at < cutoff))
                .order_by(Customer.id).limit(limit))
    if len(rows) < limit:
        rows.extend(query.where(last < cutoff).order_by(last, Customer.id).limit(limit - len(rows)))
    now = times.now()
    return [{"id": c.id, "name": c.name, "owner_id": c.owner_id,
             "last_activity_at": times.show(c.last_activity_at, times.user_zone(user)),
             "silent_days": (now - (c.last_activity_at or c.created_at)).days} for c in rows]
