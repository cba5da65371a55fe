"""Handover: one transaction, audited, with other modules' items (deals here) moved by their
receivers of the signal; only admins and managers; users of this tenant only."""

from __future__ import annotations

import json

import pytest


def _deal(world, customer, owner: str):
    response = world.client.post(
        world.url("/deals"),
        json={
            "customer_id": customer.id,
            "title": f"{customer.name}项目",
            "amount": "1000.00",
            "owner_id": world.users[owner].id,
        },
        headers=world.h["boss"],
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_handover_moves_customers_deals_and_keeps_history(world):
    c = world.client
    first = world.make("sam", "交接一")
    second = world.make("sam", "交接二")
    kept = world.make("sue", "不交接")
    note = c.post(
        world.url(f"/customers/{first.id}/notes"), json={"body": "老客户，重点维护"}, headers=world.h["sam"]
    )
    deal = _deal(world, first, "sam")
    response = c.post(
        world.url("/handover"),
        json={"from_user": "sam", "to_user": world.users["cal"].id, "reason": "离职"},
        headers=world.h["boss"],
    )
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["customer_ids"] == [first.id, second.id]
    for customer in (first, second):
        assert (
            c.get(world.url(f"/customers/{customer.id}"), headers=world.h["cal"]).get_json()["owner_id"]
            == world.users["cal"].id
        )
        assert c.get(world.url(f"/customers/{customer.id}"), headers=world.h["sam"]).status_code == 404
    assert c.get(world.url(f"/customers/{kept.id}"), headers=world.h["sue"]).status_code == 200
    assert (
        c.get(world.url(f"/deals/{deal['id']}"), headers=world.h["cal"]).get_json()["owner_id"]
        == world.users["cal"].id
    )
    # the leaver's history stays readable under their name
    notes = c.get(world.url(f"/customers/{first.id}/notes"), headers=world.h["cal"]).get_json()["items"]
    assert notes[0]["id"] == note.get_json()["id"] and notes[0]["author_id"] == world.users["sam"].id
    with world.acting("boss"):
        from core.identity.models import AuditEntry

        entry = (
            AuditEntry.select().where(AuditEntry.action == "handover", AuditEntry.entity == "customer").get()
        )
        assert json.loads(entry.changes)["customers"] == [None, [first.id, second.id]]


def test_selected_customers_only_and_bad_requests(world):
    c = world.client
    first = world.make("sam", "选一")
    second = world.make("sam", "选二")
    suez = world.make("sue", "苏的")
    response = c.post(
        world.url("/handover"),
        json={"from_user": "sam", "to_user": "sue", "customer_ids": [second.id]},
        headers=world.h["mia"],
    )
    assert response.status_code == 200 and response.get_json()["customers"] == 1
    assert c.get(world.url(f"/customers/{first.id}"), headers=world.h["sam"]).status_code == 200
    bad = [
        ({"from_user": "sam", "to_user": "sue", "customer_ids": [suez.id]}, 422),  # not sam's
        ({"from_user": "sam", "to_user": "sam"}, 422),
        ({"from_user": "sam", "to_user": "ghost"}, 422),
        ({"from_user": "sam"}, 422),
        ({"from_user": "sam", "to_user": "sue", "customer_ids": "all"}, 422),
        ({"from_user": "sam", "to_user": "sue", "owner": 1}, 422),
    ]
    for body, status in bad:
        assert c.post(world.url("/handover"), json=body, headers=world.h["boss"]).status_code == status, body
    # salespeople and finance may not hand over; a manager only within their department
    assert (
        c.post(
            world.url("/handover"), json={"from_user": "sam", "to_user": "sue"}, headers=world.h["sam"]
        ).status_code
        == 403
    )
    assert (
        c.post(
            world.url("/handover"), json={"from_user": "sam", "to_user": "sue"}, headers=world.h["fin"]
        ).status_code
        == 403
    )
    assert (
        c.post(
            world.url("/handover"), json={"from_user": "sam", "to_user": "cal"}, headers=world.h["mia"]
        ).status_code
        == 403
    )
    assert c.get(world.url(f"/customers/{first.id}"), headers=world.h["sam"]).status_code == 200


def test_a_user_of_another_tenant_cannot_receive(world, tenant_factory):
    from core.web.testing import make_user

    other = tenant_factory()
    make_user(world.kernel, other, "outsider", role="sales")
    world.make("sam", "不能外流")
    response = world.client.post(
        world.url("/handover"), json={"from_user": "sam", "to_user": "outsider"}, headers=world.h["boss"]
    )
    assert response.status_code == 422
    # messages follow the caller's language (here the tenant's: Chinese)
    assert response.get_json()["error"]["fields"] == {"to_user": ["没有这个用户。"]}


def test_a_failing_receiver_rolls_the_whole_handover_back(world):
    from plugins.customers.signals import customers_handed_over

    customer = world.make("sam", "回滚客户")

    def refuse(sender, **kwargs):
        raise RuntimeError("the schedule could not be moved")

    customers_handed_over.connect(refuse)
    try:
        with world.acting("boss") as boss, pytest.raises(RuntimeError):
            from plugins.customers.services import hand_over

            hand_over(boss, "sam", "sue")
    finally:
        customers_handed_over.disconnect(refuse)
    with world.acting("boss"):
        from core.identity.models import AuditEntry
        from plugins.customers.models import Customer

        assert Customer.get_by_id(customer.id).owner_id == world.users["sam"].id
        assert not AuditEntry.select().where(AuditEntry.action == "handover").exists()


def _plan_item(world, owner: str, title: str, customer=None, by: str | None = None, **fields):
    """An item planned by ``by`` (default: the owner) and owned by ``owner``."""
    from plugins.customers.schedule import create_item
    from plugins.customers.schedule_models import ScheduleItem

    data = {"title": title, "start": "2031-03-03T09:00:00+08:00", "end": "2031-03-03T10:00:00+08:00",
            "timezone": "Asia/Shanghai", **fields}
    with world.acting(by or owner) as user:
        item = create_item(user, data, customer)
        ScheduleItem.update(owner=world.users[owner].id).where(ScheduleItem.id == item.id).execute()
        return item.id


def _plan_followup(world, owner: str, customer, done: bool = False):
    from plugins.customers import followups

    with world.acting(owner) as user:
        due = {"due_at": "2031-03-04T09:00:00+08:00", "note": "回访"}
        plan = followups.create_plan(user, customer.id, due)
        if done:
            followups.complete_plan(user, plan.id)
        return plan.id


def test_handover_moves_open_schedule_items_and_planned_followups(world):
    """Open work goes to the receiver; finished work and private appointments stay the
    leaver's. Selected customers move only what hangs on them; "everything" moves the rest."""
    c = world.client
    first, second = world.make("sam", "日程交接一"), world.make("sam", "日程交接二")
    sues = world.make("sue", "苏的客户")
    ids = {"sue": world.users["sue"].id, "sam": world.users["sam"].id, "cal": world.users["cal"].id}
    meeting = _plan_item(world, "sam", "季度拜访", first, attendee_ids=[ids["sue"]])
    done_call = _plan_item(world, "sam", "已打电话", first, kind="call", status="done")
    task = _plan_item(world, "sam", "寄样品", second, kind="task")
    on_sues = _plan_item(world, "sam", "陪同拜访", sues, by="boss", kind="visit")  # sue asked sam along
    private = _plan_item(world, "sam", "体检")
    sues_meeting = _plan_item(world, "sue", "联合拜访", first, by="boss",
                              attendee_ids=[ids["sam"], ids["cal"]])
    open_plan, done_plan = _plan_followup(world, "sam", first), _plan_followup(world, "sam", first, done=True)

    def item(item_id):
        got = c.get(world.url(f"/schedule/{item_id}"), headers=world.h["boss"])
        assert got.status_code == 200, got.get_json()
        return got.get_json()

    before = item(meeting)
    response = c.post(world.url("/handover"), headers=world.h["boss"],
                      json={"from_user": "sam", "to_user": "cal", "customer_ids": [first.id]})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["carried"] == {"deals": 0, "followup_plans": 1, "schedule_items": 1}
    moved = item(meeting)
    assert moved["owner_id"] == ids["cal"] and moved["attendee_ids"] == [ids["sue"]]
    assert moved["version"] == before["version"] + 1
    assert item(done_call)["owner_id"] == ids["sam"]  # what the leaver did stays theirs
    assert item(task)["owner_id"] == ids["sam"]  # not on a handed-over customer
    assert sorted(item(sues_meeting)["attendee_ids"]) == [ids["cal"]]  # the seat passes, once
    assert item(sues_meeting)["owner_id"] == ids["sue"]
    cal_plans = c.get(world.url("/followup-plans"), headers=world.h["cal"]).get_json()["items"]
    assert [p["id"] for p in cal_plans] == [open_plan]
    sam_plans = c.get(world.url("/followup-plans"), headers=world.h["sam"]).get_json()["items"]
    assert open_plan not in [p["id"] for p in sam_plans] and done_plan not in [p["id"] for p in sam_plans]
    ics = c.get(world.url(f"/schedule/{meeting}.ics"), headers=world.h["cal"])
    assert ics.status_code == 200 and b"SEQUENCE:1" in ics.data  # calendars replace the old copy

    everything = c.post(world.url("/handover"), headers=world.h["boss"],
                        json={"from_user": "sam", "to_user": "cal", "reason": "离职"})
    assert everything.status_code == 200
    assert everything.get_json()["carried"]["schedule_items"] == 2
    assert item(task)["owner_id"] == ids["cal"] and item(on_sues)["owner_id"] == ids["cal"]
    assert item(private)["owner_id"] == ids["sam"]  # a private appointment is not the company's
    with world.acting("boss"):
        from core.identity.models import AuditEntry

        last = AuditEntry.select().where(AuditEntry.action == "handover").order_by(AuditEntry.id.desc()).get()
        assert json.loads(last.changes)["carried"][1]["schedule_items"] == 2
