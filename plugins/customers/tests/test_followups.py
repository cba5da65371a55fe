"""Follow-up records and plans: validation, permissions, the to-do list, reminders once."""

from __future__ import annotations

import datetime as dt

import pytest

from core.identity.models import AuditEntry
from core.identity.permissions import visible
from plugins.customers import collaborators, followups
from plugins.customers.followups_models import Followup, FollowupAttachment, FollowupPlan
from plugins.customers.models import Attachment, Contact
from plugins.customers.pool_common import PoolError, day_start, utcnow
from plugins.customers.pool_models import PoolNotice, PoolState
from plugins.customers.pool_testing import act_as, customer, team

pytestmark = pytest.mark.xietong_plugins("plugins.customers:plugin")
DAY = dt.timedelta(days=1)


@pytest.fixture
def ctx(kernel, tenant):
    with kernel.tenant_context(tenant):
        people = team()
        act_as(people.east1)
        people.acme = customer("Acme", owner=people.east1)
        yield people


def _z(moment: dt.datetime) -> str:
    return moment.replace(tzinfo=dt.UTC).isoformat()


def test_a_followup_with_next_time_plans_the_owners_todo(ctx):
    now = utcnow()
    contact = Contact.create(customer=ctx.acme, name="Li Lei")
    attachment = Attachment.create(customer=ctx.acme, filename="quote.pdf", content_type="application/pdf",
                                   size=10, sha256="0" * 64, storage_key="k1")
    f = followups.create_followup(ctx.east1, ctx.acme.id, {
        "kind": "visit", "content": "Met the buyer", "next_at": _z(now + 2 * DAY), "next_note": "send quote",
        "contact_id": contact.id, "attachment_ids": [attachment.id]}, now=now)
    assert f.author_id == ctx.east1.id and f.contact_id == contact.id
    assert FollowupAttachment.get(FollowupAttachment.followup == f.id).attachment_id == attachment.id
    state = PoolState.get(PoolState.customer == ctx.acme.id)
    assert state.last_followup_at == f.happened_at
    plan = FollowupPlan.get(FollowupPlan.source == f.id)
    assert (plan.user_id, plan.note, plan.kind) == (ctx.east1.id, "send quote", "visit")
    assert followups.plans_due(ctx.east1, now) == []
    assert [p.id for p in followups.plans_due(ctx.east1, now + 2 * DAY)] == [plan.id]
    data = followups.followup_dict(f)
    assert data["attachments"][0]["filename"] == "quote.pdf" and data["kind_label_zh"] == "拜访"
    assert AuditEntry.select().where((AuditEntry.entity == "followup")
                                     & (AuditEntry.action == "create")).exists()
    # The next follow-up on the due day ticks the plan off.
    later = followups.create_followup(ctx.east1, ctx.acme.id, {"kind": "email", "content": "Quote sent"},
                                      now=now + 2 * DAY)
    plan = FollowupPlan.get_by_id(plan.id)
    assert plan.done_at is not None and plan.done_by_id == later.id


def test_bad_input_is_422(ctx):
    now = utcnow()
    cases = [
        ({"kind": "telepathy", "content": "x"}, "kind"),
        ({"kind": "call", "content": "  "}, "content"),
        ({"kind": "call", "content": "x", "happened_at": _z(now + DAY)}, "happened_at"),
        ({"kind": "call", "content": "x", "happened_at": _z(now - DAY), "next_at": _z(now - 2 * DAY)},
         "next_at"),
        ({"kind": "call", "content": "x", "next_at": "tomorrow"}, "next_at"),
        ({"kind": "call", "content": "x", "owner_id": 1}, "owner_id"),
        ({"kind": "call", "content": "x", "attachment_ids": [424242]}, "attachment_ids"),
        ({"kind": "call", "content": "x", "contact_id": 424242}, "contact_id"),
    ]
    for data, field in cases:
        with pytest.raises(PoolError) as err:
            followups.create_followup(ctx.east1, ctx.acme.id, data, now=now)
        assert err.value.status == 422 and field in err.value.fields, (data, err.value.fields)
    assert Followup.select().count() == 0


def test_times_without_offset_are_tenant_local(ctx):
    f = followups.create_followup(ctx.east1, ctx.acme.id, {
        "kind": "call", "content": "x", "happened_at": "2025-03-01T09:30:00"})
    assert f.happened_at == dt.datetime(2025, 3, 1, 1, 30)  # Asia/Shanghai is UTC+8


def test_who_may_record_and_read_followups(ctx):
    with pytest.raises(PoolError) as err:
        followups.create_followup(ctx.east2, ctx.acme.id, {"kind": "call", "content": "x"})
    assert err.value.status == 404  # not their customer: not even visible
    collaborators.add(ctx.east1, ctx.acme.id, {"user": "east2", "access": "read"})
    with pytest.raises(PoolError) as err:
        followups.create_followup(ctx.east2, ctx.acme.id, {"kind": "call", "content": "x"})
    assert err.value.status == 403  # a read-only collaborator may look, not act
    collaborators.add(ctx.east1, ctx.acme.id, {"user": "east2", "access": "write"})
    theirs = followups.create_followup(ctx.east2, ctx.acme.id, {"kind": "wechat", "content": "Sent a sample"})
    mine = followups.create_followup(ctx.east1, ctx.acme.id, {"kind": "call", "content": "Called"})
    mgr_sees = [f.id for f in followups.followups_of(ctx.mgr, ctx.acme.id)]
    assert sorted(mgr_sees) == sorted([theirs.id, mine.id])
    with pytest.raises(PoolError) as err:
        followups.followups_of(ctx.north1, ctx.acme.id)
    assert err.value.status == 404
    listed = visible(Followup.select(), ctx.north1, "followup", Followup)
    assert list(listed) == []
    assert {f.id for f in visible(Followup.select(), ctx.east2, "followup", Followup)} == {theirs.id, mine.id}
    # Only the author changes a follow-up.
    with pytest.raises(PoolError) as err:
        followups.update_followup(ctx.east1, theirs, {"content": "rewritten"})
    assert err.value.status == 403
    fixed = followups.update_followup(ctx.east2, theirs, {"content": "Sent two samples"})
    assert fixed.content == "Sent two samples" and fixed.version == 2
    followups.delete_followup(ctx.east2, fixed)
    assert [f.id for f in followups.followups_of(ctx.east1, ctx.acme.id)] == [mine.id]


def test_followups_page_newest_first(ctx):
    now = utcnow()
    made = [followups.create_followup(ctx.east1, ctx.acme.id, {
        "kind": "call", "content": f"call {i}", "happened_at": _z(now - (5 - i) * DAY)}, now=now)
        for i in range(5)]
    first = followups.followups_of(ctx.east1, ctx.acme.id, limit=2)
    assert [f.id for f in first] == [made[4].id, made[3].id]
    rest = followups.followups_of(ctx.east1, ctx.acme.id, limit=10,
                                  before=(first[-1].happened_at, first[-1].id))
    assert [f.id for f in rest] == [made[2].id, made[1].id, made[0].id]


def test_plans_and_reminders_go_out_once(ctx):
    now = utcnow()
    soon = followups.create_plan(ctx.east1, ctx.acme.id, {"due_at": _z(now + dt.timedelta(minutes=10)),
                                                          "note": "call back"}, now=now)
    later = followups.create_plan(ctx.east1, ctx.acme.id, {"due_at": _z(now + 3 * DAY)}, now=now)
    assert followups.send_reminders(now) == 0
    assert followups.send_reminders(now + dt.timedelta(minutes=11)) == 1
    assert followups.send_reminders(now + dt.timedelta(minutes=12)) == 0
    notice = PoolNotice.get(PoolNotice.kind == "followup_due")
    assert (notice.user_id, notice.customer_id) == (ctx.east1.id, ctx.acme.id)
    assert notice.params["note"] == "call back"
    assert FollowupPlan.get_by_id(soon.id).reminded_at is not None
    assert FollowupPlan.get_by_id(later.id).reminded_at is None
    done = followups.complete_plan(ctx.east1, soon.id)
    assert done.done_at is not None
    with pytest.raises(PoolError) as err:
        followups.complete_plan(ctx.east2, later.id)
    assert err.value.status == 404  # someone else's to-do list
    with pytest.raises(PoolError) as err:
        followups.create_plan(ctx.east1, ctx.acme.id, {"due_at": _z(now - 3 * DAY)})
    assert err.value.status == 422


def test_due_today_includes_overdue_and_respects_the_tenant_day(ctx):
    now = utcnow()
    start = day_start(now)
    overdue = followups.create_plan(ctx.east1, ctx.acme.id, {"due_at": _z(start - dt.timedelta(hours=1))},
                                    now=start - DAY)
    today = followups.create_plan(ctx.east1, ctx.acme.id, {"due_at": _z(start + dt.timedelta(hours=23))},
                                  now=now)
    followups.create_plan(ctx.east1, ctx.acme.id, {"due_at": _z(start + dt.timedelta(hours=25))}, now=now)
    assert [p.id for p in followups.plans_due(ctx.east1, now)] == [overdue.id, today.id]
    assert [p.id for p in followups.plans_due(ctx.east1, now, include_overdue=False)] == [today.id]
    assert followups.plan_dict(overdue, now)["overdue"] is True


def test_reminders_are_queued_for_their_due_time(ctx, app):
    queue = app.extensions["xietong.queue"]
    queue.run_pending()  # whatever earlier work is waiting
    now = utcnow()
    right_away = followups.create_plan(ctx.east1, ctx.acme.id, {"due_at": _z(now), "note": "now"}, now=now)
    in_an_hour = followups.create_plan(ctx.east1, ctx.acme.id, {"due_at": _z(now + dt.timedelta(hours=1)),
                                                                "note": "later"}, now=now)
    queue.run_pending()
    assert FollowupPlan.get_by_id(right_away.id).reminded_at is not None
    assert FollowupPlan.get_by_id(in_an_hour.id).reminded_at is None
    waiting = [t for t in queue.huey.scheduled() if t.args and t.args[2] == {"plan_id": in_an_hour.id}]
    assert len(waiting) == 1 and abs((waiting[0].eta - (now + dt.timedelta(hours=1))).total_seconds()) < 60
    assert not followups.remind(in_an_hour.id, now)  # not due yet: nothing is sent early
    assert followups.remind(in_an_hour.id, now + dt.timedelta(hours=1))
    assert not followups.remind(in_an_hour.id, now + dt.timedelta(hours=2))  # once
    assert PoolNotice.select().where(PoolNotice.kind == "followup_due").count() == 2
