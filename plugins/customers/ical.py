"""iCalendar (RFC 5545) export and import of schedule items, with the ``icalendar`` library.

Export writes each item in its own zone (``DTSTART;TZID=Asia/Shanghai``) with the matching
VTIMEZONE, the RRULE and EXDATEs, attendees, the organiser and a VALARM per reminder, so
Apple Calendar, Google Calendar, Outlook and Thunderbird show the right hours. Import reads
VEVENTs all-or-nothing: every event is checked first and a report names the bad ones
(``{"row": n, "field": f, "message": m}``); nothing is written unless all are good.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
from peewee import IntegrityError

from core.db import tenant_db
from core.identity.models import User
from plugins.customers import schedule_rrule as recurrence
from plugins.customers import schedule_time as times
from plugins.customers.schedule import attendee_ids, create_item, update_item
from plugins.customers.schedule_models import ScheduleItem

PRODID = "-//Xietong CRM//Schedule//ZH"
MAX_IMPORT_BYTES = 5 * 1024 * 1024
MAX_EVENTS = 2000
KIND_CATEGORIES = {"meeting": "MEETING", "call": "CALL", "visit": "VISIT", "task": "TASK"}
STATUS_MAP = {"planned": "CONFIRMED", "done": "CONFIRMED", "cancelled": "CANCELLED"}


def export_calendar(items: Iterable[ScheduleItem], name: str, base_url: str = "") -> bytes:
    """A VCALENDAR with one VEVENT per item."""
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    items = list(items)
    emails = _emails({i.owner_id for i in items} | {u for i in items for u in attendee_ids(i)})
    for item in items:
        cal.add_component(_event(item, emails, base_url))
    cal.add_missing_timezones()
    return cal.to_ical()


def _emails(user_ids: set[int | None]) -> dict[int, tuple[str, str]]:
    ids = [u for u in user_ids if u is not None]
    return {u.id: (u.email, str(u)) for u in User.select().where(User.id.in_(ids))} if ids else {}


def _event(item: ScheduleItem, emails: dict[int, tuple[str, str]], base_url: str) -> icalendar.Event:
    tz = times.zone(item.timezone)
    start = times.from_storage(item.start).astimezone(tz)
    end = times.from_storage(item.end).astimezone(tz)
    event = icalendar.Event()
    event.add("uid", item.uid)
    event.add("dtstamp", times.from_storage(item.updated_at))
    event.add("sequence", item.sequence)
    event.add("summary", item.title)
    if item.all_day:
        event.add("dtstart", start.date())
        event.add("dtend", max(end.date(), start.date() + dt.timedelta(days=1)))
    else:
        event.add("dtstart", start)
        event.add("dtend", end)
    if item.rrule:
        event.add("rrule", icalendar.vRecur.from_ical(item.rrule))
        for raw in item.exdates or []:
            moment = dt.datetime.fromisoformat(raw).replace(tzinfo=dt.UTC).astimezone(tz)
            event.add("exdate", moment.date() if item.all_day else moment)
    for name in ("description", "location"):
        if getattr(item, name):
            event.add(name, getattr(item, name))
    event.add("categories", [KIND_CATEGORIES.get(item.kind, "MEETING")])
    event.add("status", STATUS_MAP.get(item.status, "CONFIRMED"))
    if item.owner_id in emails and emails[item.owner_id][0]:
        email, label = emails[item.owner_id]
        event.add("organizer", f"mailto:{email}", parameters={"CN": label})
    for user_id in attendee_ids(item):
        if user_id in emails and emails[user_id][0]:
            email, label = emails[user_id]
            event.add("attendee", f"mailto:{email}", parameters={"CN": label, "ROLE": "REQ-PARTICIPANT"})
    if item.customer_id:
        event.add("x-xietong-customer", str(item.customer_id))
        if base_url:
            event.add("url", f"{base_url}/customers/{item.customer_id}")
    for minutes in item.reminders or []:
        alarm = icalendar.Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", item.title)
        alarm.add("trigger", dt.timedelta(minutes=-minutes))
        event.add_component(alarm)
    return event


# -- import ------------------------------------------------------------------------------------


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    skipped: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"created": self.created, "updated": self.updated, "skipped": self.skipped,
                "errors": self.errors}


def import_calendar(user: User, data: bytes, customer_id: int | None = None,
                    dry_run: bool = False) -> ImportReport:
    """Create (or, for UIDs the user already owns, update) items from an .ics file."""
    report = ImportReport()
    if len(data) > MAX_IMPORT_BYTES:
        report.errors.append({"row": 0, "field": "file", "message": "the file is larger than 5 MB"})
        return report
    try:
        cal = icalendar.Calendar.from_ical(data)
    except (ValueError, IndexError, KeyError) as exc:
        report.errors.append({"row": 0, "field": "file", "message": f"not an iCalendar file: {exc}"})
        return report
    events = list(cal.walk("VEVENT"))
    if len(events) > MAX_EVENTS:
        report.errors.append({"row": 0, "field": "file", "message": f"more than {MAX_EVENTS} events"})
        return report
    planned = []
    for row, event in enumerate(events, start=1):
        try:
            planned.append(_event_input(event, times.user_zone(user), customer_id))
        except _RowError as err:
            report.errors.append({"row": row, "field": err.field, "message": err.message})
    if report.errors:
        return report
    try:
        with tenant_db.atomic() as transaction:
            _apply(user, planned, report)
            if dry_run:
                transaction.rollback()
    except _RowError as err:  # a row the database refused: nothing is kept
        report.created = report.updated = 0
        report.errors.append({"row": err.row, "field": err.field, "message": err.message})
    return report


def _apply(user: User, planned: list[tuple[str, dict[str, Any]]], report: ImportReport) -> None:
    from core.errors import ApiError

    for row, (uid, values) in enumerate(planned, start=1):
        existing = ScheduleItem.get_or_none(ScheduleItem.uid == uid)
        try:
            if existing is None:
                create_item(user, values, uid=uid)
                report.created += 1
            elif existing.owner_id == user.id and existing.deleted_at is None:
                update_item(user, existing, values)
                report.updated += 1
            else:
                report.skipped += 1
        except ApiError as exc:
            name, messages = next(iter(exc.fields.items()), ("file", [exc.message]))
            raise _RowError(name, "; ".join(messages), row) from exc
        except IntegrityError as exc:
            raise _RowError("uid", "this UID is already used", row) from exc


class _RowError(Exception):
    def __init__(self, field_name: str, message: str, row: int = 0):
        super().__init__(message)
        self.field, self.message, self.row = field_name, message, row


def _when(event: icalendar.Event, name: str, tz: ZoneInfo) -> tuple[dt.datetime, bool, str | None]:
    """(aware moment, all-day?, zone name) of DTSTART/DTEND; floating times take ``tz``."""
    prop = event.get(name)
    label = "start" if name == "DTSTART" else "end"
    try:
        value = prop.dt
        tzid = prop.params.get("TZID") if hasattr(prop, "params") else None
    except (AttributeError, ValueError, TypeError) as exc:
        raise _RowError(label, f"malformed {name}") from exc
    if isinstance(value, dt.datetime):
        zone_name = getattr(value.tzinfo, "key", None) or (tzid if tzid and times.valid_zone(tzid) else None)
        if value.tzinfo is None:
            value = value.replace(tzinfo=tz)
        return value, False, zone_name
    if isinstance(value, dt.date):
        return dt.datetime.combine(value, dt.time(), tzinfo=tz), True, None
    raise _RowError(label, f"malformed {name}")


def _event_input(event: icalendar.Event, tz: ZoneInfo, customer_id: int | None) -> tuple[str, dict[str, Any]]:
    if event.get("DTSTART") is None:
        raise _RowError("start", "DTSTART is missing")
    try:
        event.decoded("DTSTART")
        if event.get("DTEND") is not None:
            event.decoded("DTEND")
    except (ValueError, TypeError, KeyError) as exc:
        raise _RowError("start", f"malformed date: {exc}") from exc
    start, all_day, zone_name = _when(event, "DTSTART", tz)
    if event.get("DTEND") is not None:
        end, _, _ = _when(event, "DTEND", tz)
    elif event.get("DURATION") is not None:
        try:
            end = start + event.decoded("DURATION")
        except (ValueError, TypeError) as exc:
            raise _RowError("end", f"malformed DURATION: {exc}") from exc
    else:
        end = start + (dt.timedelta(days=1) if all_day else dt.timedelta(0))
    zone_name = zone_name or tz.key
    values: dict[str, Any] = {
        "title": str(event.get("SUMMARY") or "(no title)")[:200],
        "start": start.isoformat(), "end": end.isoformat(), "all_day": all_day, "timezone": zone_name,
        "description": str(event.get("DESCRIPTION") or ""),
        "location": str(event.get("LOCATION") or "")[:300],
    }
    if customer_id is not None:
        values["customer_id"] = customer_id
    if event.get("RRULE") is not None:
        rule = event.get("RRULE")
        rule = rule[0] if isinstance(rule, list) else rule
        try:
            values["rrule"] = recurrence.normalise(rule.to_ical().decode(), ZoneInfo(zone_name))
        except (recurrence.RecurrenceError, ValueError) as exc:
            raise _RowError("rrule", str(exc)) from exc
        values["exdates"] = _exdates(event, ZoneInfo(zone_name))
    status = str(event.get("STATUS") or "").upper()
    if status == "CANCELLED":
        values["status"] = "cancelled"
    uid = str(event.get("UID") or "").strip()
    if not uid or len(uid) > 255:
        raise _RowError("uid", "UID is missing or longer than 255 characters")
    return uid, values


def _exdates(event: icalendar.Event, tz: ZoneInfo) -> list[str]:
    found = []
    raw = event.get("EXDATE")
    for group in raw if isinstance(raw, list) else [raw] if raw is not None else []:
        for entry in getattr(group, "dts", []):
            value = entry.dt
            if not isinstance(value, dt.datetime):
                raise _RowError("exdates", "date-only EXDATE is not supported on timed events")
            found.append((value if value.tzinfo else value.replace(tzinfo=tz)).isoformat())
    return found
