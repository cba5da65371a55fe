"""Endpoints of the schedule: views, items, the customer's history, iCalendar feed, export and
import, reminders (in-app notifications); and the calendar pages."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, Response, g, jsonify, render_template, request, url_for

from core.api.openapi import api_doc
from core.errors import ApiError
from core.identity.audit import audit
from core.identity.auth import public
from core.identity.permissions import require
from core.identity.trash import move_to_trash
from plugins.customers import ical, ical_feeds, network_i18n, schedule, schedule_reminders
from plugins.customers import network_http as http
from plugins.customers import schedule_time as times
from plugins.customers.models import Customer
from plugins.customers.schedule_models import ScheduleAttendee, ScheduleItem

api = Blueprint("customers_schedule_api", __name__, url_prefix="/api/v1")
pages = Blueprint("customers_schedule_pages", __name__, template_folder="templates")
pages.context_processor(network_i18n.context)
TAGS = ["schedule"]
ICS = "text/calendar; charset=utf-8"
FEED_PAST_DAYS = 180


def _names(items: list[ScheduleItem]) -> dict[int, str]:
    ids = {i.customer_id for i in items if i.customer_id}
    if not ids:
        return {}
    return dict(Customer.select(Customer.id, Customer.name).where(Customer.id.in_(ids)).tuples())


def _agenda_args() -> dict[str, Any]:
    who = http.user()
    tz = times.user_zone(who)
    view = request.args.get("view", "week")
    after, before = schedule.window(view, request.args.get("date"), tz)
    scope = request.args.get("who", "mine")
    member = request.args.get("member")
    try:
        member_id = int(member) if member else None
    except ValueError as exc:
        raise ApiError(400, "member must be a user id") from exc
    if scope not in ("mine", "team"):
        raise ApiError(400, "who must be mine or team")
    http.allowed("schedule_item", "read")
    found = schedule.agenda(who, after, before, who=scope, member=member_id)
    return {"user": who, "tz": tz, "view": view, "after": after, "before": before, "who": scope,
            "occurrences": found}


@api.get("/schedule")
@api_doc(summary="The caller's (or the team's) calendar: occurrences in a day, week or month", many=True,
         tags=TAGS, params={"view": ("string", "day, week (default) or month"),
                            "date": ("string", "a day in the period, YYYY-MM-DD (default today)"),
                            "who": ("string", "mine (default) or team (managers)"),
                            "member": ("integer", "one user of the team")}, errors=(400, 403, 404))
def agenda():
    found = _agenda_args()
    names = _names([o.item for o in found["occurrences"]])
    return jsonify(items=[schedule.item_dict(o.item, found["tz"], o, names) for o in found["occurrences"]],
                   next=None, window={"start": found["after"].astimezone(found["tz"]).isoformat(),
                                      "end": found["before"].astimezone(found["tz"]).isoformat()})


def _create(customer: Customer | None) -> Any:
    http.allowed("schedule_item", "create")
    item = schedule.create_item(http.user(), http.body(), customer=customer)
    audit("create", "schedule_item", item.id, {"title": [None, item.title]})
    response = jsonify(schedule.item_dict(item, times.user_zone(http.user())))
    response.status_code = 201
    response.headers["Location"] = url_for("customers_schedule_api.get_item", item_id=item.id)
    return response


@api.post("/schedule")
@api_doc(summary="Plan an item: {title, start, end, kind, timezone, rrule, attendee_ids, reminders, "
         "customer_id, contact_id, deal_id, …}", status=201, tags=TAGS, errors=(400, 403, 422))
def create_item():
    return _create(None)


def _item(item_id: int, action: str) -> ScheduleItem:
    who = http.user()
    item = schedule.get_item(who, item_id)
    if item is None:
        raise ApiError(404, "no such schedule item")
    require(who, action, "schedule_item", item)
    return item


@api.get("/schedule/<int:item_id>")
@api_doc(summary="One schedule item", tags=TAGS, errors=(404,))
def get_item(item_id: int):
    item = _item(item_id, "read")
    return jsonify(schedule.item_dict(item, times.user_zone(http.user()), customer_names=_names([item])))


@api.patch("/schedule/<int:item_id>")
@api_doc(summary="Change an item (the owner's); 'version' or If-Match guards stale writes", tags=TAGS,
         errors=(400, 403, 404, 409, 422))
def update_item(item_id: int):
    item = _item(item_id, "write")
    data = http.body()
    expected = data.pop("version", None)
    match = request.headers.get("If-Match", "").strip('"')
    stale = match and match != f"{item.id}.{item.version}"
    if (expected is not None and expected != item.version) or stale:
        raise ApiError(409, "this item was changed meanwhile; reload it")
    schedule.update_item(http.user(), item, data)
    audit("update", "schedule_item", item.id, {name: [None, "changed"] for name in data})
    return jsonify(schedule.item_dict(item, times.user_zone(http.user())))


@api.delete("/schedule/<int:item_id>")
@api_doc(summary="Move an item to the trash", status=204, tags=TAGS, errors=(403, 404))
def delete_item(item_id: int):
    move_to_trash("schedule_item", _item(item_id, "delete"), http.user())
    return "", 204


@api.get("/customers/<int:customer_id>/schedule")
@api_doc(summary="The customer's schedule history, newest first: who met the customer when, and "
         "what came of it", many=True, tags=TAGS, params={"limit": ("integer", "1–200"),
                                                          "cursor": ("string", "next page")})
def customer_schedule(customer_id: int):
    customer = http.customer(customer_id)
    http.allowed("schedule_item", "read")
    rows, cursor = _history(customer, http.limit(), request.args.get("cursor"))
    tz = times.user_zone(http.user())
    return jsonify(items=[schedule.item_dict(i, tz) for i in rows], next=cursor)


def _history(customer: Customer, limit: int, cursor: str | None) -> tuple[list[ScheduleItem], str | None]:
    from core.identity.permissions import visible

    query = ScheduleItem.live().where(ScheduleItem.customer == customer.id)
    if cursor:
        at, _, last = cursor.partition("|")
        try:
            moment, last_id = dt.datetime.fromisoformat(at), int(last)
        except ValueError as exc:
            raise ApiError(400, "bad cursor") from exc
        query = query.where((ScheduleItem.start < moment) | ((ScheduleItem.start == moment)
                                                             & (ScheduleItem.id < last_id)))
    query = visible(query, http.user(), "schedule_item", ScheduleItem)
    rows = list(query.order_by(ScheduleItem.start.desc(), ScheduleItem.id.desc()).limit(limit + 1))
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (f"{rows[-1].start.isoformat()}|{rows[-1].id}" if more and rows else None)


@api.post("/customers/<int:customer_id>/schedule")
@api_doc(summary="Plan an item with this customer", status=201, tags=TAGS, errors=(400, 403, 404, 422))
def create_customer_item(customer_id: int):
    return _create(http.customer(customer_id))


# -- iCalendar ---------------------------------------------------------------------------------


def _ics(body: bytes, filename: str) -> Response:
    return Response(body, mimetype="text/calendar", headers={
        "Content-Type": ICS, "Content-Disposition": f'attachment; filename="{filename}"',
        "Cache-Control": "private, max-age=300"})


def _feed_items(user: Any) -> list[ScheduleItem]:
    from core.identity.permissions import visible

    since = times.now() - dt.timedelta(days=FEED_PAST_DAYS)
    attending = ScheduleAttendee.select(ScheduleAttendee.item).where(ScheduleAttendee.user == user.id)
    query = ScheduleItem.live().where(
        ((ScheduleItem.owner == user.id) | ScheduleItem.id.in_(attending))
        & (ScheduleItem.series_end.is_null() | (ScheduleItem.series_end >= since))
    )
    return list(visible(query, user, "schedule_item", ScheduleItem).order_by(ScheduleItem.start).limit(5000))


@api.get("/schedule.ics")
@public
@api_doc(summary="The caller's iCalendar feed: Bearer token, or the secret feed URL (?key=)", tags=TAGS,
         params={"key": ("string", "the secret feed token")}, errors=(401, 404))
def feed():
    who = g.get("user")
    key = request.args.get("key")
    if key:
        who = ical_feeds.user_for_feed(key)
        if who is None:
            raise ApiError(404, "no such calendar feed (it may have been revoked)")
        g.user = who
    if who is None:
        raise ApiError(401, "send 'Authorization: Bearer <token>' or use your secret feed URL")
    name = f"{g.tenant.name} · {who}"
    return _ics(ical.export_calendar(_feed_items(who), name, _base_url()), "schedule.ics")


def _base_url() -> str:
    return request.host_url.rstrip("/") + f"/t/{g.tenant.slug}"


@api.get("/schedule/<int:item_id>.ics")
@api_doc(summary="One item as an .ics file", tags=TAGS, errors=(404,))
def item_ics(item_id: int):
    item = _item(item_id, "read")
    return _ics(ical.export_calendar([item], item.title, _base_url()), f"schedule-{item.id}.ics")


@api.get("/customers/<int:customer_id>/schedule.ics")
@api_doc(summary="The customer's schedule as an .ics file", tags=TAGS, errors=(404,))
def customer_ics(customer_id: int):
    customer = http.customer(customer_id)
    http.allowed("schedule_item", "read")
    rows, _ = _history(customer, 2000, None)
    return _ics(ical.export_calendar(rows, customer.name, _base_url()), f"customer-{customer.id}.ics")


@api.post("/schedule/import")
@api_doc(summary="Import an .ics file (multipart field 'file'; optional customer_id, dry_run): "
         "all or nothing, with a report per event", tags=TAGS, errors=(400, 403, 404, 413, 422))
def import_ics():
    http.allowed("schedule_item", "create")
    upload = request.files.get("file")
    if upload is None:
        raise ApiError(400, "send the .ics file as multipart field 'file'")
    data = upload.read(ical.MAX_IMPORT_BYTES + 1)
    if len(data) > ical.MAX_IMPORT_BYTES:
        raise ApiError(413, "the file is larger than 5 MB")
    customer_id = None
    if request.form.get("customer_id"):
        try:
            customer_id = http.customer(int(request.form["customer_id"])).id
        except ValueError as exc:
            raise ApiError(400, "customer_id must be a whole number") from exc
    dry_run = request.form.get("dry_run", "").lower() in ("1", "true", "yes")
    report = ical.import_calendar(http.user(), data, customer_id, dry_run)
    if not report.errors and not dry_run and (report.created or report.updated):
        audit("import", "schedule_item", "", {"created": [0, report.created], "updated": [0, report.updated]})
    return jsonify(report.to_dict()), 422 if report.errors else 200


@api.get("/schedule/feed")
@api_doc(summary="Whether the caller has a secret feed URL (the URL itself is shown only once)", tags=TAGS,
         errors=())
def feed_state():
    found = ical_feeds.feed_of(http.user())
    return jsonify(active=found is not None, prefix=found.prefix if found else None,
                   created_at=times.show(found.created_at, dt.UTC) if found else None)


@api.post("/schedule/feed")
@api_doc(summary="Make a new secret feed URL (the old one stops working)", status=201, tags=TAGS, errors=())
def feed_create():
    who = http.user()
    token = ical_feeds.create_feed(who)
    audit("create", "calendar_feed", who.id, {})
    url = url_for("customers_schedule_api.feed", key=token, _external=True)
    return jsonify(url=url, token=token), 201


@api.delete("/schedule/feed")
@api_doc(summary="Revoke the caller's secret feed URL", status=204, tags=TAGS, errors=(404,))
def feed_revoke():
    who = http.user()
    if not ical_feeds.revoke_feed(who):
        raise ApiError(404, "you have no feed URL")
    audit("delete", "calendar_feed", who.id, {})
    return "", 204


@api.get("/schedule/notifications")
@api_doc(summary="The caller's in-app reminders, newest first", many=True, tags=TAGS,
         params={"unread": ("boolean", "only unread ones")}, errors=())
def list_notifications():
    who = http.user()
    unread = request.args.get("unread", "").lower() in ("1", "true", "yes")
    tz = times.user_zone(who)
    items = schedule_reminders.notifications(who, unread, http.limit())
    return jsonify(items=[schedule_reminders.notification_dict(n, tz) for n in items], next=None)


@api.post("/schedule/notifications/<int:notification_id>/read")
@api_doc(summary="Mark a reminder read", status=204, tags=TAGS, errors=(404,))
def read_notification(notification_id: int):
    if not schedule_reminders.mark_read(http.user(), notification_id):
        raise ApiError(404, "no such notification")
    return "", 204


# -- pages ------------------------------------------------------------------------------------


@pages.get("/schedule/")
def calendar_page():
    """The user's day, week or month (or the team's, for managers)."""
    found = _agenda_args()
    tz = found["tz"]
    days: dict[str, list[dict[str, Any]]] = {}
    names = _names([o.item for o in found["occurrences"]])
    for o in found["occurrences"]:
        data = schedule.item_dict(o.item, tz, o, names)
        days.setdefault(data["start"][:10], []).append(data)
    anchor = found["after"].astimezone(tz).date()
    step = {"day": 1, "week": 7, "month": 31}[found["view"]]
    feed_on = ical_feeds.feed_of(found["user"]) is not None
    return render_template("customers/schedule/calendar.html", days=days, view=found["view"],
                           who=found["who"],
                           anchor=anchor.isoformat(), prev=(anchor - dt.timedelta(days=step)).isoformat(),
                           next=(anchor + dt.timedelta(days=step)).isoformat(), feed_on=feed_on,
                           zone=tz.key)


@pages.get("/schedule/items/<int:item_id>")
def item_page(item_id: int):
    item = _item(item_id, "read")
    data = schedule.item_dict(item, times.user_zone(http.user()), customer_names=_names([item]))
    return render_template("customers/schedule/item.html", item=data)


@pages.get("/customers/<int:customer_id>/schedule/tab")
def schedule_tab(customer_id: int):
    """The record tab: the customer's schedule history — who met them when, and what came of it."""
    customer = http.customer(customer_id)
    http.allowed("schedule_item", "read")
    rows, cursor = _history(customer, 50, request.args.get("cursor"))
    tz = times.user_zone(http.user())
    return render_template("customers/schedule/tab.html", customer=customer, cursor=cursor,
                           items=[schedule.item_dict(i, tz) for i in rows])
