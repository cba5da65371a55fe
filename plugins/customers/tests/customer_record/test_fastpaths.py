"""The list's fast paths give exactly what the framework's general path gives: the compiled
dumper matches marshmallow, the prepared list and search queries match peewee's, and a
change of rules reaches the next request."""

from __future__ import annotations

from flask import g

from core.api.query import decode_cursor
from core.api.resource import Resource


def _customers(world):
    world.client.post(
        world.url("/custom-fields"),
        json={"key": "level", "label": "Level", "type": "choice", "choices": ["A", "B"]},
        headers=world.h["boss"],
    )
    world.client.post(
        world.url("/custom-fields"),
        json={"key": "since", "label": "Since", "type": "date"},
        headers=world.h["boss"],
    )
    world.client.post(
        world.url("/custom-fields"),
        json={"key": "credit", "label": "Credit", "type": "decimal"},
        headers=world.h["boss"],
    )
    made = []
    for n, owner in enumerate(("sam", "sue", "cal", "sam", "mia", "sam")):
        made.append(
            world.make(
                owner,
                f"快速路径{n}号有限公司",
                phone=f"010-8888{n:04d}",
                region="北京" if n % 2 else "上海",
                profile=f"<p>第{n}家<script>x</script></p>" if n % 3 else "",
                custom={"level": "AB"[n % 2], "since": f"2020-01-0{n + 1}", "credit": f"{n}000.50"}
                if n != 2
                else {},
            )
        )
    return made


def test_the_fast_dump_equals_marshmallow(world):
    _customers(world)
    from core.identity import permissions
    from plugins.customers import fastdump
    from plugins.customers.models import Customer
    from plugins.customers.resources import customers

    for user in ("boss", "sam"):
        with world.acting(user) as actor:
            rows = list(Customer.select().order_by(Customer.id))
            fast = customers.dump_many(rows, actor)
            schema = customers.schema_for_tenant()()
            rules = permissions.field_rules(actor, "customer")
            slow = [permissions.apply_field_rules(actor, "customer", schema.dump(r), rules) for r in rows]
            dumper = customers.dumper()
            walked = [fastdump.Dumper.dump(dumper, r) for r in rows]  # the plan, field by field
            assert [dumper.dump(r) for r in rows] == walked  # its generated form
            assert [list(d) for d in walked] == [list(dumper.dump(r)) for r in rows]  # same key order
            for a, b in zip(fast, slow, strict=True):
                custom = a.pop("custom")
                b.pop("custom", None)  # the stored dict, retired fields too: the API shows cf_ values
                assert a == b
                assert custom == {k[3:]: v for k, v in b.items() if k.startswith("cf_")}


def test_the_prepared_list_equals_the_general_path(world):
    _customers(world)
    from plugins.customers.resources import customers

    cases = [
        {},
        {"sort": "name"},
        {"sort": "-created_at", "limit": "2"},
        {"owner_id": str(world.users["sam"].id)},
        {"region": "北京", "sort": "region"},
        {"sort": "-updated_at", "limit": "4"},
    ]
    for user in ("boss", "mia", "sam", "fin"):
        with world.acting(user) as actor:
            for args in cases:
                params = customers.list_params(args, actor)
                general = []
                fast = []
                for sink, fetch in (
                    (general, lambda p: Resource.page(customers, actor, p)),
                    (fast, lambda p: customers.page(actor, p)),
                ):
                    page = customers.list_params(args, actor)
                    while True:
                        rows, cursor = fetch(page)
                        sink.extend(r.id for r in rows)
                        if cursor is None:
                            break
                        page.cursor = decode_cursor(cursor, page.sort_arg)
                assert fast == general, (user, args)
                assert params.limit >= 1


def test_the_prepared_search_equals_the_general_path(world):
    _customers(world)
    from core.identity import permissions
    from plugins.customers import fastlist, search
    from plugins.customers.models import Customer

    for user in ("boss", "sam", "cal"):
        with world.acting(user) as actor:
            for q in ("快速", "路径", "kslj", "kuaisu", "8888", "号有限公司", "x", "快"):
                general = [
                    c.id
                    for c in search.matching(
                        permissions.visible(Customer.live(), actor, "customer", Customer), actor, q
                    ).limit(50)
                ]
                assert [c.id for c in fastlist.search_page(actor, q, 50)] == general, (user, q)


def test_rule_changes_reach_the_next_request(world):
    _customers(world)
    c = world.client
    first = c.get(world.url("/customers"), headers=world.h["fin"]).get_json()["items"]
    assert len(first) == 6
    with world.acting("boss"):
        from core.identity.rules import set_right

        set_right("finance", "customer", "read", "own")
    assert c.get(world.url("/customers"), headers=world.h["fin"]).get_json()["items"] == []
    assert (
        c.get(world.url("/customers/search"), query_string={"q": "快速"}, headers=world.h["fin"]).get_json()[
            "items"
        ]
        == []
    )
    hidden = c.post(
        world.url("/categories"),
        json={"name": "只给经理", "visible_roles": ["manager"]},
        headers=world.h["boss"],
    ).get_json()
    before = len(c.get(world.url("/customers"), headers=world.h["sam"]).get_json()["items"])
    own = c.get(world.url("/customers"), headers=world.h["sam"]).get_json()["items"][0]
    assert (
        c.patch(
            world.url(f"/customers/{own['id']}"), json={"category_id": hidden["id"]}, headers=world.h["boss"]
        ).status_code
        == 200
    )
    assert len(c.get(world.url("/customers"), headers=world.h["sam"]).get_json()["items"]) == before - 1
    with world.acting("boss"):
        assert g.get("_audit_stamps") is None  # nothing read yet in this context
