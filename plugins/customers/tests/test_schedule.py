"""The schedule: time zones, recurrence (also never-ending), views, permissions."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from core.errors import ApiError
from core.identity.models import Department
from plugins.customers import network_testing as nt
from plugins.customers import schedule
from plugins.customers.schedule_models import ScheduleItem

pytestmark = pytest.mark.xietong_plugins("plugins.customers:plugin")
SHANGHAI, BERLIN = ZoneInfo("Asia/Shanghai"), ZoneInfo("Europe/Berlin")


def utc(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)


def test_shanghai_meeting_at_the_right_hours_in_berlin(kernel, tenant):
    with kernel.tenant_context(tenant):
        owner = nt.act_as(nt.user("wang", "admin", timezone="Asia/Shanghai"))
        berlin = nt.user("klaus", "admin", timezone="Europe/Berlin")
        winter = schedule.create_item(owner, {"title": "周会", "start": "2026-01-12T10:00",
                                              "end": "2026-01-12T11:00", "timezone": "Asia/Shanghai",
                                              "attendee_ids": [berlin.id]})
        assert winter.start == dt.datetime(2026, 1, 12, 2, 0)  # stored in UTC
        seen_here = schedule.item_dict(winter, schedule.times.user_zone(owner))
        seen_there = schedule.item_dict(winter, schedule.times.user_zone(berlin))
        assert seen_here["start"] == "2026-01-12T10:00:00+08:00"
        assert seen_there["start"] == "2026-01-12T03:00:00+01:00"  # CET
        summer = schedule.create_item(owner, {"title": "周会", "start": "2026-07-13T10:00+08:00"})
        assert schedule.item_dict(summer, BERLIN)["start"] == "2026-07-13T04:00:00+02:00"  # CEST
        assert schedule.item_dict(summer, BERLIN)["end"] == "2026-07-13T05:00:00+02:00"  # 1 h default


def test_weekly_series_keeps_shanghai_wall_clock_across_berlin_dst(kernel, tenant):
    with kernel.tenant_context(tenant):
        owner = nt.act_as(nt.user("wang", "admin"))
        item = schedule.create_item(owner, {
            "title": "例会", "start": "2026-03-16T10:00", "end": "2026-03-16T11:00",
            "timezone": "Asia/Shanghai", "rrule": "FREQ=WEEKLY;BYDAY=MO;COUNT=4"})
        found = schedule.occurrences(item, utc(2026, 3, 1), utc(2026, 5, 1))
        assert [o.start.astimezone(SHANGHAI).hour for o in found] == [10, 10, 10, 10]
        # Berlin moves to summer time on 29 March 2026: the same meeting is an hour later there
        assert [o.start.astimezone(BERLIN).hour for o in found] == [3, 3, 4, 4]
        assert item.series_end == dt.datetime(2026, 4, 6, 3, 0)


def test_berlin_series_keeps_berlin_wall_clock(kernel, tenant):
    with kernel.tenant_context(tenant):
        owner = nt.act_as(nt.user("klaus", "admin", timezone="Europe/Berlin"))
        item = schedule.create_item(owner, {"title": "Jour fixe", "start": "2026-03-23T09:00",
                                            "timezone": "Europe/Berlin", "rrule": "FREQ=WEEKLY;COUNT=3"})
        found = schedule.occurrences(item, utc(2026, 3, 1), utc(2026, 5, 1))
        assert [o.start.astimezone(BERLIN).hour for o in found] == [9, 9, 9]
        assert [o.start.astimezone(SHANGHAI).hour for o in found] == [16, 15, 15]


def test_never_ending_rule_is_expanded_only_within_the_window(kernel, tenant):
    with kernel.tenant_context(tenant):
        owner = nt.act_as(nt.user("wang", "admin"))
        item = schedule.create_item(owner, {"title": "站会", "start": "2020-01-01T09:00+08:00",
                                            "end": "2020-01-01T09:15+08:00", "rrule": "RRULE:FREQ=DAILY"})
        assert item.series_end is None and item.rrule == "FREQ=DAILY"
        after, before = schedule.window("month", "2031-05-20", SHANGHAI)
        found = schedule.agenda(owner, after, before)
        assert len(found) == 31 and found[0].start.astimezone(SHANGHAI).day == 1
        huge = schedule.create_item(owner, {"title": "x", "start": "2026-01-01T09:00+08:00",
                                            "rrule": "FREQ=HOURLY;COUNT=1000000"})
        assert huge.series_end is None  # counted as open-ended, never enumerated
        assert len(schedule.occurrences(huge, utc(2026, 1, 1), utc(2026, 3, 1))) == 1000  # capped


@pytest.mark.parametrize("rule, message", [
    ("FREQ=MINUTELY", "hourly"),
    ("FREQ=SECONDLY;COUNT=5", "hourly"),
    ("FREQ=FORTNIGHTLY", "valid"),
    ("DTSTART:20260101T000000Z\nRRULE:FREQ=DAILY", "RRULE value"),
    ("FREQ=DAILY;UNTIL=2026-99-99", "UNTIL"),
    ("FREQ=WEEKLY;BYDAY=XX", "valid"),
])
def test_bad_rules_are_422(kernel, tenant, rule, message):
    with kernel.tenant_context(tenant):
        owner = nt.act_as(nt.user("wang", "admin"))
        with pytest.raises(ApiError) as err:
            schedule.create_item(owner, {"title": "x", "start": "2026-01-01T09:00", "rrule": rule})
        assert err.value.status == 422 and message in err.value.fields["rrule"][0]
        assert ScheduleItem.select().count() == 0


def test_local_until_is_normalised_to_utc(kernel, tenant):
    with kernel.tenant_context(tenant):
        owner = nt.act_as(nt.user("wang", "admin"))
        item = schedule.create_item(owner, {"title": "x", "start": "2026-01-05T09:00",
                                            "rrule": "FREQ=DAILY;UNTIL=20260107"})
        assert "UNTIL=20260107T155959Z" in item.rrule
        assert len(schedule.occurrences(item, utc(2026, 1, 1), utc(2026, 2, 1))) == 3


@pytest.mark.parametrize("data, field", [
    ({"start": "2026-13-01T09:00"}, "start"),
    ({"start": "yesterday"}, "start"),
    ({"end": "2026-01-01T08:00"}, "end"),
    ({"timezone": "Mars/Olympus"}, "timezone"),
    ({"kind": "party"}, "kind"),
    ({"attendee_ids": [4242]}, "attendee_ids"),
    ({"customer_id": 4242}, "customer_id"),
    ({"reminders": [-5]}, "reminders"),
    ({"owner_id": 3}, "owner_id"),
    ({"exdates": ["someday"]}, "exdates"),
])
def test_bad_items_are_422(kernel, tenant, data, field):
    with kernel.tenant_context(tenant):
        owner = nt.act_as(nt.user("wang", "admin"))
        with pytest.raises(ApiError) as err:
            schedule.create_item(owner, {"title": "x", "start": "2026-01-01T09:00", **data})
        assert err.value.status == 422 and field in err.value.fields


def test_exdates_cancel_single_occurrences(kernel, tenant):
    with kernel.tenant_context(tenant):
        owner = nt.act_as(nt.user("wang", "admin"))
        item = schedule.create_item(owner, {"title": "x", "start": "2026-01-05T09:00",
                                            "rrule": "FREQ=DAILY;COUNT=5", "exdates": ["2026-01-07T09:00"]})
        days = [o.start.astimezone(SHANGHAI).day for o in schedule.occurrences(item, utc(2026, 1, 1),
                                                                                utc(2026, 2, 1))]
        assert days == [5, 6, 8, 9]


def test_windows_of_day_week_month():
    assert schedule.window("day", "2026-03-04", SHANGHAI) == (utc(2026, 3, 3, 16), utc(2026, 3, 4, 16))
    assert schedule.window("week", "2026-03-04", SHANGHAI)[0] == utc(2026, 3, 1, 16)  # Monday 2 March
    assert schedule.window("month", "2026-02-14", BERLIN) == (utc(2026, 1, 31, 23), utc(2026, 2, 28, 23))
    for view, day in (("year", "2026-01-01"), ("day", "2026-02-30"), ("week", "soon")):
        with pytest.raises(ApiError) as err:
            schedule.window(view, day, SHANGHAI)
        assert err.value.status == 400


def _office():
    nt.grant("sales", "schedule_item", "own")
    nt.grant("manager", "schedule_item", "subtree")
    nt.grant("sales", "customer", "own")
    nt.grant("manager", "customer", "subtree")
    east = Department.create(name="华东")
    west = Department.create(name="西部")
    boss = nt.user("li", "manager", department=east)
    alice = nt.user("alice", "sales", department=east)
    bob = nt.user("bob", "sales", department=east)
    wu = nt.user("wu", "sales", department=west)
    return boss, alice, bob, wu


def test_views_and_permissions(kernel, tenant):
    with kernel.tenant_context(tenant):
        boss, alice, bob, wu = _office()
        hers = nt.customer("Alice's customer", owner=alice)
        nt.act_as(alice)
        own = schedule.create_item(alice, {"title": "拜访", "start": "2026-03-04T10:00", "kind": "visit"},
                                   customer=hers)
        shared = schedule.create_item(alice, {"title": "联合拜访", "start": "2026-03-05T10:00",
                                              "attendee_ids": [bob.id]})
        nt.act_as(wu)
        far = schedule.create_item(wu, {"title": "西部会议", "start": "2026-03-04T15:00"})
        after, before = schedule.window("week", "2026-03-04", SHANGHAI)

        def titles(user, **kwargs):
            nt.act_as(user)
            return [o.item.title for o in schedule.agenda(user, after, before, **kwargs)]

        assert titles(alice) == ["拜访", "联合拜访"]
        assert titles(bob) == ["联合拜访"]  # an attendee sees it in their own calendar
        assert titles(boss, who="team") == ["拜访", "联合拜访"]  # the east team, not the west
        assert titles(boss, who="team", member=alice.id) == ["拜访", "联合拜访"]
        with pytest.raises(ApiError) as err:
            titles(boss, who="team", member=wu.id)
        assert err.value.status == 404
        with pytest.raises(ApiError) as err:
            titles(alice, who="team")
        assert err.value.status == 403
        assert titles(boss, who="customer", customer=hers) == ["拜访"]
        nt.act_as(bob)
        assert schedule.get_item(bob, shared.id) is not None and schedule.get_item(bob, own.id) is None
        assert schedule.get_item(bob, far.id) is None and schedule.get_item(bob, "x") is None
        with pytest.raises(ApiError):
            schedule.agenda(alice, before, after)
        with pytest.raises(ApiError):
            schedule.agenda(alice, after, after + dt.timedelta(days=400))


def test_customer_history_is_shared_with_who_may_read_the_customer(kernel, tenant):
    from core.identity.permissions import can

    with kernel.tenant_context(tenant):
        boss, alice, bob, wu = _office()
        nt.grant("sales", "customer", "all")
        customer = nt.customer("Shared", owner=bob)
        nt.act_as(alice)
        visit = schedule.create_item(alice, {"title": "拜访", "start": "2026-03-04T10:00", "status": "done",
                                             "outcome": "签了意向书"}, customer=customer)
        nt.act_as(bob)
        assert can(bob, "read", "schedule_item", visit)
        assert not can(bob, "write", "schedule_item", visit)
        history = schedule.agenda(bob, *schedule.window("month", "2026-03-01", SHANGHAI), who="customer",
                                  customer=customer)
        assert [o.item.outcome for o in history] == ["签了意向书"]
        # a done visit counts as activity with the customer
        assert customer.__class__.get_by_id(customer.id).last_activity_at == dt.datetime(2026, 3, 4, 2, 0)


def test_update_and_delete_items(kernel, tenant):
    with kernel.tenant_context(tenant):
        owner = nt.act_as(nt.user("wang", "admin"))
        item = schedule.create_item(owner, {"title": "x", "start": "2026-01-05T09:00",
                                            "end": "2026-01-05T10:30"})
        schedule.update_item(owner, item, {"start": "2026-01-06T09:00"})
        assert item.end - item.start == dt.timedelta(minutes=90) and item.sequence == 1
        schedule.update_item(owner, item, {"rrule": "FREQ=WEEKLY;COUNT=2"})
        assert item.series_end == dt.datetime(2026, 1, 13, 2, 30)
        with pytest.raises(ApiError):
            schedule.update_item(owner, item, {"end": "2026-01-01T00:00"})
        schedule.delete_item(item)
        assert schedule.get_item(owner, item.id) is None
