"""iCalendar: export read back by the icalendar parser, import (all-or-nothing), feed tokens."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import icalendar
import pytest
from dateutil.rrule import rrulestr

from plugins.customers import ical, ical_feeds, schedule
from plugins.customers import network_testing as nt
from plugins.customers.schedule_models import ScheduleItem

pytestmark = pytest.mark.xietong_plugins("plugins.customers:plugin")
SHANGHAI = ZoneInfo("Asia/Shanghai")


def weekly(owner, customer=None, **extra):
    data = {"title": "项目例会", "start": "2026-03-16T10:00", "end": "2026-03-16T11:30",
            "timezone": "Asia/Shanghai", "rrule": "FREQ=WEEKLY;BYDAY=MO;COUNT=6", "location": "上海浦东",
            "exdates": ["2026-03-30T10:00"], "reminders": [15], "description": "带上报价单", **extra}
    return schedule.create_item(owner, data, customer=customer)


def test_export_is_read_back_with_zone_recurrence_and_alarm(kernel, tenant):
    with kernel.tenant_context(tenant):
        owner = nt.act_as(nt.user("wang", "admin"))
        guest = nt.user("klaus", "sales", timezone="Europe/Berlin")
        customer = nt.customer("华新科技")
        item = weekly(owner, customer, attendee_ids=[guest.id])
        body = ical.export_calendar([item], "王的日程", base_url="https://crm.example/t/acme")
    cal = icalendar.Calendar.from_ical(body)
    assert str(cal["X-WR-CALNAME"]) == "王的日程"
    zones = [str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")]
    assert zones == ["Asia/Shanghai"]
    (event,) = cal.walk("VEVENT")
    start = event.decoded("DTSTART")
    assert event["DTSTART"].params["TZID"] == "Asia/Shanghai"
    assert (start.hour, start.minute, start.utcoffset()) == (10, 0, dt.timedelta(hours=8))
    assert event.decoded("DTEND") - start == dt.timedelta(minutes=90)
    assert str(event["SUMMARY"]) == "项目例会" and str(event["LOCATION"]) == "上海浦东"
    assert str(event["UID"]) == item.uid and str(event["X-XIETONG-CUSTOMER"]) == str(customer.id)
    assert str(event["URL"]) == f"https://crm.example/t/acme/customers/{customer.id}"
    assert str(event["ORGANIZER"]) == "mailto:wang@example.com"
    assert [str(a) for a in event.get("ATTENDEE") if a] == ["mailto:klaus@example.com"] or \
        str(event.get("ATTENDEE")) == "mailto:klaus@example.com"
    # the recurrence a client computes from the file: six Mondays at 10:00 Shanghai minus one
    rule = rrulestr(event["RRULE"].to_ical().decode(), dtstart=start)
    excluded = {d.dt for d in event["EXDATE"].dts} if not isinstance(event["EXDATE"], list) else \
        {d.dt for group in event["EXDATE"] for d in group.dts}
    dates = [d for d in rule if d not in excluded]
    assert len(dates) == 5 and all(d.astimezone(SHANGHAI).hour == 10 for d in dates)
    assert dt.datetime(2026, 3, 30, 10, tzinfo=SHANGHAI) not in dates
    (alarm,) = event.walk("VALARM")
    assert alarm.decoded("TRIGGER") == dt.timedelta(minutes=-15)


def test_all_day_items_export_as_dates(kernel, tenant):
    with kernel.tenant_context(tenant):
        owner = nt.act_as(nt.user("wang", "admin"))
        item = schedule.create_item(owner, {"title": "展会", "start": "2026-05-01", "all_day": True})
        (event,) = icalendar.Calendar.from_ical(ical.export_calendar([item], "x")).walk("VEVENT")
    assert event.decoded("DTSTART") == dt.date(2026, 5, 1) and event.decoded("DTEND") == dt.date(2026, 5, 2)


def test_round_trip_into_another_tenant(kernel, tenant_factory):
    first, second = tenant_factory(), tenant_factory()
    with kernel.tenant_context(first):
        owner = nt.act_as(nt.user("wang", "admin"))
        body = ical.export_calendar([weekly(owner)], "x")
    with kernel.tenant_context(second):
        someone = nt.act_as(nt.user("klaus", "admin", timezone="Europe/Berlin"))
        report = ical.import_calendar(someone, body)
        assert report.to_dict() == {"created": 1, "updated": 0, "skipped": 0, "errors": []}
        item = ScheduleItem.get()
        assert (item.timezone, item.owner_id, item.title) == ("Asia/Shanghai", someone.id, "项目例会")
        found = schedule.occurrences(item, dt.datetime(2026, 3, 1, tzinfo=dt.UTC),
                                     dt.datetime(2026, 6, 1, tzinfo=dt.UTC))
        berlin = [o.start.astimezone(ZoneInfo("Europe/Berlin")).hour for o in found]
        assert berlin == [3, 3, 4, 4, 4]  # 30 March excluded; Berlin summer time from 29 March
        # importing again updates the same item (same UID, same owner)
        again = ical.import_calendar(someone, body)
        assert (again.created, again.updated) == (0, 1) and ScheduleItem.select().count() == 1


BROKEN = b"""BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//test//EN
BEGIN:VEVENT
UID:good-1
DTSTART;TZID=Europe/Berlin:20260310T090000
DTEND;TZID=Europe/Berlin:20260310T100000
SUMMARY:Good one
END:VEVENT
BEGIN:VEVENT
UID:bad-2
DTSTART:20261345T250000
SUMMARY:Bad date
END:VEVENT
BEGIN:VEVENT
UID:bad-3
SUMMARY:No start
END:VEVENT
END:VCALENDAR
"""


def test_malformed_dates_reject_the_whole_file(kernel, tenant):
    with kernel.tenant_context(tenant):
        owner = nt.act_as(nt.user("wang", "admin"))
        report = ical.import_calendar(owner, BROKEN)
        assert report.created == 0 and ScheduleItem.select().count() == 0
        assert [(e["row"], e["field"]) for e in report.errors] == [(2, "start"), (3, "start")]
        good_only = BROKEN.split(b"BEGIN:VEVENT\nUID:bad-2")[0] + b"END:VCALENDAR\n"
        report = ical.import_calendar(owner, good_only)
        assert report.created == 1 and not report.errors
        item = ScheduleItem.get()
        assert item.timezone == "Europe/Berlin" and item.start == dt.datetime(2026, 3, 10, 8, 0)


@pytest.mark.parametrize("body, field", [
    (b"this is not a calendar", "file"),
    (b"BEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:x\nDTSTART:20260101T090000\nRRULE:FREQ=MINUTELY\n"
     b"END:VEVENT\nEND:VCALENDAR\n", "rrule"),
    (b"BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART:20260101T090000\nEND:VEVENT\nEND:VCALENDAR\n", "uid"),
    (b"BEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:y\nDTSTART:20260101T090000\nDTEND:20250101T090000\n"
     b"END:VEVENT\nEND:VCALENDAR\n", "end"),
])
def test_bad_files(kernel, tenant, body, field):
    with kernel.tenant_context(tenant):
        owner = nt.act_as(nt.user("wang", "admin"))
        report = ical.import_calendar(owner, body)
        assert report.errors and report.errors[0]["field"] == field and report.created == 0
        assert ScheduleItem.select().count() == 0


def test_floating_times_and_dry_run(kernel, tenant):
    floating = (b"BEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:f1\nDTSTART:20260101T090000\nDURATION:PT30M\n"
                b"RRULE:FREQ=DAILY;UNTIL=20260103\nEND:VEVENT\nEND:VCALENDAR\n")
    with kernel.tenant_context(tenant):
        owner = nt.act_as(nt.user("klaus", "admin", timezone="Europe/Berlin"))
        dry = ical.import_calendar(owner, floating, dry_run=True)
        assert dry.created == 1 and ScheduleItem.select().count() == 0
        ical.import_calendar(owner, floating)
        item = ScheduleItem.get()
        assert item.timezone == "Europe/Berlin" and item.start == dt.datetime(2026, 1, 1, 8, 0)
        assert item.end - item.start == dt.timedelta(minutes=30)
        assert len(schedule.occurrences(item, dt.datetime(2025, 12, 1, tzinfo=dt.UTC),
                                        dt.datetime(2026, 2, 1, tzinfo=dt.UTC))) == 3


def test_someone_elses_uid_is_skipped(kernel, tenant):
    with kernel.tenant_context(tenant):
        owner = nt.act_as(nt.user("wang", "admin"))
        body = ical.export_calendar([weekly(owner)], "x")
        other = nt.act_as(nt.user("li", "admin"))
        report = ical.import_calendar(other, body)
        assert (report.created, report.skipped) == (0, 1)
        assert ScheduleItem.get().owner_id == owner.id


def test_feed_tokens_are_secret_revocable_and_replaceable(kernel, tenant):
    with kernel.tenant_context(tenant):
        owner = nt.act_as(nt.user("wang", "admin"))
        token = ical_feeds.create_feed(owner)
        assert token.startswith("cal_") and len(token) > 40
        assert ical_feeds.user_for_feed(token).id == owner.id
        assert token not in repr(list(ical_feeds.CalendarFeed.select().dicts()))  # only the hash is kept
        newer = ical_feeds.create_feed(owner)
        assert ical_feeds.user_for_feed(token) is None and ical_feeds.user_for_feed(newer).id == owner.id
        assert ical_feeds.revoke_feed(owner) and ical_feeds.user_for_feed(newer) is None
        assert ical_feeds.feed_of(owner) is None
        for bad in (None, "", "x" * 500, "cal_guess"):
            assert ical_feeds.user_for_feed(bad) is None
        again = ical_feeds.create_feed(owner)
        owner.active = False
        owner.save()
        assert ical_feeds.user_for_feed(again) is None
