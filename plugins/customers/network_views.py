"""Endpoints of the relationship network: relation types, relations, network, path, connectors,
and the graph pages (the record tab embeds the interactive graph)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, g, jsonify, redirect, render_template, request, url_for

from core.api.openapi import api_doc
from core.errors import ApiError
from core.identity.audit import audit
from core.identity.trash import move_to_trash
from plugins.customers import network, network_i18n, relations
from plugins.customers import network_http as http
from plugins.customers.relations_models import Relation

api = Blueprint("customers_network_api", __name__, url_prefix="/api/v1")
pages = Blueprint("customers_network_pages", __name__, template_folder="templates",
                  static_folder="static", static_url_path="/customers-static")
pages.context_processor(network_i18n.context)
TAGS = ["customers"]
NETWORK_PARAMS = {
    "depth": ("integer", "hops from the customer, 1–6 (default 2); more is 400"),
    "types": ("string", "comma-separated relation type keys (their inverses are included)"),
    "limit": ("integer", "most nodes in the answer, 2–2000 (default 300)"),
    "cursor": ("string", "the next page of the customer's direct neighbours (a hub's)"),
}


@api.get("/relation-types")
@api_doc(summary="Relation types of the tenant", tags=TAGS, errors=())
def relation_types():
    http.user()
    return jsonify(items=[relations.type_to_dict(t) for t in relations.relation_types().values()])


@api.post("/relation-types")
@api_doc(summary="Add a relation type (and its inverse); administrators only", status=201, tags=TAGS,
         errors=(400, 403, 422))
def create_relation_type():
    who = http.admin()
    data = http.body()
    unknown = set(data) - {"key", "name", "name_zh", "inverse", "inverse_name", "inverse_name_zh", "color"}
    if unknown:
        raise ApiError(422, "unknown fields", fields={name: ["unknown field"] for name in sorted(unknown)})
    created = relations.create_relation_type(**{k: v if isinstance(v, str) else "" for k, v in data.items()})
    audit("create", "relation_type", created.key, {"key": [None, created.key]}, who)
    return jsonify(relations.type_to_dict(created)), 201


@api.delete("/relation-types/<key>")
@api_doc(summary="Delete an unused tenant relation type; administrators only", status=204, tags=TAGS,
         errors=(403, 404, 409))
def delete_relation_type(key: str):
    who = http.admin()
    relations.delete_relation_type(key)
    audit("delete", "relation_type", key, {}, who)
    return "", 204


@api.get("/customers/<int:customer_id>/relations")
@api_doc(summary="The customer's relations, each read from this customer's side", many=True, tags=TAGS,
         params={"type": ("string", "only these type keys (comma-separated)"),
                 "limit": ("integer", "1–200"), "cursor": ("string", "next page")})
def list_relations(customer_id: int):
    customer = http.customer(customer_id)
    page = relations.list_relations(http.user(), customer, limit=http.limit(),
                                    cursor=request.args.get("cursor"),
                                    type_keys=network.parse_types(request.args.get("type")))
    return jsonify(items=page.items, next=page.next)


@api.post("/customers/<int:customer_id>/relations")
@api_doc(summary="Relate this customer to another: {target_id, type, note, strength}", status=201,
         tags=TAGS, errors=(400, 403, 404, 409, 422))
def create_relation(customer_id: int):
    source = http.customer(customer_id, "write")
    http.allowed("relation", "create")
    data = http.body()
    unknown = set(data) - {"target_id", "type", "note", "strength"}
    if unknown:
        raise ApiError(422, "unknown fields", fields={name: ["unknown field"] for name in sorted(unknown)})
    relation = relations.add_relation(http.user(), source, data.get("target_id"), data.get("type"),
                                      data.get("note", ""), data.get("strength", 3))
    audit("create", "relation", relation.id, {"source_id": [None, source.id],
                                              "target_id": [None, relation.target_id],
                                              "type": [None, relation.type]})
    return jsonify(_relation_from(http.user(), source, relation.id)), 201


def _relation_from(user: Any, customer: Any, relation_id: int) -> dict[str, Any]:
    page = relations.list_relations(user, customer, limit=1, cursor=str(relation_id - 1))
    if page.items and page.items[0]["id"] == relation_id:
        return page.items[0]
    return {"id": relation_id, "customer_id": customer.id}  # the other side is hidden from the caller


def _relation(customer_id: int, relation_id: int, action: str) -> tuple[Any, Relation]:
    customer = http.customer(customer_id, "write" if action != "read" else "read")
    relation = relations.relation_for(customer, relation_id)
    if relation is None:
        raise ApiError(404, "no such relation of this customer")
    http.allowed("relation", action)
    return customer, relation


@api.patch("/customers/<int:customer_id>/relations/<int:relation_id>")
@api_doc(summary="Change a relation's note, strength or type", tags=TAGS, errors=(400, 403, 404, 422))
def update_relation(customer_id: int, relation_id: int):
    customer, relation = _relation(customer_id, relation_id, "write")
    before = {"note": relation.note, "strength": relation.strength, "type": relation.type}
    relations.update_relation(relation, http.body())
    audit("update", "relation", relation.id, {k: [v, getattr(relation, k)] for k, v in before.items()
                                               if getattr(relation, k) != v})
    return jsonify(_relation_from(http.user(), customer, relation.id))


@api.delete("/customers/<int:customer_id>/relations/<int:relation_id>")
@api_doc(summary="Move a relation to the trash", status=204, tags=TAGS, errors=(403, 404))
def delete_relation(customer_id: int, relation_id: int):
    _, relation = _relation(customer_id, relation_id, "delete")
    move_to_trash("relation", relation, http.user())
    return "", 204


@api.get("/customers/<int:customer_id>/network")
@api_doc(summary="The customer's relationship network: nodes and typed edges", tags=TAGS,
         params=NETWORK_PARAMS, errors=(400, 404))
def get_network(customer_id: int):
    args = request.args
    depth = network.parse_depth(args.get("depth"))
    limit = network.parse_limit(args.get("limit"))
    customer = http.customer(customer_id)
    net = network.extract(http.user(), customer, depth=depth, types=network.parse_types(args.get("types")),
                          limit=limit, cursor=args.get("cursor"))
    return jsonify(net.to_dict())


@api.get("/customers/<int:customer_id>/network/path")
@api_doc(summary="The shortest chain of relations to another customer", tags=TAGS, errors=(400, 404),
         params={"to": ("integer", "the other customer's id"), "types": NETWORK_PARAMS["types"],
                 "max_depth": ("integer", "at most this many hops, 1–6 (default 6)")})
def get_path(customer_id: int):
    depth = network.parse_depth(request.args.get("max_depth"), default=network.MAX_DEPTH)
    source = http.customer(customer_id)
    target = http.customer(_int_arg("to"))
    path = network.shortest_path(http.user(), source, target, network.parse_types(request.args.get("types")),
                                 max_depth=depth)
    if path is None:
        return jsonify(found=False, nodes=[], edges=[], length=None)
    return jsonify(found=True, length=len(path.edges), **{k: v for k, v in path.to_dict().items()
                                                          if k in ("nodes", "edges")})


@api.get("/customers/<int:customer_id>/network/connectors")
@api_doc(summary="The customers who connect many others in this customer's network", many=True,
         tags=TAGS, params={**NETWORK_PARAMS, "top": ("integer", "how many, 1–50 (default 10)")})
def get_connectors(customer_id: int):
    depth = network.parse_depth(request.args.get("depth"), default=3)
    limit = network.parse_limit(request.args.get("limit"))
    top = _int_arg("top", 10)
    if not 1 <= top <= 50:
        raise ApiError(400, "top must be from 1 to 50")
    customer = http.customer(customer_id)
    items = network.connectors(http.user(), customer, depth=depth, limit=limit,
                               types=network.parse_types(request.args.get("types")), top=top)
    return jsonify(items=items, next=None)


def _int_arg(name: str, default: int | None = None) -> int:
    raw = request.args.get(name)
    if raw in (None, "") and default is not None:
        return default
    try:
        return int(raw)  # type: ignore[arg-type]
    except (TypeError, ValueError) as exc:
        raise ApiError(400, f"{name} must be a whole number") from exc


# -- pages ------------------------------------------------------------------------------------


@pages.get("/customers/<int:customer_id>/network/tab")
def network_tab(customer_id: int):
    """The record tab: the interactive graph (in a frame, so its script runs) and the list."""
    customer = http.customer(customer_id)
    page = relations.list_relations(http.user(), customer, limit=50)
    return render_template("customers/network/tab.html", customer=customer, items=page.items,
                           more=page.next is not None, types=relations.relation_types())


@pages.get("/customers/<int:customer_id>/network/graph")
def network_graph(customer_id: int):
    """The graph on its own page (also framed by the tab): force layout, coloured by type, click a
    node to expand it one hop, double-click to open the customer."""
    customer = http.customer(customer_id)
    depth = network.parse_depth(request.args.get("depth"))
    types = relations.relation_types()
    legend = [{"key": t.key, "name": t.name, "name_zh": t.name_zh, "color": t.color} for t in types.values()]
    return render_template(
        "customers/network/graph.html", customer=customer, depth=depth, legend=legend,
        framed=request.args.get("framed") == "1",
        api=url_for("customers_network_api.get_network", customer_id=customer.id),
        open_url=f"/t/{g.tenant.slug}/customers/",
    )


@pages.route("/relation-types", methods=["GET", "POST"])
def relation_types_page():
    """The tenant's relation types; administrators add types (with their inverse) here."""
    who = http.user()
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        http.admin()
        form = request.form
        try:
            created = relations.create_relation_type(
                form.get("key", "").strip(), form.get("name", ""), form.get("name_zh", ""),
                form.get("inverse", "").strip() or None, form.get("inverse_name", ""),
                form.get("inverse_name_zh", ""), form.get("color", ""))
            audit("create", "relation_type", created.key, {"key": [None, created.key]}, who)
            return redirect(url_for(".relation_types_page"))
        except ApiError as err:
            errors = err.fields
    return render_template("customers/network/relation_types.html", types=relations.relation_types(),
                           errors=errors, form=request.form, can_edit=who.is_admin,
                           breadcrumbs=[("Relation types", None)]), 422 if errors else 200
