"""Relations between customers: types with inverses, bad input, listing from either side."""

from __future__ import annotations

import pytest

from core.errors import ApiError
from plugins.customers import network_testing as nt
from plugins.customers import relations
from plugins.customers.relations_models import Relation, RelationType

pytestmark = pytest.mark.xietong_plugins("plugins.customers:plugin")


def test_builtin_types_are_seeded_with_inverses(kernel, tenant):
    with kernel.tenant_context(tenant):
        types = relations.relation_types()
        assert {"upstream", "downstream", "competitor", "relative", "friend"} <= set(types)
        assert types["upstream"].inverse == "downstream"
        assert types["downstream"].inverse == "upstream"
        assert types["competitor"].symmetric
        # seeding again (module re-enabled) adds nothing
        relations.seed_relation_types()
        assert RelationType.select().count() == len(types)


def test_relation_reads_correctly_from_both_sides(kernel, tenant):
    with kernel.tenant_context(tenant):
        admin = nt.act_as(nt.user("boss", "admin"))
        a, b = nt.customer("甲供应商"), nt.customer("乙买家")
        rel = relations.add_relation(admin, a, b.id, "upstream", note="主要原料", strength=4)
        from_a = relations.list_relations(admin, a).items
        from_b = relations.list_relations(admin, b).items
        assert [(i["type"], i["other"]["id"], i["direction"]) for i in from_a] == [("upstream", b.id, "out")]
        assert [(i["type"], i["other"]["id"], i["direction"]) for i in from_b] == [("downstream", a.id, "in")]
        assert from_b[0]["note"] == "主要原料" and from_b[0]["strength"] == 4
        assert from_a[0]["id"] == from_b[0]["id"] == rel.id
        # filtering by one side's key finds the other side's rows too
        assert len(relations.list_relations(admin, b, type_keys=["upstream"]).items) == 1
        assert relations.list_relations(admin, b, type_keys=["competitor"]).items == []


@pytest.mark.parametrize("bad, field", [
    ({"type_key": "enemy"}, "type"),
    ({"strength": 9}, "strength"),
    ({"strength": True}, "strength"),
    ({"note": "x" * 2001}, "note"),
    ({"target_id": "2"}, "target_id"),
])
def test_bad_relation_input_is_422(kernel, tenant, bad, field):
    with kernel.tenant_context(tenant):
        admin = nt.act_as(nt.user("boss", "admin"))
        a, b = nt.customer("A"), nt.customer("B")
        args = {"target_id": b.id, "type_key": "friend", "note": "", "strength": 3, **bad}
        with pytest.raises(ApiError) as err:
            relations.add_relation(admin, a, **args)
        assert err.value.status == 422 and field in err.value.fields
        assert Relation.select().count() == 0


def test_relation_to_self_is_rejected(kernel, tenant):
    with kernel.tenant_context(tenant):
        admin = nt.act_as(nt.user("boss", "admin"))
        a = nt.customer("A")
        with pytest.raises(ApiError) as err:
            relations.add_relation(admin, a, a.id, "friend")
        assert err.value.status == 422 and "itself" in err.value.fields["target_id"][0]


def test_relation_to_another_tenants_customer_is_rejected(kernel, tenant_factory):
    first, second = tenant_factory(), tenant_factory()
    with kernel.tenant_context(second):
        foreign = [nt.customer(f"Other {i}").id for i in range(3)][-1]
    with kernel.tenant_context(first):
        admin = nt.act_as(nt.user("boss", "admin"))
        mine = nt.customer("Mine")
        assert foreign != mine.id
        with pytest.raises(ApiError) as err:
            relations.add_relation(admin, mine, foreign, "friend")
        assert err.value.status == 422 and err.value.fields["target_id"] == ["no such customer"]


def test_duplicate_and_inverse_duplicate_are_409(kernel, tenant):
    with kernel.tenant_context(tenant):
        admin = nt.act_as(nt.user("boss", "admin"))
        a, b = nt.customer("A"), nt.customer("B")
        relations.add_relation(admin, a, b.id, "upstream")
        for source, target, key in ((a, b, "upstream"), (b, a, "downstream")):
            with pytest.raises(ApiError) as err:
                relations.add_relation(admin, source, target.id, key)
            assert err.value.status == 409
        # a different type between the same pair is a different relation
        relations.add_relation(admin, b, a.id, "competitor")
        assert Relation.select().count() == 2


def test_trashed_target_and_deleted_relation(kernel, tenant):
    with kernel.tenant_context(tenant):
        admin = nt.act_as(nt.user("boss", "admin"))
        a, b, c = nt.customer("A"), nt.customer("B"), nt.customer("C")
        rel = relations.add_relation(admin, a, b.id, "friend")
        relations.delete_relation(rel)
        assert relations.list_relations(admin, a).items == []
        relations.add_relation(admin, a, b.id, "friend")  # allowed again once the old one is gone
        c.deleted_at = c.created_at
        c.save()
        with pytest.raises(ApiError):
            relations.add_relation(admin, a, c.id, "friend")


def test_update_relation_validates(kernel, tenant):
    with kernel.tenant_context(tenant):
        admin = nt.act_as(nt.user("boss", "admin"))
        a, b = nt.customer("A"), nt.customer("B")
        rel = relations.add_relation(admin, a, b.id, "friend")
        relations.update_relation(rel, {"note": "老朋友", "strength": 5})
        assert Relation.get_by_id(rel.id).note == "老朋友" and rel.version == 2
        with pytest.raises(ApiError) as err:
            relations.update_relation(rel, {"source_id": 99})
        assert "source_id" in err.value.fields


def test_tenant_relation_types(kernel, tenant):
    with kernel.tenant_context(tenant):
        admin = nt.act_as(nt.user("boss", "admin"))
        relations.create_relation_type("investor", "Investor", "投资方", inverse="investee",
                                       inverse_name="Investee", inverse_name_zh="被投资方")
        relations.create_relation_type("alumni", "Alumni", "校友")
        types = relations.relation_types()
        assert types["investor"].inverse == "investee" and types["investee"].inverse == "investor"
        assert types["alumni"].symmetric
        a, b = nt.customer("VC"), nt.customer("Startup")
        relations.add_relation(admin, a, b.id, "investor")
        assert relations.list_relations(admin, b).items[0]["type"] == "investee"
        with pytest.raises(ApiError) as err:
            relations.create_relation_type("upstream", "Again")
        assert err.value.status == 422
        with pytest.raises(ApiError) as err:
            relations.create_relation_type("Bad Key", "x")
        assert "key" in err.value.fields
        with pytest.raises(ApiError) as err:
            relations.delete_relation_type("investee")
        assert err.value.status == 409  # in use
        with pytest.raises(ApiError) as err:
            relations.delete_relation_type("upstream")
        assert err.value.status == 409  # built-in
        relations.delete_relation_type("alumni")
        assert "alumni" not in relations.relation_types()


def test_listing_paginates_across_both_sides(kernel, tenant):
    with kernel.tenant_context(tenant):
        admin = nt.act_as(nt.user("boss", "admin"))
        hub = nt.customer("Hub")
        others = [nt.customer(f"N{i}") for i in range(7)]
        for i, other in enumerate(others):
            if i % 2:
                relations.add_relation(admin, hub, other.id, "upstream")
            else:
                relations.add_relation(admin, other, hub.id, "upstream")
        seen, cursor = [], None
        while True:
            page = relations.list_relations(admin, hub, limit=3, cursor=cursor)
            seen.extend(page.items)
            cursor = page.next
            if cursor is None:
                break
        assert sorted(i["other"]["id"] for i in seen) == sorted(o.id for o in others)
        assert {i["type"] for i in seen} == {"upstream", "downstream"}
        with pytest.raises(ApiError):
            relations.list_relations(admin, hub, cursor="abc")


def test_invisible_other_side_is_anonymous_or_hidden(kernel, tenant):
    from core.settings import set_setting

    with kernel.tenant_context(tenant):
        nt.grant("sales", "customer", "own")
        alice = nt.user("alice", "sales")
        bob = nt.user("bob", "sales")
        mine = nt.customer("Alice's", owner=alice)
        secret = nt.customer("Bob's secret account", owner=bob, phone="13800000000")
        relations.add_relation(nt.act_as(nt.user("boss", "admin")), secret, mine.id, "upstream")
        nt.act_as(alice)
        items = relations.list_relations(alice, mine).items
        assert len(items) == 1
        other = items[0]["other"]
        assert other["anonymous"] and other["name"] is None and other["id"] != secret.id
        assert "secret" not in repr(items) and "13800000000" not in repr(items)
        set_setting(relations.HIDDEN_NODES_SETTING, "hide")
        assert relations.list_relations(alice, mine).items == []


def test_demo_data_relates_the_demo_customers(kernel, tenant):
    from contextlib import contextmanager

    from plugins.customers.activities_models import Activity
    from plugins.customers.network_demo import make_demo

    @contextmanager
    def progress(label, total):
        class Bar:
            done = 0

            def update(self, n):
                Bar.done += n

        yield Bar()
        assert Bar.done == total

    with kernel.tenant_context(tenant):
        nt.user("zhang", "sales")
        for i in range(40):
            nt.customer(f"演示客户{i}")
        line = make_demo(40, progress)
        assert "relations" in line and Relation.select().count() > 10 and Activity.select().count() > 0
        assert not Relation.select().where(Relation.source == Relation.target).exists()
        assert make_demo(1, progress) is None
