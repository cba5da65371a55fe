"""Reminders go through the real task queue and become in-app notifications, once each."""

from __future__ import annotations

import datetime as dt

import pytest

from plugins.customers import network_testing as nt
from plugins.customers import schedule, schedule_reminders
from plugins.customers.schedule_models import ScheduleNotification as Notification

pytestmark = pytest.mark.xietong_plugins("plugins.customers:plugin")
START = dt.datetime(2026, 3, 4, 2, 0, tzinfo=dt.UTC)  # 10:00 in Shanghai


def run_queue(kernel, tenant, now: dt.datetime) -> None:
    kernel.enqueue("customers.schedule_reminders", tenant=tenant, now=now.isoformat())
    queue = kernel.app.extensions["xietong.queue"]
    assert queue.run_pending() == 1


def test_reminders_are_delivered_by_the_queue_once(kernel, tenant):
    with kernel.tenant_context(tenant):
        owner = nt.act_as(nt.user("wang", "admin"))
        guest = nt.user("klaus", "sales", timezone="Europe/Berlin")
        item = schedule.create_item(owner, {"title": "签约", "start": START.isoformat(), "location": "会议室",
                                            "attendee_ids": [guest.id], "reminders": [15, 60]})
        heard = []
        schedule_reminders.reminder_due.connect(lambda sender, **kw: heard.append(kw), weak=False)
    try:
        run_queue(kernel, tenant, START - dt.timedelta(minutes=90))  # nothing due yet
        with kernel.tenant_context(tenant):
            assert Notification.select().count() == 0
        run_queue(kernel, tenant, START - dt.timedelta(minutes=59))  # the 60-minute reminder
        run_queue(kernel, tenant, START - dt.timedelta(minutes=58))  # nothing new
        with kernel.tenant_context(tenant):
            rows = list(Notification.select().order_by(Notification.user))
            assert [(n.user_id, n.title) for n in rows] == [(owner.id, "签约"), (guest.id, "签约")]
            assert rows[0].body == "2026-03-04 10:00 会议室"  # the owner's zone: the tenant's
            assert rows[1].body == "2026-03-04 03:00 会议室"  # Berlin
            assert rows[0].url.endswith(f"/schedule/items/{item.id}")
        run_queue(kernel, tenant, START - dt.timedelta(minutes=10))  # the 15-minute reminder
        with kernel.tenant_context(tenant):
            assert Notification.select().count() == 4
        assert len(heard) == 4 and {h["item_id"] for h in heard} == {item.id}
    finally:
        schedule_reminders.reminder_due.receivers.clear()


def test_recurring_items_remind_per_occurrence_and_late_workers_catch_up(kernel, tenant):
    with kernel.tenant_context(tenant):
        owner = nt.act_as(nt.user("wang", "admin"))
        schedule.create_item(owner, {"title": "站会", "start": START.isoformat(), "rrule": "FREQ=DAILY",
                                     "reminders": [5]})
        schedule.create_item(owner, {"title": "取消了", "start": START.isoformat(), "reminders": [5],
                                     "status": "cancelled"})
        for day in range(3):
            written = schedule_reminders.deliver_due(START + dt.timedelta(days=day, minutes=-2))
            assert written == 1
        # a worker that was down delivers until shortly after the start, not hours later
        assert schedule_reminders.deliver_due(START + dt.timedelta(days=3, minutes=10)) == 1
        assert schedule_reminders.deliver_due(START + dt.timedelta(days=4, hours=2)) == 0
        keys = [n.key for n in Notification.select().order_by(Notification.key)]
        assert len(keys) == len(set(keys)) == 4


def test_notifications_list_and_read(kernel, tenant):
    with kernel.tenant_context(tenant):
        owner = nt.act_as(nt.user("wang", "admin"))
        other = nt.user("li", "admin")
        schedule.create_item(owner, {"title": "a", "start": START.isoformat(), "reminders": [0]})
        schedule_reminders.deliver_due(START)
        (note,) = schedule_reminders.notifications(owner)
        assert schedule_reminders.notifications(other) == []
        assert not schedule_reminders.mark_read(other, note.id)  # not theirs
        assert schedule_reminders.mark_read(owner, note.id)
        assert schedule_reminders.notifications(owner, unread_only=True) == []
        assert schedule_reminders.notification_dict(note, dt.UTC)["title"] == "a"
        assert not schedule_reminders.mark_read(owner, "nope")


def test_the_periodic_task_is_registered_per_tenant(kernel, tenant):
    names = [p.name for _, p in kernel.periodic_tasks]
    assert "customers.schedule_reminders" in names
    plugin, periodic = next((pl, p) for pl, p in kernel.periodic_tasks
                            if p.name == "customers.schedule_reminders")
    outcome = kernel.app.extensions["xietong.queue"].run_periodic(plugin, periodic)
    assert outcome[tenant] == "ok"
