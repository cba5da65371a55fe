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
