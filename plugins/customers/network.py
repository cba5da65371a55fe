"""The relationship network: "the customer is a well, not a bowl of water" (客户是一口井).

From any customer, walk the relations breadth first (both directions, cycles visited once) up
to ``depth`` hops, within a node budget so that a hub with thousands of neighbours answers a
bounded page instead of hanging. Edge lists come from raw SQL on covering partial indexes;
node names and visibility from one permission-filtered query per level.

Customers the user may not read appear as anonymous nodes (an opaque id, no fields) or not at
all, per the tenant setting ``customers.network_hidden_nodes``; in "hide" mode the walk does
not pass through them either, so nothing behind them leaks.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from core.db import tenant_db
from core.errors import ApiError
from core.identity.models import User
from core.identity.permissions import apply_field_rules, field_rules
from plugins.customers import relations
from plugins.customers.models import Customer

MAX_DEPTH = 6
DEFAULT_LIMIT = 300
MAX_LIMIT = 2000
EDGE_ROWS_PER_NODE = 20
MAX_PATH_VISITS = 100_000
MAX_PATH_RETRIES = 8

_EDGES_SQL = (
    "SELECT id, source_id, target_id, type, strength FROM customers_relation "
    "WHERE {side}_id IN ({marks}) AND deleted_at IS NULL{types} LIMIT {limit}"
)


@dataclass
class Network:
    root: int
    depth: int
    nodes: dict[Any, dict[str, Any]] = field(default_factory=dict)
    edges: dict[int, dict[str, Any]] = field(default_factory=dict)
    truncated: bool = False
    next: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"root": self.root, "depth": self.depth, "nodes": list(self.nodes.values()),
                "edges": list(self.edges.values()), "truncated": self.truncated, "next": self.next}


def parse_depth(value: Any, default: int = 2) -> int:
    """Depth from a query string: 1…6, else 400."""
    if value in (None, ""):
        return default
    try:
        depth = int(value)
    except (TypeError, ValueError) as exc:
        raise ApiError(400, "depth must be a whole number from 1 to 6") from exc
    if not 1 <= depth <= MAX_DEPTH:
        raise ApiError(400, f"depth must be from 1 to {MAX_DEPTH}")
    return depth


def parse_limit(value: Any) -> int:
    if value in (None, ""):
        return DEFAULT_LIMIT
    try:
        limit = int(value)
    except (TypeError, ValueError) as exc:
        raise ApiError(400, f"limit must be a whole number from 2 to {MAX_LIMIT}") from exc
    if not 2 <= limit <= MAX_LIMIT:
        raise ApiError(400, f"limit must be from 2 to {MAX_LIMIT}")
    return limit


def parse_types(value: str | None) -> list[str] | None:
    if not value:
        return None
    return [part.strip() for part in value.split(",") if part.strip()] or None


# -- edges ------------------------------------------------------------------------------------


def _edge_rows(ids: list[int], types: set[str] | None, limit: int) -> list[tuple]:
    """(id, source, target, type, strength) of live relations touching ``ids`` (both sides)."""
    rows: list[tuple] = []
    type_sql = ""
    type_params: list[str] = []
    if types is not None:
        type_sql = f" AND type IN ({', '.join(['%s'] * len(types))})"
        type_params = sorted(types)
    seen: set[int] = set()
    for start in range(0, len(ids), relations.CHUNK):
        chunk = ids[start:start + relations.CHUNK]
        marks = ", ".join(["%s"] * len(chunk))
        for side in ("source", "target"):
            remaining = limit - len(rows)
            if remaining <= 0:
                return rows
            sql = _EDGES_SQL.format(side=side, marks=marks, types=type_sql, limit=remaining)
            for row in _execute(sql, [*chunk, *type_params]):
                if row[0] not in seen:
                    seen.add(row[0])
                    rows.append(row)
    return rows


def _execute(sql: str, params: list[Any]) -> Iterable[tuple]:
    db = tenant_db.obj
    param = db.param
    if param != "%s":
        sql = sql.replace("%s", param)
    return db.execute_sql(sql, params).fetchall()


def _first_hop(root: int, types: set[str] | None, after: int, page: int) -> tuple[list[tuple], bool]:
    """The root's relations to neighbours with id > ``after``: ``page`` neighbours, by id."""
    type_sql = ""
    type_params: list[str] = []
    if types is not None:
        type_sql = f" AND type IN ({', '.join(['%s'] * len(types))})"
        type_params = sorted(types)
    fetch = page * 2 + 1
    per_side: list[list[tuple]] = []
    for side, other in (("source", "target"), ("target", "source")):
        sql = (f"SELECT id, source_id, target_id, type, strength FROM customers_relation "
               f"WHERE {side}_id = %s AND {other}_id > %s AND deleted_at IS NULL{type_sql} "
               f"ORDER BY {other}_id LIMIT {fetch}")
        per_side.append(list(_execute(sql, [root, after, *type_params])))
    # Complete up to the smaller last neighbour id of a side that hit its limit.
    bound = min((_other(rows[-1], root) for rows in per_side if len(rows) == fetch), default=None)
    rows = [r for side_rows in per_side for r in side_rows if bound is None or _other(r, root) <= bound]
    neighbours = sorted({_other(r, root) for r in rows})
    more = bound is not None or len(neighbours) > page
    keep = set(neighbours[:page])
    return [r for r in rows if _other(r, root) in keep], more


def _other(row: tuple, node: int) -> int:
    return row[2] if row[1] == node else row[1]


# -- the walk -----------------------------------------------------------------------------------


class _Nodes:
    """Classifies customer ids for one user: visible (with fields), anonymous, or absent."""

    def __init__(self, user: User):
        self.user = user
        self.mode = relations.hidden_mode()
        self.rules = field_rules(user, "customer")
        self.query = relations.VisibleCustomers(user, Customer.name, Customer.region, Customer.owner)

    def classify(self, ids: Iterable[int]) -> dict[int, dict[str, Any] | None]:
        """{id: node} for usable ids: a dict for visible ones, None for anonymous ones."""
        ids = list(ids)
        found: dict[int, dict[str, Any] | None] = {}
        for cid, name, region, owner_id in self.query.rows(ids):
            node = {"id": cid, "name": name, "region": region, "owner_id": owner_id}
            found[cid] = apply_field_rules(self.user, "customer", node, self.rules) if self.rules else node
        if self.mode == "anonymous" and len(found) < len(ids):
            for cid in relations.live_ids(set(ids) - set(found)):
                found[cid] = None
        return found


def extract(user: User, root: Customer, depth: int = 2, types: list[str] | None = None,
            limit: int = DEFAULT_LIMIT, cursor: str | None = None) -> Network:
    """The network around ``root`` (which the caller has checked ``user`` may read).

    The root's direct neighbours come ``limit // 2`` per page in id order (``cursor`` is the
    ``next`` of the previous page); deeper levels fill the rest of the ``limit`` nodes
    breadth first. ``truncated`` says the budget cut the walk short.
    """
    if not 1 <= depth <= MAX_DEPTH:
        raise ApiError(400, f"depth must be from 1 to {MAX_DEPTH}")
    wanted = relations.expand_types(types)
    classifier = _Nodes(user)
    net = Network(root=root.id, depth=depth)
    node_ids: dict[int, Any] = {}  # customer id -> public node id
    root_node = classifier.classify([root.id]).get(root.id)
    if root_node is None:
        raise ApiError(404, "no such customer")
    net.nodes[root.id] = {**root_node, "depth": 0, "anonymous": False}
    node_ids[root.id] = root.id
    rows, more = _first_hop(root.id, wanted, relations._cursor(cursor), max(1, limit // 2))
    if more:
        net.next = str(max(_other(r, root.id) for r in rows)) if rows else None
        net.truncated = True
    frontier = [root.id]
    for level in range(1, depth + 1):
        next_frontier: list[int] = []
        batches = [rows] if level == 1 else _batches(frontier, wanted, net, limit)
        for batch in batches:
            _absorb(batch, level, user, classifier, net, node_ids, next_frontier, limit)
            if len(net.nodes) >= limit:
                break
        frontier = next_frontier
        if not frontier or len(net.nodes) >= limit:
            if frontier and level < depth:
                net.truncated = True
            break
    return net


def _batches(frontier: list[int], wanted: set[str] | None, net: Network, limit: int):
    """The frontier's edges, a slice of the frontier at a time, so that a walk whose node budget
    fills up early reads no more of the index than it needs."""
    step = 32
    for start in range(0, len(frontier), step):
        room = limit - len(net.nodes)
        if room <= 0:
            net.truncated = True
            return
        chunk = frontier[start:start + step]
        budget = room * EDGE_ROWS_PER_NODE + len(chunk)
        rows = _edge_rows(chunk, wanted, budget)
        if len(rows) >= budget:
            net.truncated = True
        yield rows
        step = min(step * 2, relations.CHUNK)


def _absorb(rows: list[tuple], level: int, user: User, classifier: _Nodes, net: Network,
            node_ids: dict[int, Any], next_frontier: list[int], limit: int) -> None:
    """Add the new ends of ``rows`` (classified in batches, only as many as the budget needs)
    and every edge whose two ends are in the network."""
    candidates = list(dict.fromkeys(end for row in rows for end in (row[1], row[2]) if end not in node_ids))
    classified: dict[int, dict[str, Any] | None] = {}
    done = 0
    for rel_id, source, target, rtype, strength in rows:
        for end in (source, target):
            if end in node_ids:
                continue
            if len(net.nodes) >= limit:
                net.truncated = True
                break
            if end not in classified and done < len(candidates):
                batch = candidates[done:done + max(limit - len(net.nodes), 64)]
                done += len(batch)
                classified.update(dict.fromkeys(batch, False))
                classified.update(classifier.classify(batch))
            node = classified.get(end, False)
            if node is False:
                continue  # trashed, or hidden in "hide" mode
            public = end if node is not None else relations.anonymous_id(user, end)
            node_ids[end] = public
            net.nodes[public] = ({**node, "depth": level, "anonymous": False} if node is not None
                                 else {"id": public, "name": None, "depth": level, "anonymous": True})
            next_frontier.append(end)
        if source in node_ids and target in node_ids:
            net.edges[rel_id] = {"id": rel_id, "source": node_ids[source], "target": node_ids[target],
                                 "type": rtype, "strength": strength}


# -- shortest path ------------------------------------------------------------------------------


def shortest_path(user: User, source: Customer, target: Customer, types: list[str] | None = None,
                  max_depth: int = MAX_DEPTH) -> Network | None:
    """The shortest chain of relations from ``source`` to ``target`` ("how do we reach this
    buyer?"), at most ``max_depth`` hops, or None. Bidirectional breadth-first search over the
    edge indexes alone; the customers on a found chain are then checked (trashed ones, and in
    "hide" mode invisible ones, may not be passed through) and the search repeated without them."""
    wanted = relations.expand_types(types)
    classifier = _Nodes(user)
    if source.id == target.id:
        net = Network(root=source.id, depth=0)
        net.nodes[source.id] = {**classifier.classify([source.id])[source.id], "depth": 0, "anonymous": False}
        return net
    blocked: set[int] = set()
    for _ in range(MAX_PATH_RETRIES):
        found = _bidirectional(source.id, target.id, wanted, max_depth, blocked)
        if found is None:
            return None
        meeting, parents = found
        order = _chain(meeting, parents)
        inner = order[1:-1]
        usable = classifier.classify(inner)
        bad = [cid for cid in inner if cid not in usable]
        if not bad:
            usable.update(classifier.classify([source.id, target.id]))
            return _path_network(user, source.id, meeting, parents, usable)
        blocked.update(bad)
    return None


def _bidirectional(source: int, target: int, wanted: set[str] | None, max_depth: int,
                   blocked: set[int]) -> tuple[int, tuple[dict, dict]] | None:
    parents: tuple[dict[int, tuple | None], dict[int, tuple | None]] = ({source: None}, {target: None})
    dist: tuple[dict[int, int], dict[int, int]] = ({source: 0}, {target: 0})
    frontiers = ([source], [target])
    hops = 0
    while frontiers[0] and frontiers[1] and hops < max_depth:
        side = 0 if len(frontiers[0]) <= len(frontiers[1]) else 1
        rows = _edge_rows(frontiers[side], wanted, MAX_PATH_VISITS)
        frontier_set = set(frontiers[side])
        next_frontier: list[int] = []
        meetings: list[int] = []
        for row in rows:
            for here in {row[1], row[2]} & frontier_set:
                there = _other(row, here)
                if there in parents[side] or there in blocked:
                    continue
                parents[side][there] = (here, row)
                dist[side][there] = dist[side][here] + 1
                next_frontier.append(there)
                if there in parents[1 - side]:
                    meetings.append(there)
        hops += 1
        if meetings:
            best = min(meetings, key=lambda m: dist[0][m] + dist[1][m])
            return (best, parents) if dist[0][best] + dist[1][best] <= max_depth else None
        frontiers = (next_frontier, frontiers[1]) if side == 0 else (frontiers[0], next_frontier)
        if sum(len(p) for p in parents) > MAX_PATH_VISITS:
            break
    return None


def _chain(meeting: int, parents: tuple[dict, dict]) -> list[int]:
    """The customer ids from source to target through ``meeting``."""
    order: list[int] = []
    node: int | None = meeting
    while node is not None:
        order.append(node)
        step = parents[0][node]
        node = step[0] if step else None
    order.reverse()
    node = meeting
    while parents[1][node] is not None:
        node = parents[1][node][0]
        order.append(node)
    return order


def _path_network(user: User, root: int, meeting: int, parents: tuple[dict, dict],
                  usable: dict[int, dict[str, Any] | None]) -> Network:
    chain: list[tuple[int, tuple | None]] = []
    node: int | None = meeting
    while node is not None:
        step = parents[0][node]
        chain.append((node, step[1] if step else None))
        node = step[0] if step else None
    chain.reverse()
    order = [n for n, _ in chain]
    rows = [r for _, r in chain if r is not None]
    node = meeting
    while parents[1][node] is not None:
        here, row = parents[1][node]
        order.append(here)
        rows.append(row)
        node = here
    known = usable  # every id on the chain, already classified: a dict (visible) or None (anonymous)
    net = Network(root=root, depth=len(order) - 1)
    public: dict[int, Any] = {}
    for position, cid in enumerate(order):
        info = known.get(cid)
        if info is not None:
            public[cid] = cid
            net.nodes[cid] = {**info, "depth": position, "anonymous": False}
        else:
            public[cid] = relations.anonymous_id(user, cid)
            net.nodes[public[cid]] = {"id": public[cid], "name": None, "depth": position, "anonymous": True}
    for rel_id, source, target, rtype, strength in rows:
        net.edges[rel_id] = {"id": rel_id, "source": public[source], "target": public[target],
                             "type": rtype, "strength": strength}
    return net


# -- connectors ---------------------------------------------------------------------------------


def connectors(user: User, root: Customer, depth: int = 3, types: list[str] | None = None,
               limit: int = DEFAULT_LIMIT, top: int = 10, samples: int = 64) -> list[dict[str, Any]]:
    """The customers that connect many others in ``root``'s network: betweenness centrality
    (Brandes; sampled from ``samples`` sources on big networks) over the extracted graph, with
    the degree within it. Anonymous nodes carry paths but are never listed."""
    net = extract(user, root, depth=depth, types=types, limit=limit)
    adjacency: dict[Any, set[Any]] = {node: set() for node in net.nodes}
    for edge in net.edges.values():
        adjacency[edge["source"]].add(edge["target"])
        adjacency[edge["target"]].add(edge["source"])
    nodes = sorted(adjacency, key=str)
    sources = nodes if len(nodes) <= samples else [nodes[i * len(nodes) // samples] for i in range(samples)]
    score = dict.fromkeys(nodes, 0.0)
    for source in sources:
        _accumulate(adjacency, source, score)
    scale = len(nodes) / len(sources) / 2  # undirected; sampled sources stand for all
    ranked = sorted(
        (n for n in nodes if not net.nodes[n]["anonymous"]),
        key=lambda n: (-score[n], -len(adjacency[n]), str(n)),
    )
    return [{"id": n, "name": net.nodes[n].get("name"), "degree": len(adjacency[n]),
             "betweenness": round(score[n] * scale, 2)} for n in ranked[:top]]


def _accumulate(adjacency: dict[Any, set[Any]], source: Any, score: dict[Any, float]) -> None:
    """One source's contribution to betweenness (Brandes 2001, unweighted)."""
    order: list[Any] = []
    preds: dict[Any, list[Any]] = {source: []}
    paths = {source: 1.0}
    dist = {source: 0}
    queue = [source]
    for node in queue:
        order.append(node)
        for other in adjacency[node]:
            if other not in dist:
                dist[other] = dist[node] + 1
                paths[other] = 0.0
                preds[other] = []
                queue.append(other)
            if dist[other] == dist[node] + 1:
                paths[other] += paths[node]
                preds[other].append(node)
    delta = dict.fromkeys(order, 0.0)
    for node in reversed(order):
        for pred in preds[node]:
            delta[pred] += paths[pred] / paths[node] * (1 + delta[node])
        if node != source:
            score[node] += delta[node]
