"""REST endpoints of follow-ups, follow-up plans (the to-do list) and collaborators.

``/customers/<id>/followups`` (GET newest first in keyset pages, POST), ``/followups/<id>``
(GET, PATCH, DELETE to the trash), ``/followup-plans`` (the caller's to-do list),
``/customers/<id>/followup-plans`` (POST), ``/followup-plans/<id>/done``,
``/customers/<id>/collaborators`` (GET, POST) and ``/customers/<id>/collaborators/<user_id>``
(PATCH, DELETE).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, g, jsonify, request

from core.api.openapi import api_doc
from core.api.query import decode_cursor, encode_cursor
from core.api.views import json_body
from core.errors import ApiError
from plugins.customers import collaborators, followups
from plugins.customers.followups_schemas import (
    CollaboratorSchema,
    CollaboratorUpdateSchema,
    FollowupPlanSchema,
    FollowupSchema,
    FollowupUpdateSchema,
)
from plugins.customers.pool_api import answers_errors
from plugins.customers.pool_common import utcnow

TAGS = ["follow-ups"]
SORT = "-happened_at"


def _limit() -> int:
    raw = request.args.get("limit", "50")
    if not raw.isdigit() or not 1 <= int(raw) <= 200:
        raise ApiError(400, "limit must be between 1 and 200", fields={"limit": ["out of range"]})
    return int(raw)


def api_blueprint() -> Blueprint:
    bp = Blueprint("customers_followups_api", __name__, url_prefix="/api/v1")

    @bp.get("/customers/<int:customer_id>/followups")
    @api_doc(summary="A customer's follow-ups, newest first (keyset pages)", tags=TAGS,
             params={"limit": ("integer", "1-200"), "cursor": ("string", "from the previous page")},
             errors=(400, 404))
    @answers_errors
    def followup_list(customer_id: int) -> Any:
        limit = _limit()
        before = decode_cursor(request.args["cursor"], SORT) if request.args.get("cursor") else None
        rows = followups.followups_of(g.user, customer_id, limit=limit + 1, before=before)
        more, rows = len(rows) > limit, rows[:limit]
        cursor = encode_cursor(SORT, rows[-1].happened_at, rows[-1].id) if more and rows else None
        return jsonify(items=[followups.followup_dict(f) for f in rows], next=cursor)

    @bp.post("/customers/<int:customer_id>/followups")
    @api_doc(summary="Record a follow-up (its next time goes on the owner's to-do list)",
             request=FollowupSchema, status=201, tags=TAGS, errors=(400, 403, 404, 415, 422))
    @answers_errors
    def followup_create(customer_id: int) -> Any:
        followup = followups.create_followup(g.user, customer_id, json_body())
        return jsonify(followups.followup_dict(followup)), 201

    @bp.get("/followups/<int:followup_id>")
    @api_doc(summary="One follow-up", tags=TAGS, errors=(404,))
    @answers_errors
    def followup_get(followup_id: int) -> Any:
        return jsonify(followups.followup_dict(followups.get_followup(g.user, followup_id)))

    @bp.patch("/followups/<int:followup_id>")
    @api_doc(summary="Correct a follow-up (its author)", request=FollowupUpdateSchema(partial=True),
             tags=TAGS, errors=(400, 403, 404, 415, 422))
    @answers_errors
    def followup_patch(followup_id: int) -> Any:
        followup = followups.get_followup(g.user, followup_id)
        return jsonify(followups.followup_dict(followups.update_followup(g.user, followup, json_body())))

    @bp.delete("/followups/<int:followup_id>")
    @api_doc(summary="Move a follow-up to the trash", status=204, tags=TAGS, errors=(403, 404))
    @answers_errors
    def followup_delete(followup_id: int) -> Any:
        followups.delete_followup(g.user, followups.get_followup(g.user, followup_id))
        return Response(status=204)

    # -- plans ------------------------------------------------------------------------

    @bp.get("/followup-plans")
    @api_doc(summary="The caller's to-do list: open planned follow-ups",
             params={"due": ("string", "today: due today and overdue; all: every open plan")},
             tags=TAGS, errors=(400,))
    @answers_errors
    def plan_list() -> Any:
        due = request.args.get("due", "all")
        if due not in ("today", "all"):
            raise ApiError(400, "due must be today or all", fields={"due": ["today or all"]})
        now = utcnow()
        rows = followups.plans_due(g.user, now) if due == "today" else list(
            followups.open_plans(g.user).order_by(followups.FollowupPlan.due_at).limit(500))
        return jsonify(items=[followups.plan_dict(p, now) for p in rows], next=None)

    @bp.post("/customers/<int:customer_id>/followup-plans")
    @api_doc(summary="Plan a follow-up of a customer on your own to-do list", request=FollowupPlanSchema,
             status=201, tags=TAGS, errors=(400, 403, 404, 415, 422))
    @answers_errors
    def plan_create(customer_id: int) -> Any:
        return jsonify(followups.plan_dict(followups.create_plan(g.user, customer_id, json_body()))), 201

    @bp.post("/followup-plans/<int:plan_id>/done")
    @api_doc(summary="Tick a planned follow-up off", tags=TAGS, errors=(404, 409))
    @answers_errors
    def plan_done(plan_id: int) -> Any:
        return jsonify(followups.plan_dict(followups.complete_plan(g.user, plan_id)))

    # -- collaborators ----------------------------------------------------------------

    @bp.get("/customers/<int:customer_id>/collaborators")
    @api_doc(summary="Who the customer is shared with (read or read-write, until when)", tags=["customers"],
             errors=(404,))
    @answers_errors
    def collaborator_list(customer_id: int) -> Any:
        return jsonify(items=collaborators.listing(g.user, customer_id), next=None)

    @bp.post("/customers/<int:customer_id>/collaborators")
    @api_doc(summary="Share the customer with a colleague (the owner or a manager)",
             request=CollaboratorSchema, status=201, tags=["customers"],
             errors=(400, 403, 404, 409, 415, 422))
    @answers_errors
    def collaborator_add(customer_id: int) -> Any:
        row = collaborators.add(g.user, customer_id, json_body())
        return jsonify(collaborators.collaborator_dict(row)), 201

    @bp.patch("/customers/<int:customer_id>/collaborators/<int:user_id>")
    @api_doc(summary="Change a collaborator's access or expiry",
             request=CollaboratorUpdateSchema(partial=True), tags=["customers"],
             errors=(400, 403, 404, 415, 422))
    @answers_errors
    def collaborator_patch(customer_id: int, user_id: int) -> Any:
        row = collaborators.update(g.user, customer_id, user_id, json_body())
        return jsonify(collaborators.collaborator_dict(row))

    @bp.delete("/customers/<int:customer_id>/collaborators/<int:user_id>")
    @api_doc(summary="Stop sharing the customer with a colleague", status=204, tags=["customers"],
             errors=(403, 404))
    @answers_errors
    def collaborator_remove(customer_id: int, user_id: int) -> Any:
        collaborators.remove(g.user, customer_id, user_id)
        return Response(status=204)

    return bp

