"""The network walk: depth, cycles, types, permissions, hubs and paging, shortest paths."""

from __future__ import annotations

import pytest

from core.errors import ApiError
from core.settings import set_setting
from plugins.customers import network, relations
from plugins.customers import network_testing as nt

pytestmark = pytest.mark.xietong_plugins("plugins.customers:plugin")


def chain(admin, count: int, key: str = "upstream"):
    """c0 -key-> c1 -key-> … ; returns the customers."""
    nodes = [nt.customer(f"C{i}") for i in range(count)]
    for left, right in zip(nodes, nodes[1:], strict=False):
        relations.add_relation(admin, left, right.id, key)
    return nodes


def test_depth_limits_the_walk(kernel, tenant):
    with kernel.tenant_context(tenant):
        admin = nt.act_as(nt.user("boss", "admin"))
        nodes = chain(admin, 8)
        for depth in range(1, 7):
            net = network.extract(admin, nodes[0], depth=depth)
            assert sorted(net.nodes) == [n.id for n in nodes[:depth + 1]]
            assert len(net.edges) == depth
            assert {n["depth"] for n in net.nodes.values()} == set(range(depth + 1))
        body = network.extract(admin, nodes[3], depth=1).to_dict()
        assert {n["id"] for n in body["nodes"]} == {nodes[2].id, nodes[3].id, nodes[4].id}
        edge = next(e for e in body["edges"] if e["source"] == nodes[3].id)
        assert edge == {"id": edge["id"], "source": nodes[3].id, "target": nodes[4].id,
                        "type": "upstream", "strength": 3}


@pytest.mark.parametrize("raw", ["7", "0", "-1", "100", "two", "1.5"])
def test_depth_beyond_the_limit_is_400(raw):
    with pytest.raises(ApiError) as err:
        network.parse_depth(raw)
    assert err.value.status == 400


def test_depth_parsing_and_limits():
    assert network.parse_depth(None) == 2 and network.parse_depth("6") == 6
    assert network.parse_limit("50") == 50
    for bad in ("1", "5000", "x"):
        with pytest.raises(ApiError):
            network.parse_limit(bad)
    assert network.parse_types("upstream, friend") == ["upstream", "friend"]
    assert network.parse_types("") is None


def test_cycles_do_not_loop(kernel, tenant):
    with kernel.tenant_context(tenant):
        admin = nt.act_as(nt.user("boss", "admin"))
        ring = chain(admin, 5, "friend")
        relations.add_relation(admin, ring[-1], ring[0].id, "friend")  # close the ring
        relations.add_relation(admin, ring[2], ring[0].id, "competitor")  # and a chord
        net = network.extract(admin, ring[0], depth=6)
        assert sorted(net.nodes) == sorted(n.id for n in ring)
        assert len(net.edges) == 6  # each relation once
        assert not net.truncated


def test_type_filter_follows_only_those_relations(kernel, tenant):
    with kernel.tenant_context(tenant):
        admin = nt.act_as(nt.user("boss", "admin"))
        a, b, c, d = (nt.customer(n) for n in "ABCD")
        relations.add_relation(admin, a, b.id, "upstream")
        relations.add_relation(admin, c, a.id, "downstream")  # c is a's buyer? no: c downstream of a
        relations.add_relation(admin, a, d.id, "competitor")
        net = network.extract(admin, a, depth=3, types=["upstream"])
        assert sorted(net.nodes) == sorted([a.id, b.id, c.id])  # downstream rows are the same kind
        assert {e["type"] for e in net.edges.values()} == {"upstream", "downstream"}
        only = network.extract(admin, a, depth=3, types=["competitor"])
        assert sorted(only.nodes) == sorted([a.id, d.id])
        with pytest.raises(ApiError) as err:
            network.extract(admin, a, types=["nonsense"])
        assert err.value.status == 400


def test_trashed_customers_and_deleted_relations_leave_the_network(kernel, tenant):
    with kernel.tenant_context(tenant):
        admin = nt.act_as(nt.user("boss", "admin"))
        a, b, c = chain(admin, 3)
        b.deleted_at = b.created_at
        b.save()
        assert sorted(network.extract(admin, a, depth=3).nodes) == [a.id]
        b.deleted_at = None
        b.save()
        rel = relations.list_relations(admin, c).items[0]
        relations.delete_relation(relations.relation_for(c, rel["id"]))
        assert sorted(network.extract(admin, a, depth=3).nodes) == [a.id, b.id]


def _permission_world(admin):
    """alice (sales, own) owns A and C; bob owns the secret B between them: A - B - C."""
    nt.grant("sales", "customer", "own")
    alice = nt.user("alice", "sales")
    bob = nt.user("bob", "sales")
    a = nt.customer("Alice A", owner=alice)
    b = nt.customer("Bob's secret B", owner=bob, phone="13912345678", region="华东")
    c = nt.customer("Alice C", owner=alice)
    relations.add_relation(admin, a, b.id, "upstream")
    relations.add_relation(admin, b, c.id, "friend")
    return alice, a, b, c


def test_invisible_nodes_are_anonymous_and_leak_nothing(kernel, tenant):
    with kernel.tenant_context(tenant):
        admin = nt.act_as(nt.user("boss", "admin"))
        alice, a, b, c = _permission_world(admin)
        nt.act_as(alice)
        body = network.extract(alice, a, depth=3).to_dict()
        anonymous = [n for n in body["nodes"] if n["anonymous"]]
        assert len(anonymous) == 1
        assert set(anonymous[0]) == {"id", "name", "depth", "anonymous"} and anonymous[0]["name"] is None
        assert anonymous[0]["id"].startswith("anon-")
        assert b.id not in {n["id"] for n in body["nodes"]}
        text = repr(body)
        assert "secret" not in text and "13912345678" not in text and "华东" not in text
        # the walk goes on through the anonymous node: C is reached, with its name
        assert {n["id"]: n["name"] for n in body["nodes"] if not n["anonymous"]} == {
            a.id: "Alice A", c.id: "Alice C"}
        assert len(body["edges"]) == 2
        # the stand-in id is stable for this user, so expanding again lines up
        again = network.extract(alice, c, depth=1).to_dict()
        assert anonymous[0]["id"] in {n["id"] for n in again["nodes"]}


def test_hide_mode_drops_invisible_nodes_and_what_lies_behind(kernel, tenant):
    with kernel.tenant_context(tenant):
        admin = nt.act_as(nt.user("boss", "admin"))
        alice, a, b, c = _permission_world(admin)
        set_setting(relations.HIDDEN_NODES_SETTING, "hide")
        nt.act_as(alice)
        net = network.extract(alice, a, depth=3)
        assert sorted(net.nodes) == [a.id] and net.edges == {}
        assert network.shortest_path(alice, a, c) is None


def test_field_rules_apply_to_nodes(kernel, tenant):
    from core.identity.models import FieldRule

    with kernel.tenant_context(tenant):
        admin = nt.act_as(nt.user("boss", "admin"))
        nt.grant("sales", "customer", "all")
        carol = nt.user("carol", "sales")
        a, b = chain(admin, 2)
        FieldRule.create(entity="customer", field="region", mode="hide", role=carol.role)
        nt.act_as(carol)
        nodes = network.extract(carol, a, depth=1).nodes
        assert all("region" not in node for node in nodes.values())
        assert "region" in network.extract(nt.act_as(admin), a, depth=1).nodes[a.id]


def test_hub_answers_bounded_pages(kernel, tenant):
    with kernel.tenant_context(tenant):
        admin = nt.act_as(nt.user("boss", "admin"))
        hub = nt.customer("Hub")
        spokes = [nt.customer(f"S{i}") for i in range(45)]
        for i, spoke in enumerate(spokes):
            relations.add_relation(admin, *((hub, spoke.id) if i % 3 else (spoke, hub.id)), "friend")
        far = nt.customer("Far")
        relations.add_relation(admin, spokes[0], far.id, "upstream")
        seen: set[int] = set()
        cursor = None
        pages = 0
        while True:
            net = network.extract(admin, hub, depth=2, limit=20, cursor=cursor)
            assert len(net.nodes) <= 20
            firsts = {n["id"] for n in net.nodes.values() if n["depth"] == 1}
            assert len(firsts) <= 10 and not firsts & seen
            seen |= firsts
            pages += 1
            cursor = net.next
            if cursor is None:
                break
        assert seen == {s.id for s in spokes} and pages == 5
        assert net.truncated is False or len(net.nodes) == 20


def test_shortest_path_finds_the_way_in(kernel, tenant):
    with kernel.tenant_context(tenant):
        admin = nt.act_as(nt.user("boss", "admin"))
        line = chain(admin, 6)
        shortcut = nt.customer("Shortcut")
        relations.add_relation(admin, line[1], shortcut.id, "friend")
        relations.add_relation(admin, shortcut, line[4].id, "friend")
        path = network.shortest_path(admin, line[0], line[5])
        assert [n["id"] for n in path.nodes.values()] == [line[0].id, line[1].id, shortcut.id,
                                                          line[4].id, line[5].id]
        assert len(path.edges) == 4
        assert network.shortest_path(admin, line[0], line[5], max_depth=3) is None
        assert network.shortest_path(admin, line[0], line[5], types=["competitor"]) is None
        lonely = nt.customer("Lonely")
        assert network.shortest_path(admin, line[0], lonely) is None
        same = network.shortest_path(admin, line[2], line[2])
        assert list(same.nodes) == [line[2].id] and same.edges == {}


def test_shortest_path_through_an_anonymous_node(kernel, tenant):
    with kernel.tenant_context(tenant):
        admin = nt.act_as(nt.user("boss", "admin"))
        alice, a, b, c = _permission_world(admin)
        nt.act_as(alice)
        path = network.shortest_path(alice, a, c).to_dict()
        assert [n["anonymous"] for n in path["nodes"]] == [False, True, False]
        assert "secret" not in repr(path)


def test_connectors_rank_the_customers_that_join_others(kernel, tenant):
    with kernel.tenant_context(tenant):
        admin = nt.act_as(nt.user("boss", "admin"))
        broker = nt.customer("Broker")
        left = [nt.customer(f"L{i}") for i in range(4)]
        right = [nt.customer(f"R{i}") for i in range(4)]
        for group in (left, right):
            for member in group:
                relations.add_relation(admin, member, broker.id, "friend")
        relations.add_relation(admin, left[0], left[1].id, "competitor")
        ranked = network.connectors(admin, left[0], depth=3)
        assert ranked[0]["id"] == broker.id and ranked[0]["degree"] == 8
        # the broker lies on every shortest path between the other 8 customers but one pair
        assert ranked[0]["betweenness"] == pytest.approx(27.0)
        assert all(item["betweenness"] == 0 for item in ranked[1:])
        assert len(network.connectors(admin, left[0], depth=3, top=3)) == 3


def test_connectors_never_list_anonymous_nodes(kernel, tenant):
    with kernel.tenant_context(tenant):
        admin = nt.act_as(nt.user("boss", "admin"))
        alice, a, b, c = _permission_world(admin)
        nt.act_as(alice)
        ranked = network.connectors(alice, a, depth=3)
        assert {item["id"] for item in ranked} == {a.id, c.id}
        assert "secret" not in repr(ranked)


def test_shortest_path_goes_around_trashed_customers(kernel, tenant):
    with kernel.tenant_context(tenant):
        admin = nt.act_as(nt.user("boss", "admin"))
        start, gone, end = nt.customer("Start"), nt.customer("Gone"), nt.customer("End")
        detour = [nt.customer(f"D{i}") for i in range(2)]
        relations.add_relation(admin, start, gone.id, "friend")
        relations.add_relation(admin, gone, end.id, "friend")
        relations.add_relation(admin, start, detour[0].id, "friend")
        relations.add_relation(admin, detour[0], detour[1].id, "friend")
        relations.add_relation(admin, detour[1], end.id, "friend")
        assert len(network.shortest_path(admin, start, end).edges) == 2
        gone.deleted_at = gone.created_at
        gone.save()
        path = network.shortest_path(admin, start, end)
        assert [n["id"] for n in path.nodes.values()] == [start.id, detour[0].id, detour[1].id, end.id]
        assert network.shortest_path(admin, start, end, max_depth=2) is None
