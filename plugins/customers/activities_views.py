"""Endpoints of activities, activity types, the customer's timeline and overdue follow-ups."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, jsonify, redirect, render_template, request, url_for

from core.api.openapi import api_doc
from core.errors import ApiError
from core.identity.audit import audit
from core.identity.trash import move_to_trash
from plugins.customers import activities, network_i18n, timeline
from plugins.customers import network_http as http
from plugins.customers import schedule_time as times
from plugins.customers.activities_models import ActivityType

api = Blueprint("customers_activities_api", __name__, url_prefix="/api/v1")
pages = Blueprint("customers_activities_pages", __name__, template_folder="templates")
pages.context_processor(network_i18n.context)
TAGS = ["activities"]


def _type(key: str) -> ActivityType:
    found = ActivityType.get_or_none(ActivityType.key == key)
    if found is None:
        raise ApiError(404, f"no activity type {key!r}")
    return found


@api.get("/activity-types")
@api_doc(summary="Activity types of the tenant", many=True, tags=TAGS, errors=())
def list_types():
    http.user()
    return jsonify(items=[activities.type_dict(t) for t in activities.activity_types()], next=None)


@api.post("/activity-types")
@api_doc(summary="Add an activity type; administrators only", status=201, tags=TAGS, errors=(400, 403, 422))
def create_type():
    who = http.admin()
    created = activities.create_activity_type(http.body())
    audit("create", "activity_type", created.key, {"key": [None, created.key]}, who)
    return jsonify(activities.type_dict(created)), 201


@api.patch("/activity-types/<key>")
@api_doc(summary="Rename, recolour or retire an activity type; administrators only", tags=TAGS,
         errors=(400, 403, 404, 422))
def update_type(key: str):
    who = http.admin()
    atype = activities.update_activity_type(_type(key), http.body())
    audit("update", "activity_type", key, {}, who)
    return jsonify(activities.type_dict(atype))


@api.delete("/activity-types/<key>")
@api_doc(summary="Delete an unused tenant activity type; administrators only", status=204, tags=TAGS,
         errors=(403, 404, 409))
def delete_type(key: str):
    who = http.admin()
    activities.delete_activity_type(_type(key))
    audit("delete", "activity_type", key, {}, who)
    return "", 204


@api.get("/customers/<int:customer_id>/activities")
@api_doc(summary="The customer's activities, newest first", many=True, tags=TAGS,
         params={"type": ("string", "an activity type key"), "deal_id": ("integer", "a deal"),
                 "limit": ("integer", "1–200"), "cursor": ("string", "next page")})
def list_activities(customer_id: int):
    customer = http.customer(customer_id)
    http.allowed("activity", "read")
    deal = request.args.get("deal_id")
    try:
        deal_id = int(deal) if deal else None
    except ValueError as exc:
        raise ApiError(400, "deal_id must be a whole number") from exc
    rows, cursor = activities.list_activities(customer, request.args.get("type") or None, http.limit(),
                                              request.args.get("cursor"), deal_id)
    tz = times.user_zone(http.user())
    return jsonify(items=[activities.activity_dict(a, tz) for a in rows], next=cursor)


@api.post("/customers/<int:customer_id>/activities")
@api_doc(summary="Record an activity: {type, title, date, user_ids, contact_id, people, outcome, "
         "description, deal_id, attachment_ids}", status=201, tags=TAGS, errors=(400, 403, 404, 422))
def create_activity(customer_id: int):
    customer = http.customer(customer_id)
    http.allowed("activity", "create")
    activity = activities.create_activity(http.user(), customer, http.body())
    audit("create", "activity", activity.id, {"title": [None, activity.title]})
    return jsonify(activities.activity_dict(activity, times.user_zone(http.user()))), 201


def _activity(customer_id: int, activity_id: int, action: str) -> Any:
    customer = http.customer(customer_id)
    activity = activities.get_activity(customer, activity_id)
    if activity is None:
        raise ApiError(404, "no such activity of this customer")
    http.allowed("activity", action, activity)
    return activity


@api.get("/customers/<int:customer_id>/activities/<int:activity_id>")
@api_doc(summary="One activity", tags=TAGS, errors=(404,))
def get_activity(customer_id: int, activity_id: int):
    activity = _activity(customer_id, activity_id, "read")
    return jsonify(activities.activity_dict(activity, times.user_zone(http.user())))


@api.patch("/customers/<int:customer_id>/activities/<int:activity_id>")
@api_doc(summary="Change an activity", tags=TAGS, errors=(400, 403, 404, 409, 422))
def update_activity(customer_id: int, activity_id: int):
    activity = _activity(customer_id, activity_id, "write")
    data = http.body()
    expected = data.pop("version", None)
    if expected is not None and expected != activity.version:
        raise ApiError(409, "this activity was changed meanwhile; reload it")
    activities.update_activity(activity, data)
    audit("update", "activity", activity.id, {name: [None, "changed"] for name in data})
    return jsonify(activities.activity_dict(activity, times.user_zone(http.user())))


@api.delete("/customers/<int:customer_id>/activities/<int:activity_id>")
@api_doc(summary="Move an activity to the trash", status=204, tags=TAGS, errors=(403, 404))
def delete_activity(customer_id: int, activity_id: int):
    activity = _activity(customer_id, activity_id, "delete")
    move_to_trash("activity", activity, http.user())
    return "", 204


@api.get("/customers/<int:customer_id>/timeline")
@api_doc(summary="The customer's merged timeline: activities, notes, transactions, schedule, stage "
         "changes and what other modules contribute", many=True, tags=TAGS,
         params={"kinds": ("string", "comma-separated: activity, note, transaction, schedule, "
                           "stage_change, mail, expense"),
                 "limit": ("integer", "1–200"), "cursor": ("string", "next page")})
def get_timeline(customer_id: int):
    customer = http.customer(customer_id)
    kinds = [k.strip() for k in (request.args.get("kinds") or "").split(",") if k.strip()] or None
    unknown = sorted(set(kinds or []) - set(timeline.KNOWN_KINDS))
    if unknown:
        raise ApiError(400, f"unknown kinds: {', '.join(unknown)}")
    entries, cursor = timeline.customer_timeline(http.user(), customer, kinds, http.limit(),
                                                 request.args.get("cursor"))
    tz = times.user_zone(http.user())
    return jsonify(items=[e.to_dict(tz) for e in entries], next=cursor)


@api.get("/activities/overdue")
@api_doc(summary="Customers with no activity for N days (tenant setting), on their owner's list",
         many=True, tags=TAGS, params={"owner": ("integer", "another owner's list (within your rights)"),
                                       "days": ("integer", "override N")})
def overdue():
    who = http.user()
    try:
        owner = int(request.args["owner"]) if request.args.get("owner") else None
        days = int(request.args["days"]) if request.args.get("days") else None
    except ValueError as exc:
        raise ApiError(400, "owner and days must be whole numbers") from exc
    if days is not None and not 1 <= days <= 3650:
        raise ApiError(400, "days must be from 1 to 3650")
    return jsonify(items=activities.overdue_customers(who, owner, days, http.limit()), next=None)


# -- pages ------------------------------------------------------------------------------------


@pages.get("/customers/<int:customer_id>/timeline/tab")
def timeline_tab(customer_id: int):
    """The record tab: the timeline, filterable by kind, and a form to record an activity."""
    customer = http.customer(customer_id)
    kinds = [k for k in request.args.getlist("kind") if k in timeline.KNOWN_KINDS] or None
    entries, cursor = timeline.customer_timeline(http.user(), customer, kinds, 50, request.args.get("cursor"))
    tz = times.user_zone(http.user())
    return render_template("customers/activities/tab.html", customer=customer, kinds=kinds or [],
                           entries=[e.to_dict(tz) for e in entries], cursor=cursor,
                           all_kinds=timeline.KNOWN_KINDS, types=activities.activity_types(False),
                           now=dt.datetime.now(tz).strftime("%Y-%m-%dT%H:%M"), errors={})


@pages.post("/customers/<int:customer_id>/timeline/tab")
def timeline_tab_add(customer_id: int):
    """Record an activity from the tab's form (htmx swaps the tab back in)."""
    customer = http.customer(customer_id)
    http.allowed("activity", "create")
    form = request.form
    data = {"type": form.get("type", ""), "title": form.get("title", ""), "date": form.get("date", ""),
            "outcome": form.get("outcome", ""), "people": form.get("people", "")}
    try:
        activity = activities.create_activity(http.user(), customer, data)
        audit("create", "activity", activity.id, {"title": [None, activity.title]})
    except ApiError as err:
        tz = times.user_zone(http.user())
        entries, cursor = timeline.customer_timeline(http.user(), customer)
        return render_template("customers/activities/tab.html", customer=customer, kinds=[],
                               entries=[e.to_dict(tz) for e in entries], cursor=cursor,
                               all_kinds=timeline.KNOWN_KINDS, types=activities.activity_types(False),
                               now=data["date"], errors=err.fields, form=form), 422
    return redirect(url_for(".timeline_tab", customer_id=customer.id))


@pages.get("/activities/overdue")
def overdue_page():
    who = http.user()
    return render_template("customers/activities/overdue.html", items=activities.overdue_customers(who),
                           days=activities.overdue_days())


@pages.get("/activity-types")
def types_page():
    http.user()
    return render_template("customers/activities/types.html", types=activities.activity_types())
