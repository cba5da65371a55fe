"""The network over HTTP: relations, types, network, path, connectors; permissions; pages."""

from __future__ import annotations

import pytest

from core.identity.models import TrashEntry
from core.web.testing import bearer, login, make_user
from plugins.customers.models import Customer

pytestmark = pytest.mark.xietong_plugins("plugins.customers:plugin")


def customers(kernel, tenant, *names, owner=None):
    with kernel.tenant_context(tenant):
        return [Customer.create(name=name, owner=owner).id for name in names]


def test_relations_and_network_over_the_api(kernel, tenant, tenant_factory, client):
    boss = make_user(kernel, tenant, "boss", role="admin")
    auth = bearer(kernel, tenant, boss)
    a, b, c, d = customers(kernel, tenant, "甲", "乙", "丙", "丁")
    base = f"/t/{tenant}/api/v1/customers"

    created = client.post(f"{base}/{a}/relations", json={"target_id": b, "type": "upstream", "note": "原料"},
                          headers=auth)
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert (body["type"], body["other"]["id"], body["note"]) == ("upstream", b, "原料")
    seen_from_b = client.get(f"{base}/{b}/relations", headers=auth).get_json()
    assert [(i["type"], i["other"]["name"]) for i in seen_from_b["items"]] == [("downstream", "甲")]
    assert seen_from_b["next"] is None

    other_tenant = tenant_factory()
    foreign = customers(kernel, other_tenant, "外", "外2", "外3", "外4", "外5")[-1]
    for payload, status, field in (
        ({"target_id": a, "type": "friend"}, 422, "target_id"),          # itself
        ({"target_id": foreign, "type": "friend"}, 422, "target_id"),    # another tenant's
        ({"target_id": c, "type": "enemy"}, 422, "type"),
        ({"target_id": c, "type": "friend", "owner_id": 1}, 422, "owner_id"),
        ({"target_id": a, "type": "downstream"}, 409, None),             # the same, from b's side
    ):
        source = b if status == 409 else a
        answer = client.post(f"{base}/{source}/relations", json=payload, headers=auth)
        assert answer.status_code == status, (payload, answer.get_json())
        if field:
            assert field in answer.get_json()["error"]["fields"]
    bad_json = client.post(f"{base}/{a}/relations", data="{nope",
                           headers={**auth, "Content-Type": "application/json"})
    assert bad_json.status_code == 400
    assert client.post(f"{base}/999999/relations", json={"target_id": a, "type": "friend"},
                       headers=auth).status_code == 404

    rel_bc = client.post(f"{base}/{b}/relations", json={"target_id": c, "type": "friend"},
                         headers=auth).get_json()
    client.post(f"{base}/{c}/relations", json={"target_id": d, "type": "competitor", "strength": 5},
                headers=auth)
    client.post(f"{base}/{d}/relations", json={"target_id": a, "type": "relative"}, headers=auth)  # a cycle

    net = client.get(f"{base}/{a}/network?depth=2", headers=auth).get_json()
    assert {n["id"] for n in net["nodes"]} == {a, b, c, d}
    assert all({"source", "target", "type"} <= set(e) for e in net["edges"])
    assert {n["id"]: n["name"] for n in net["nodes"]}[a] == "甲"
    for bad in ("depth=7", "depth=0", "depth=x", "limit=99999", "types=enemy", "cursor=abc"):
        answer = client.get(f"{base}/{a}/network?{bad}", headers=auth)
        assert answer.status_code == 400, bad
        assert answer.get_json()["error"]["code"] == "bad_request"
    only = client.get(f"{base}/{a}/network?depth=6&types=upstream", headers=auth).get_json()
    assert {n["id"] for n in only["nodes"]} == {a, b}

    path = client.get(f"{base}/{b}/network/path?to={d}", headers=auth).get_json()
    assert path["found"] and path["length"] == 2
    assert client.get(f"{base}/{b}/network/path?to=x", headers=auth).status_code == 400
    blocked = client.get(f"{base}/{b}/network/path?to={d}&types=upstream", headers=auth)
    assert blocked.get_json()["found"] is False
    hubs = client.get(f"{base}/{a}/network/connectors?depth=3&top=2", headers=auth).get_json()["items"]
    assert len(hubs) == 2 and {"id", "name", "degree", "betweenness"} <= set(hubs[0])

    changed = client.patch(f"{base}/{c}/relations/{rel_bc['id']}", json={"strength": 1}, headers=auth)
    assert changed.status_code == 200 and changed.get_json()["strength"] == 1
    assert changed.get_json()["type"] == "friend"
    assert client.patch(f"{base}/{c}/relations/{rel_bc['id']}", json={"strength": 9},
                        headers=auth).status_code == 422
    assert client.delete(f"{base}/{d}/relations/{rel_bc['id']}", headers=auth).status_code == 404  # not d's
    assert client.delete(f"{base}/{c}/relations/{rel_bc['id']}", headers=auth).status_code == 204
    with kernel.tenant_context(tenant):
        assert TrashEntry.select().where((TrashEntry.entity == "relation")
                                         & (TrashEntry.record_id == rel_bc["id"])).exists()
    left = client.get(f"{base}/{b}/relations", headers=auth).get_json()["items"]
    assert {i["other"]["id"] for i in left} == {a}


def test_relation_types_over_the_api(kernel, tenant, client):
    boss = make_user(kernel, tenant, "boss", role="admin")
    seller = make_user(kernel, tenant, "seller", role="sales")
    url = f"/t/{tenant}/api/v1/relation-types"
    keys = [t["key"] for t in client.get(url, headers=bearer(kernel, tenant, seller)).get_json()["items"]]
    assert keys[:5] == ["upstream", "downstream", "competitor", "relative", "friend"]
    payload = {"key": "investor", "name": "Investor", "name_zh": "投资方", "inverse": "investee",
               "inverse_name": "Investee", "inverse_name_zh": "被投资方"}
    assert client.post(url, json=payload, headers=bearer(kernel, tenant, seller)).status_code == 403
    admin = bearer(kernel, tenant, boss)
    created = client.post(url, json=payload, headers=admin)
    assert created.status_code == 201 and created.get_json()["inverse"] == "investee"
    assert client.post(url, json=payload, headers=admin).status_code == 422
    assert client.post(url, json={**payload, "key": "x1", "inverse": None, "extra": 1},
                       headers=admin).status_code == 422
    assert client.delete(f"{url}/upstream", headers=admin).status_code == 409
    assert client.delete(f"{url}/nothing", headers=admin).status_code == 404
    assert client.delete(f"{url}/investor", headers=admin).status_code == 204


def test_network_permissions_on_every_path(kernel, tenant, tenant_factory, client):
    alice = make_user(kernel, tenant, "alice", role="sales")
    bob = make_user(kernel, tenant, "bob", role="sales")
    boss = make_user(kernel, tenant, "boss", role="admin")
    (mine,) = customers(kernel, tenant, "Alice's", owner=alice.id)
    (theirs,) = customers(kernel, tenant, "Bob's secret", owner=bob.id)
    base = f"/t/{tenant}/api/v1/customers"
    assert client.post(f"{base}/{theirs}/relations", json={"target_id": mine, "type": "upstream"},
                       headers=bearer(kernel, tenant, boss)).status_code == 201
    auth = bearer(kernel, tenant, alice)
    for path in (f"{theirs}/network", f"{theirs}/relations", f"{theirs}/network/connectors",
                 f"{mine}/network/path?to={theirs}"):
        assert client.get(f"{base}/{path}", headers=auth).status_code == 404, path
    assert client.post(f"{base}/{theirs}/relations", json={"target_id": mine, "type": "friend"},
                       headers=auth).status_code == 404
    assert client.post(f"{base}/{mine}/relations", json={"target_id": theirs, "type": "friend"},
                       headers=auth).status_code == 422  # an invisible target is "no such customer"
    net = client.get(f"{base}/{mine}/network", headers=auth).get_json()
    hidden = [n for n in net["nodes"] if n["anonymous"]]
    assert len(hidden) == 1 and hidden[0]["name"] is None and "secret" not in str(net)
    listed = client.get(f"{base}/{mine}/relations", headers=auth).get_json()["items"]
    assert listed[0]["other"]["anonymous"] and listed[0]["type"] == "downstream"
    assert client.get(f"{base}/{mine}/network").status_code == 401
    elsewhere = tenant_factory()
    assert client.get(f"/t/{elsewhere}/api/v1/customers/{mine}/network", headers=auth).status_code == 401


def test_network_pages(kernel, tenant, client):
    boss = make_user(kernel, tenant, "boss", role="admin", language="en")
    a, b = customers(kernel, tenant, "Acme", "Globex")
    client.post(f"/t/{tenant}/api/v1/customers/{a}/relations", json={"target_id": b, "type": "friend"},
                headers=bearer(kernel, tenant, boss))
    csrf = login(client, tenant, boss)
    tab = client.get(f"/t/{tenant}/customers/{a}/network/tab")
    assert tab.status_code == 200
    html = tab.get_data(as_text=True)
    assert "<iframe" in html and "Globex" in html and "Related companies" in html
    graph = client.get(f"/t/{tenant}/customers/{a}/network/graph?framed=1").get_data(as_text=True)
    assert "data-network-graph" in graph and "network-graph.js" in graph and "<html" in graph
    full = client.get(f"/t/{tenant}/customers/{a}/network/graph?depth=3")
    assert full.status_code == 200 and 'data-depth="3"' in full.get_data(as_text=True)
    assert client.get(f"/t/{tenant}/customers/{a}/network/graph?depth=9").status_code == 400
    script = client.get(f"/t/{tenant}/customers-static/customers/network-graph.js")
    assert script.status_code == 200 and b"echarts" in script.data
    types_page = client.get(f"/t/{tenant}/relation-types")
    assert types_page.status_code == 200 and "upstream" in types_page.get_data(as_text=True)
    added = client.post(f"/t/{tenant}/relation-types",
                        data={"csrf_token": csrf, "key": "alumni", "name": "Alumni"})
    assert added.status_code == 302
    refused = client.post(f"/t/{tenant}/relation-types",
                          data={"csrf_token": csrf, "key": "Bad Key", "name": ""})
    assert refused.status_code == 422 and "is-invalid" in refused.get_data(as_text=True)
    tabs = client.get(f"/t/{tenant}/api/v1/customers/{a}/tabs", headers=bearer(kernel, tenant, boss))
    assert {"network", "timeline", "schedule"} <= {t["key"] for t in tabs.get_json()["items"]}
    record = client.get(f"/t/{tenant}/customers/{a}").get_data(as_text=True)
    assert "/network/tab" in record and "/timeline/tab" in record


def test_pages_speak_chinese(kernel, tenant, client):
    boss = make_user(kernel, tenant, "wang", role="admin", language="zh_CN")
    (a,) = customers(kernel, tenant, "华新")
    login(client, tenant, boss)
    html = client.get(f"/t/{tenant}/customers/{a}/network/tab").get_data(as_text=True)
    assert "关联客户" in html and "还没有关联客户" in html


def test_endpoints_are_in_the_openapi_document(kernel, tenant, client):
    boss = make_user(kernel, tenant, "boss", role="admin")
    spec = client.get(f"/t/{tenant}/api/v1/openapi.json", headers=bearer(kernel, tenant, boss)).get_json()
    one = "/customers/{customer_id}"
    for path in (f"{one}/network", f"{one}/relations", "/relation-types", f"{one}/activities",
                 f"{one}/timeline", "/activity-types", "/schedule", "/schedule.ics", "/schedule/import",
                 f"{one}/schedule"):
        assert path in spec["paths"], path
    network = spec["paths"][f"{one}/network"]["get"]
    params = {p["name"] for p in network.get("parameters", [])}
    assert {"depth", "types", "limit", "cursor"} <= params
