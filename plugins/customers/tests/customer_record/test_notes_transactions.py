"""Team notes with @mentions that notify only those who may read the customer; transaction
memos with exact amounts; both through the trash and back."""

from __future__ import annotations


def test_mentions_notify_colleagues_who_may_read_the_customer(world):
    customer = world.make("sam", "讨论客户有限公司")
    c = world.client
    body = "@mia 请看一下报价；@Sue 也看看，@cal 和 @nobody 不用。@Boss"
    note = c.post(world.url(f"/customers/{customer.id}/notes"), json={"body": body}, headers=world.h["sam"])
    assert note.status_code == 201
    mentioned = set(note.get_json()["mentions"])
    # mia (manager of Sales) and boss may read it; sue and cal may not, nobody does not exist
    assert mentioned == {world.users["mia"].id, world.users["boss"].id}
    inbox = c.get(world.url("/notifications"), headers=world.h["mia"]).get_json()
    assert inbox["unread"] == 1 and inbox["items"][0]["customer_id"] == customer.id
    assert c.get(world.url("/notifications"), headers=world.h["sue"]).get_json()["items"] == []
    assert c.get(world.url("/notifications"), headers=world.h["cal"]).get_json()["items"] == []
    # reading marks them; another user cannot mark mine
    item = inbox["items"][0]["id"]
    assert c.post(world.url(f"/notifications/{item}/read"), headers=world.h["sue"]).status_code == 404
    assert c.post(world.url(f"/notifications/{item}/read"), headers=world.h["mia"]).status_code == 200
    assert c.get(world.url("/notifications"), headers=world.h["mia"]).get_json()["unread"] == 0
    # a notification stops showing when its customer is no longer visible to me
    assert c.get(world.url("/notifications"), headers=world.h["boss"]).get_json()["unread"] == 1
    with world.acting("boss") as boss:
        from plugins.customers import services

        services.hand_over(boss, "sam", "cal")
    assert c.get(world.url("/notifications"), headers=world.h["mia"]).get_json()["items"] == []


def test_notes_are_readable_with_the_customer_and_deleted_by_author_or_admin(world):
    customer = world.make("sam", "笔记客户")
    c = world.client
    note = c.post(
        world.url(f"/customers/{customer.id}/notes"),
        json={"body": "<script>alert(1)</script> 首次拜访"},
        headers=world.h["sam"],
    ).get_json()
    assert (
        c.post(
            world.url(f"/customers/{customer.id}/notes"), json={"body": ""}, headers=world.h["sam"]
        ).status_code
        == 422
    )
    assert (
        c.post(
            world.url(f"/customers/{customer.id}/notes"),
            json={"body": "x", "author_id": 1},
            headers=world.h["sam"],
        ).status_code
        == 422
    )
    assert c.get(world.url(f"/customers/{customer.id}/notes"), headers=world.h["sue"]).status_code == 404
    notes = c.get(world.url(f"/customers/{customer.id}/notes"), headers=world.h["mia"]).get_json()["items"]
    assert notes[0]["body"] == "<script>alert(1)</script> 首次拜访"  # stored as text; pages escape it
    # anyone who reads the customer takes part; finance may not delete others' notes
    mine = c.post(
        world.url(f"/customers/{customer.id}/notes"), json={"body": "经理意见"}, headers=world.h["mia"]
    )
    assert mine.status_code == 201
    assert (
        c.delete(
            world.url(f"/customers/{customer.id}/notes/{mine.get_json()['id']}"), headers=world.h["fin"]
        ).status_code
        == 403
    )
    assert (
        c.delete(
            world.url(f"/customers/{customer.id}/notes/{note['id']}"), headers=world.h["sam"]
        ).status_code
        == 204
    )
    assert [
        n["body"]
        for n in c.get(world.url(f"/customers/{customer.id}/notes"), headers=world.h["sam"]).get_json()[
            "items"
        ]
    ] == ["经理意见"]
    with world.acting("boss") as boss:
        from core.identity.trash import restore

        restore("customer_note", note["id"], boss)
    assert (
        len(c.get(world.url(f"/customers/{customer.id}/notes"), headers=world.h["sam"]).get_json()["items"])
        == 2
    )


def test_transactions_are_memos_with_exact_amounts(world):
    customer = world.make("sam", "交易客户")
    c, h = world.client, world.h["sam"]
    url = world.url(f"/customers/{customer.id}/transactions")
    order = c.post(
        url,
        json={"date": "2025-03-01", "kind": "order", "memo": "首批订单 200 台", "amount": "123456.78"},
        headers=h,
    )
    assert order.status_code == 201 and order.get_json()["amount"] == "123456.78"
    assert (
        c.post(url, json={"date": "2025-03-02", "kind": "payment", "memo": "预付款"}, headers=h).get_json()[
            "amount"
        ]
        is None
    )
    for bad in (
        {"date": "2025-03-01", "amount": 12.5},
        {"date": "2025-13-01"},
        {"memo": "no date"},
        {"date": "2025-03-01", "kind": "refund"},
        {"date": "2025-03-01", "amount": "12,34x"},
        {"date": "2025-03-01", "amount": "NaN"},
        {"date": "2025-03-01", "author_id": 3},
    ):
        response = c.post(url, json=bad, headers=h)
        assert response.status_code == 422, bad
    items = c.get(url, headers=world.h["fin"]).get_json()["items"]
    assert [i["memo"] for i in items] == ["预付款", "首批订单 200 台"]
    tid = order.get_json()["id"]
    assert c.patch(f"{url}/{tid}", json={"amount": "100.10"}, headers=world.h["fin"]).status_code == 403
    assert c.patch(f"{url}/{tid}", json={"amount": "100.10"}, headers=h).get_json()["amount"] == "100.10"
    assert (
        c.get(world.url(f"/customers/{customer.id}/transactions"), headers=world.h["cal"]).status_code == 404
    )
    with world.acting("boss"):
        from plugins.customers.models import Transaction

        assert str(Transaction.get_by_id(tid).amount) == "100.10"
    assert c.delete(f"{url}/{tid}", headers=h).status_code == 204
    assert c.get(f"{url}/{tid}", headers=h).status_code == 404
