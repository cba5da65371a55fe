"""The schedule (关联日程): calendar items tied to customers, expanded into occurrences for views.

Callable without HTTP. An item belongs to its ``owner``; attendees are users. Who sees what is
the permission engine's business (entity ``schedule_item``, owner-based record rules, plus the
sharing rule in ``schedule_access``: attendees, and everyone who may read the item's customer).
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from core.errors import ApiError
from core.identity.models import User, utcnow
from core.identity.permissions import scope_of, visible
from plugins.customers import schedule_rrule as recurrence
from plugins.customers import schedule_time as times
from plugins.customers.activities import _load, touch_customer
from plugins.customers.models import Contact, Customer
from plugins.customers.relations import visible_customer
from plugins.customers.schedule_models import ScheduleAttendee, ScheduleItem
from plugins.customers.schedule_schemas import ScheduleInput

VIEWS = ("day", "week", "month")
MAX_WINDOW_DAYS = 62


@dataclass
class Occurrence:
    item: ScheduleItem
    start: dt.datetime  # aware UTC
    end: dt.datetime

    @property
    def key(self) -> str:
        return f"{self.item.id}:{self.start.strftime('%Y%m%dT%H%M%SZ')}"


# -- writing ------------------------------------------------------------------------------------


def _resolve(user: User, values: dict[str, Any], item: ScheduleItem | None) -> dict[str, Any]:
    """Column values from validated input, checked against the database and each other."""
    errors: dict[str, list[str]] = {}
    current = item
    tz_name = values.get("timezone") or (current.timezone if current else times.tenant_zone().key)
    if not times.valid_zone(tz_name):
        errors["timezone"] = ["an IANA time zone such as Asia/Shanghai"]
        tz_name = "UTC"
    tz = ZoneInfo(tz_name)
    columns: dict[str, Any] = {"timezone": tz_name}
    start = end = None
    try:
        start = times.parse_datetime(values["start"], tz) if "start" in values else (
            times.from_storage(current.start) if current else None)
    except ValueError as exc:
        errors["start"] = [str(exc)]
    try:
        if values.get("end"):
            end = times.parse_datetime(values["end"], tz)
        elif current and "end" not in values and start is not None:
            end = start + (current.end - current.start)
        elif start is not None:
            end = start + (dt.timedelta(days=1) if values.get("all_day") else dt.timedelta(hours=1))
    except ValueError as exc:
        errors["end"] = [str(exc)]
    if start is not None and end is not None and end < start:
        errors["end"] = ["the end is before the start"]
    rule_text = values["rrule"] if "rrule" in values else (current.rrule if current else "")
    series_end = None
    if start is not None and end is not None and "end" not in errors:
        columns.update(start=times.to_storage(start), end=times.to_storage(end))
        try:
            rule_text = recurrence.normalise(rule_text, tz)
            series_end = end
            if rule_text:
                rule = recurrence.build(rule_text, start.astimezone(tz))
                last = recurrence.last_start(rule)
                series_end = None if last is None else last + (end - start)
        except recurrence.RecurrenceError as exc:
            errors["rrule"] = [str(exc)]
        columns.update(rrule=rule_text,
                       series_end=times.to_storage(series_end) if series_end is not None else None)
    exdates = []
    for raw in values.get("exdates", []):
        try:
            exdates.append(times.to_storage(times.parse_datetime(raw, tz)).isoformat())
        except ValueError as exc:
            errors.setdefault("exdates", []).append(str(exc))
    if "exdates" in values:
        columns["exdates"] = exdates
    customer_id = values.get("customer_id", current.customer_id if current else None)
    if "customer_id" in values and customer_id is not None and visible_customer(user, customer_id) is None:
        errors["customer_id"] = ["no such customer"]
    contact_id = values.get("contact_id", current.contact_id if current else None)
    if contact_id is not None and ("contact_id" in values or "customer_id" in values):
        owner_ok = Contact.select().where((Contact.id == contact_id) & (Contact.customer == customer_id)
                                          & Contact.deleted_at.is_null()).exists()
        if not owner_ok:
            errors["contact_id"] = ["not a contact of this item's customer"]
    if values.get("attendee_ids"):
        ids = set(values["attendee_ids"])
        found = {u.id for u in User.select(User.id).where(User.id.in_(ids) & (User.active == True))}  # noqa: E712
        if found != ids:
            errors["attendee_ids"] = [f"no such user: {', '.join(map(str, sorted(ids - found)))}"]
    if errors:
        raise ApiError(422, "invalid schedule item", fields=errors)
    for name in ("title", "kind", "description", "location", "all_day", "deal_id", "reminders",
                 "status", "outcome"):
        if name in values:
            columns[name] = values[name]
    if "customer_id" in values:
        columns["customer"] = customer_id
    if "contact_id" in values:
        columns["contact"] = contact_id
    return columns


def create_item(user: User, data: Any, customer: Customer | None = None,
                uid: str | None = None) -> ScheduleItem:
    """Plan an item owned by ``user``; ``customer`` (already checked) ties it to a customer."""
    values = _load(ScheduleInput(), data)
    if customer is not None:
        if values.get("customer_id") not in (None, customer.id):
            raise ApiError(422, "invalid schedule item", fields={"customer_id": ["differs from the URL"]})
        values["customer_id"] = customer.id
    columns = _resolve(user, values, None)
    item = ScheduleItem.create(owner=user.id, uid=uid or f"{uuid.uuid4()}@xietong", **columns)
    set_attendees(item, values.get("attendee_ids") or [])
    if item.status == "done" and item.customer_id:
        touch_customer(item.customer_id, item.start)
    return item


def update_item(user: User, item: ScheduleItem, data: Any) -> ScheduleItem:
    values = _load(ScheduleInput(), data, partial=True)
    columns = _resolve(user, values, item)
    for name, value in columns.items():
        setattr(item, name, value)
    item.updated_at = utcnow()
    item.version += 1
    item.sequence += 1
    item.save()
    if "attendee_ids" in values:
        set_attendees(item, values["attendee_ids"] or [])
    if item.status == "done" and item.customer_id:
        touch_customer(item.customer_id, item.start)
    return item


def delete_item(item: ScheduleItem) -> None:
    item.deleted_at = utcnow()
    item.save()


def set_attendees(item: ScheduleItem, user_ids: list[int]) -> None:
    ScheduleAttendee.delete().where(ScheduleAttendee.item == item.id).execute()
    for user_id in dict.fromkeys(user_ids):
        ScheduleAttendee.create(item=item.id, user=user_id)


def attendee_ids(item: ScheduleItem) -> list[int]:
    return [row.user_id for row in ScheduleAttendee.select(ScheduleAttendee.user)
            .where(ScheduleAttendee.item == item.id).order_by(ScheduleAttendee.user)]


# -- reading ------------------------------------------------------------------------------------


def occurrences(item: ScheduleItem, after: dt.datetime, before: dt.datetime) -> list[Occurrence]:
    """The item's occurrences overlapping [after, before) (aware UTC), without cancelled dates."""
    start, end = times.from_storage(item.start), times.from_storage(item.end)
    length = end - start
    if not item.rrule:
        overlaps = start < before and (end > after or (end == start and start >= after))
        return [Occurrence(item, start, end)] if overlaps else []
    tz = times.zone(item.timezone)
    rule = recurrence.build(item.rrule, start.astimezone(tz))
    skipped = set(item.exdates or [])
    found = []
    for moment in recurrence.starts_between(rule, (after - length).astimezone(tz), before.astimezone(tz)):
        utc = moment.astimezone(dt.UTC)
        if utc.replace(tzinfo=None).isoformat() in skipped:
            continue
        if utc + length > after or (length == dt.timedelta(0) and utc >= after):
            found.append(Occurrence(item, utc, utc + length))
    return found


def window(view: str, day: str | None, tz: ZoneInfo) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) in aware UTC of the day, week (Monday first) or month containing ``day``."""
    if view not in VIEWS:
        raise ApiError(400, f"view must be one of {', '.join(VIEWS)}")
    try:
        anchor = dt.date.fromisoformat(day) if day else dt.datetime.now(tz).date()
    except ValueError as exc:
        raise ApiError(400, "date must be YYYY-MM-DD") from exc
    if view == "day":
        first, last = anchor, anchor + dt.timedelta(days=1)
    elif view == "week":
        first = anchor - dt.timedelta(days=anchor.weekday())
        last = first + dt.timedelta(days=7)
    else:
        first = anchor.replace(day=1)
        last = (first + dt.timedelta(days=32)).replace(day=1)
    local = [dt.datetime.combine(d, dt.time(), tzinfo=tz) for d in (first, last)]
    return local[0].astimezone(dt.UTC), local[1].astimezone(dt.UTC)


def team_ids(user: User) -> list[int] | None:
    """The users whose schedules ``user`` may see as a team (None: everyone); 403 for none."""
    from core.identity.permissions import department_subtree

    scope = scope_of(user, "schedule_item", "read")
    if scope == "all":
        return None
    if scope not in ("department", "subtree") or user.department_id is None:
        raise ApiError(403, "the team view is for managers")
    departments = [user.department_id] if scope == "department" else department_subtree(user.department_id)
    return [u.id for u in User.select(User.id).where(User.department.in_(departments))]


def agenda(user: User, after: dt.datetime, before: dt.datetime, who: str = "mine",
           customer: Customer | None = None, member: int | None = None) -> list[Occurrence]:
    """Occurrences in [after, before) of the items ``user`` may read, for:
    ``mine`` (owned or attending), ``team`` (owned by the user's team; managers),
    ``customer`` (the customer's history) or ``member`` (one user of the team)."""
    if before <= after or before - after > dt.timedelta(days=MAX_WINDOW_DAYS):
        raise ApiError(400, f"the window must be positive and at most {MAX_WINDOW_DAYS} days")
    lo, hi = times.to_storage(after), times.to_storage(before)
    query = ScheduleItem.live().where(
        (ScheduleItem.start < hi) & (ScheduleItem.series_end.is_null() | (ScheduleItem.series_end >= lo))
    )
    if who == "mine":
        attending = ScheduleAttendee.select(ScheduleAttendee.item).where(ScheduleAttendee.user == user.id)
        query = query.where((ScheduleItem.owner == user.id) | ScheduleItem.id.in_(attending))
    elif who == "team":
        team = team_ids(user)
        if member is not None:
            if team is not None and member not in team:
                raise ApiError(404, "no such member of your team")
            query = query.where(ScheduleItem.owner == member)
        elif team is not None:
            query = query.where(ScheduleItem.owner.in_(team))
    elif who == "customer" and customer is not None:
        query = query.where(ScheduleItem.customer == customer.id)
    else:
        raise ApiError(400, "who must be mine, team or customer")
    query = visible(query, user, "schedule_item", ScheduleItem)
    found: list[Occurrence] = []
    for item in query.order_by(ScheduleItem.start, ScheduleItem.id).limit(5000):
        found.extend(occurrences(item, after, before))
    found.sort(key=lambda o: (o.start, o.item.id))
    return found


def item_dict(item: ScheduleItem, tz: ZoneInfo, occurrence: Occurrence | None = None,
              customer_names: dict[int, str] | None = None) -> dict[str, Any]:
    start = occurrence.start if occurrence else times.from_storage(item.start)
    end = occurrence.end if occurrence else times.from_storage(item.end)
    data = {
        "id": item.id, "title": item.title, "kind": item.kind, "start": start.astimezone(tz).isoformat(),
        "end": end.astimezone(tz).isoformat(), "all_day": item.all_day, "timezone": item.timezone,
        "rrule": item.rrule, "exdates": item.exdates, "recurring": bool(item.rrule),
        "customer_id": item.customer_id, "contact_id": item.contact_id, "deal_id": item.deal_id,
        "owner_id": item.owner_id, "attendee_ids": attendee_ids(item), "location": item.location,
        "description": item.description, "status": item.status, "outcome": item.outcome,
        "reminders": item.reminders, "uid": item.uid, "version": item.version,
    }
    if occurrence is not None:
        data["occurrence"] = occurrence.key
    if customer_names is not None and item.customer_id:
        data["customer_name"] = customer_names.get(item.customer_id)
    return data


def get_item(user: User, item_id: Any) -> ScheduleItem | None:
    """A live item ``user`` may read, else None."""
    try:
        item_id = int(item_id)
    except (TypeError, ValueError):
        return None
    query = ScheduleItem.live().where(ScheduleItem.id == item_id)
    return visible(query, user, "schedule_item", ScheduleItem).first()
