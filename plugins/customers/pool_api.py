"""REST endpoints of the pools (CONTRACT.md, "pool and follow-up"), under ``/t/<t>/api/v1``.

``/pools``, ``/pools/<id>``, ``/pools/<id>/customers``, ``POST /customers/<id>/claim``,
``/release {"reason"}``, ``/assign {"user"}``, ``/lock {"locked"}``, ``/move {"pool"}``,
``/customers/<id>/owners`` (owner history) and ``/pool-notices`` (the caller's notices).
Every answer goes through the services, so the API and the pages obey the same rules.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, current_app, g, jsonify, request
from marshmallow import fields as ma

from core.api.openapi import api_doc
from core.api.query import fetch_page, parse_list_args
from core.api.views import json_body
from core.errors import ApiError
from core.identity import permissions
from plugins.customers import claims, pool_history
from plugins.customers import pool as pools
from plugins.customers.models import Customer
from plugins.customers.pool_common import PoolError, as_id, iso, load, utcnow
from plugins.customers.pool_models import PoolNotice, PoolState
from plugins.customers.pool_schemas import (
    PoolAssignSchema,
    PoolLockSchema,
    PoolMoveSchema,
    PoolReleaseSchema,
    PoolSchema,
)

TAGS = ["pools"]
CUSTOMER_COLUMNS = ("id", "name", "region", "phone", "email", "address", "category_id")


def answers_errors(view: Callable[..., Any]) -> Callable[..., Any]:
    """Answer a service's PoolError in the contract's error shape (plus ``details``)."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return view(*args, **kwargs)
        except PoolError as exc:
            body = ApiError(exc.status, exc.message, exc.code, exc.fields).to_dict()
            if exc.details:
                body["error"]["details"] = exc.details
            return jsonify(body), exc.status

    return wrapper


def customer_summary(customer: Customer) -> dict[str, Any]:
    """What claim/release/assign answer: the customer's key facts (field rules applied)."""
    data = {name: getattr(customer, name) for name in CUSTOMER_COLUMNS}
    data["owner_id"] = customer.owner_id
    data["updated_at"] = iso(customer.updated_at)
    return permissions.apply_field_rules(g.user, "customer", data)


def state_dict(customer: Customer) -> dict[str, Any]:
    state = PoolState.get_or_none(PoolState.customer == customer.id)
    pool = pools.home_pool(customer, state)
    return {
        "pool": {"id": pool.id, "name": pool.name} if pool else None,
        "locked": bool(state and state.locked),
        "owned_since": iso(state.owned_since) if state else None,
        "last_followup_at": iso(state.last_followup_at) if state else None,
        "last_deal_at": iso(state.last_deal_at) if state else None,
        "last_won_at": iso(state.last_won_at) if state else None,
        "warned_at": iso(state.warned_at) if state else None,
        "returns_at": iso(state.warn_due) if state and state.warned_at else None,
    }


def _visible_customer(customer_id: int) -> Customer:
    customer = Customer.live().where(Customer.id == as_id(customer_id)).get_or_none()
    if customer is None or not permissions.can(g.user, "read", "customer", customer):
        raise PoolError(f"no customer {customer_id}", status=404)
    return customer


def _need(action: str) -> None:
    if not permissions.can(g.user, action, pools.ENTITY):
        raise PoolError(f"you may not {action} pools", status=403)


def api_blueprint() -> Blueprint:
    bp = Blueprint("customers_pool_api", __name__, url_prefix="/api/v1")

    @bp.get("/pools")
    @api_doc(summary="The pools the caller may see, with their figures", tags=TAGS, errors=(403,))
    @answers_errors
    def pool_list() -> Any:
        _need("read")
        visible = pools.visible_pool_ids(g.user)
        items = [pools.pool_dict(p, pools.pool_figures(p)) for p in pools.live_pools() if p.id in visible]
        return jsonify(items=items, next=None)

    @bp.post("/pools")
    @api_doc(summary="Create a pool", request=PoolSchema, status=201, tags=TAGS, errors=(400, 403, 415, 422))
    @answers_errors
    def pool_create() -> Any:
        _need("create")
        pool = pools.create_pool(json_body(), g.user)
        return jsonify(pools.pool_dict(pool, pools.pool_figures(pool))), 201

    @bp.get("/pools/<int:pool_id>")
    @api_doc(summary="One pool with its rules and figures", tags=TAGS, errors=(404,))
    @answers_errors
    def pool_get(pool_id: int) -> Any:
        pool = pools.get_visible_pool(g.user, pool_id)
        return jsonify(pools.pool_dict(pool, pools.pool_figures(pool)))

    @bp.patch("/pools/<int:pool_id>")
    @api_doc(summary="Change a pool (rules and departments are replaced when given)",
             request=PoolSchema(partial=True), tags=TAGS, errors=(400, 403, 404, 409, 415, 422))
    @answers_errors
    def pool_patch(pool_id: int) -> Any:
        pool = pools.get_visible_pool(g.user, pool_id)
        _need("write")
        pool = pools.update_pool(pool, json_body(), g.user)
        return jsonify(pools.pool_dict(pool, pools.pool_figures(pool)))

    @bp.delete("/pools/<int:pool_id>")
    @api_doc(summary="Move an empty pool to the trash (409 while it holds customers)", status=204,
             tags=TAGS, errors=(403, 404, 409))
    @answers_errors
    def pool_delete(pool_id: int) -> Any:
        pool = pools.get_visible_pool(g.user, pool_id)
        _need("delete")
        pools.delete_pool(pool, g.user)
        return Response(status=204)

    @bp.post("/pools/<int:pool_id>/run")
    @api_doc(summary="Queue the automatic return now (it also runs every night)", status=202, tags=TAGS,
             errors=(403, 404))
    @answers_errors
    def pool_run(pool_id: int) -> Any:
        pools.get_visible_pool(g.user, pool_id)
        _need("write")
        current_app.extensions["xietong"].enqueue("customers.pool_return_now", tenant=g.tenant.slug)
        return jsonify(queued=True), 202

    @bp.get("/pools/<int:pool_id>/customers")
    @api_doc(summary="Customers in a pool (keyset pages; sort name, updated_at)", tags=TAGS,
             params={"q": ("string", "part of the name"), "limit": ("integer", "1-200"),
                     "cursor": ("string", "from the previous page"),
                     "sort": ("string", "name, -name, updated_at, -updated_at, id, -id"),
                     "region": ("string", "exact region")}, errors=(400, 404))
    @answers_errors
    def pool_customers(pool_id: int) -> Any:
        pool = pools.get_visible_pool(g.user, pool_id)
        rows, cursor = pool_page(pool, request.args)
        return jsonify(items=rows, next=cursor)

    # -- acting on one customer -------------------------------------------------------

    @bp.post("/customers/<int:customer_id>/claim")
    @api_doc(summary="Claim a customer from a pool you can see", tags=TAGS, errors=(403, 404, 409))
    @answers_errors
    def claim(customer_id: int) -> Any:
        return jsonify(customer_summary(claims.claim(g.user, customer_id)))

    @bp.post("/customers/<int:customer_id>/release")
    @api_doc(summary="Put a customer back into its pool, with a reason", request=PoolReleaseSchema,
             tags=TAGS, errors=(400, 403, 404, 409, 415, 422))
    @answers_errors
    def release(customer_id: int) -> Any:
        values = load(PoolReleaseSchema(), json_body())
        return jsonify(customer_summary(claims.release(g.user, customer_id, values["reason"])))

    @bp.post("/customers/<int:customer_id>/assign")
    @api_doc(summary="Assign a customer to a user (id or user name) — managers", request=PoolAssignSchema,
             tags=TAGS, errors=(400, 403, 404, 409, 415, 422))
    @answers_errors
    def assign(customer_id: int) -> Any:
        return jsonify(customer_summary(claims.assign(g.user, customer_id, json_body())))

    @bp.post("/customers/<int:customer_id>/lock")
    @api_doc(summary="Lock (exempt from automatic return) or unlock a customer — managers",
             request=PoolLockSchema, tags=TAGS, errors=(400, 403, 404, 409, 415, 422))
    @answers_errors
    def lock(customer_id: int) -> Any:
        values = load(PoolLockSchema(), json_body())
        claims.set_locked(g.user, customer_id, values["locked"])
        return jsonify(state_dict(_visible_customer(customer_id)))

    @bp.post("/customers/<int:customer_id>/move")
    @api_doc(summary="Make another pool the customer's home pool — managers", request=PoolMoveSchema,
             tags=TAGS, errors=(400, 403, 404, 415, 422))
    @answers_errors
    def move(customer_id: int) -> Any:
        values = load(PoolMoveSchema(), json_body())
        claims.move(g.user, customer_id, values["pool"])
        return jsonify(state_dict(_visible_customer(customer_id)))

    @bp.get("/customers/<int:customer_id>/owners")
    @api_doc(summary="The customer's owner history: claims, assignments, releases, returns, handovers",
             tags=TAGS, errors=(404,))
    @answers_errors
    def owners(customer_id: int) -> Any:
        customer = _visible_customer(customer_id)
        return jsonify(items=pool_history.owner_history(customer), next=None, state=state_dict(customer))

    # -- notices ----------------------------------------------------------------------

    @bp.get("/pool-notices")
    @api_doc(summary="The caller's notices: customers about to return, returned, assigned; follow-ups due",
             params={"unread": ("boolean", "only unread ones")}, tags=TAGS, errors=())
    @answers_errors
    def notices() -> Any:
        query = PoolNotice.select().where(PoolNotice.user == g.user.id)
        if request.args.get("unread") in ("1", "true"):
            query = query.where(PoolNotice.read_at.is_null())
        rows = query.order_by(PoolNotice.created_at.desc(), PoolNotice.id.desc()).limit(200)
        return jsonify(items=[notice_dict(n) for n in rows], next=None)

    @bp.post("/pool-notices/<int:notice_id>/read")
    @api_doc(summary="Mark one of your notices read", tags=TAGS, errors=(404,))
    @answers_errors
    def notice_read(notice_id: int) -> Any:
        done = PoolNotice.update(read_at=utcnow()).where(
            (PoolNotice.id == as_id(notice_id)) & (PoolNotice.user == g.user.id)).execute()
        if not done:
            raise PoolError(f"no notice {notice_id}", status=404)
        return jsonify(notice_dict(PoolNotice.get_by_id(notice_id)))

    return bp


def pool_page(pool: Any, args: Any) -> tuple[list[dict[str, Any]], str | None]:
    """One keyset page of a pool's customers, with field rules applied."""
    params = parse_list_args(args, sortable=("name", "updated_at"), filters={"region": ma.String()},
                             default_sort="-updated_at")
    query = pools.customers_in(pool, Customer, PoolState.entered_pool_at).objects()
    if params.q:
        query = query.where(Customer.name.contains(params.q))
    if "region" in params.filters:
        query = query.where(Customer.region == params.filters["region"])
    rows, cursor = fetch_page(query, Customer, params)
    rules = permissions.field_rules(g.user, "customer")
    items = []
    for customer in rows:
        data = {name: getattr(customer, name) for name in CUSTOMER_COLUMNS}
        data["updated_at"] = iso(customer.updated_at)
        data["entered_pool_at"] = iso(customer.entered_pool_at)
        items.append(permissions.apply_field_rules(g.user, "customer", data, rules))
    return items, cursor


def notice_dict(notice: PoolNotice) -> dict[str, Any]:
    return {"id": notice.id, "kind": notice.kind, "customer_id": notice.customer_id,
            "due_at": iso(notice.due_at), "params": notice.params, "created_at": iso(notice.created_at),
            "read_at": iso(notice.read_at), "resolved_at": iso(notice.resolved_at)}
