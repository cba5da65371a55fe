"""REST endpoints of the lead pool and conversion (the resource serves ``/leads`` itself):
``GET /leads/pool``, ``POST /leads/<id>/claim``, ``/release {"reason"}``, ``/assign {"user"}``
and ``/convert``."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, g, jsonify, request

from core.api.openapi import api_doc
from core.api.query import fetch_page
from core.api.views import json_body
from core.identity import permissions
from plugins.customers import leads
from plugins.customers.leads_models import Lead
from plugins.customers.leads_resource import leads as resource
from plugins.customers.leads_schemas import LeadConvertSchema
from plugins.customers.pool_api import answers_errors
from plugins.customers.pool_common import PoolError, load
from plugins.customers.pool_schemas import PoolAssignSchema, PoolReleaseSchema

TAGS = ["leads"]


def converted_dict(result: dict[str, Any]) -> dict[str, Any]:
    from plugins.customers.services import contact_dict, customer_dict

    user, deal = g.user, result["deal"]
    return {
        "lead": resource.dump(result["lead"], user),
        "customer": customer_dict(user, result["customer"]),
        "contact": contact_dict(user, result["contact"]) if result["contact"] is not None else None,
        "deal": None if deal is None else {"id": deal.id, "title": deal.title, "amount": str(deal.amount)},
    }


def api_blueprint() -> Blueprint:
    bp = Blueprint("customers_leads_api", __name__, url_prefix="/api/v1")

    @bp.get("/leads/pool")
    @api_doc(summary="Leads in the lead pool (no owner), newest first", tags=TAGS,
             params={"limit": ("integer", "1-200"), "cursor": ("string", "from the previous page"),
                     "q": ("string", "part of the name")}, errors=(400, 403))
    @answers_errors
    def pool() -> Any:
        if not permissions.can(g.user, "read", leads.ENTITY):
            raise PoolError("you may not read leads", status=403)
        params = resource.list_params({k: v for k, v in request.args.items() if k != "owner_id"}, g.user)
        query = resource.visible_query(g.user, params).where(
            Lead.owner.is_null() & (Lead.status != "converted"))
        rows, cursor = fetch_page(query, Lead, params)
        return jsonify(items=resource.dump_many(rows, g.user), next=cursor)

    @bp.post("/leads/<int:lead_id>/claim")
    @api_doc(summary="Take a lead from the lead pool", tags=TAGS, errors=(403, 404, 409))
    @answers_errors
    def claim(lead_id: int) -> Any:
        return jsonify(resource.dump(leads.claim_lead(g.user, lead_id), g.user))

    @bp.post("/leads/<int:lead_id>/release")
    @api_doc(summary="Put a lead back into the lead pool, with a reason", request=PoolReleaseSchema,
             tags=TAGS, errors=(400, 403, 404, 409, 415, 422))
    @answers_errors
    def release(lead_id: int) -> Any:
        values = load(PoolReleaseSchema(), json_body())
        return jsonify(resource.dump(leads.release_lead(g.user, lead_id, values["reason"]), g.user))

    @bp.post("/leads/<int:lead_id>/assign")
    @api_doc(summary="Give a lead to a user (managers)", request=PoolAssignSchema, tags=TAGS,
             errors=(400, 403, 404, 409, 415, 422))
    @answers_errors
    def assign(lead_id: int) -> Any:
        return jsonify(resource.dump(leads.assign_lead(g.user, lead_id, json_body()), g.user))

    @bp.post("/leads/<int:lead_id>/convert")
    @api_doc(summary="Convert a lead into a customer (+ contact, + deal) in one step; 409 on likely "
             "duplicates unless force or merge_into", request=LeadConvertSchema, status=201, tags=TAGS,
             errors=(400, 403, 404, 409, 415, 422))
    @answers_errors
    def convert(lead_id: int) -> Any:
        return jsonify(converted_dict(leads.convert(g.user, lead_id, json_body()))), 201

    return bp
