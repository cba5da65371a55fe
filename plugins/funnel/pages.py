"""The funnel's own pages: the boss's report, per-person drill-down, forecast, customer
ranking and settings, plus the fragments behind record tabs (a deal's stage timeline, a
quota's plan). Deal and quota lists, records and forms come from the resource framework."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from core.errors import ApiError
from core.identity import permissions
from core.identity.models import User, utcnow
from core.settings import set_setting
from core.web.charts import funnel as funnel_chart
from core.web.pages import page_errors
from plugins.funnel import quotas as quota_service
from plugins.funnel import reports, services, stages
from plugins.funnel.api import _quarter
from plugins.funnel.models import OPEN, Stage
from plugins.funnel.periods import today
from plugins.funnel.resource import deals, quotas

pages = Blueprint("funnel_pages", __name__, url_prefix="/funnel", template_folder="templates")


def _zh() -> bool:
    from flask_babel import get_locale

    locale = get_locale()
    return bool(locale and locale.language == "zh")


def _arg_int(name: str) -> int | None:
    raw = request.args.get(name, "")
    return int(raw) if raw.isdigit() else None


def _chart(rows: list[dict[str, Any]], title: str) -> dict[str, Any]:
    zh = _zh()
    return funnel_chart([(f"{(r['name_zh'] if zh and r['name_zh'] else r['name'])} {r['probability']}%",
                          r["deals"]) for r in rows if r["kind"] == OPEN], title=title)


@pages.get("/")
@page_errors
def report() -> Any:
    """Salespeople × stages, stale cells highlighted, the funnel chart and the oldest deals."""
    permissions.require(g.user, "read", "deal")
    pipeline = request.args.get("pipeline") or stages.default_pipeline().key
    data = reports.matrix(g.user, pipeline, _arg_int("department"), _arg_int("stale_days"))
    return render_template(
        "funnel/report.html", data=data, pipeline=pipeline, pipelines=stages.pipelines(), zh=_zh(),
        chart=_chart(data["funnel"], _("Funnel")), stale=reports.stale_deals(g.user, data["stale_days"], 15),
        breadcrumbs=[(_("Sales funnel"), None)],
    )


@pages.get("/people/<int:user_id>")
@page_errors
def person(user_id: int) -> Any:
    """One salesperson's deals stage by stage (the boss's drill-down)."""
    permissions.require(g.user, "read", "deal")
    scope = reports.owners_in_scope(g.user)
    person = User.get_or_none(User.id == user_id)
    if person is None or (scope is not None and user_id not in scope):
        abort(404)
    start, end = _quarter(today())
    forecast = reports.forecast(g.user, start, end)
    row = next((r for r in forecast["rows"] if r["owner"]["id"] == user_id), None)
    by_stage = []
    for stage in stages.stages_of():
        params = deals.list_params({"owner_id": str(user_id), "stage": stage.key, "sort": "stage_changed_at"},
                                   g.user, default_limit=50)
        rows, _cursor = deals.page(g.user, params)
        if rows:
            by_stage.append((stage, rows))
    return render_template("funnel/person.html", person=person, row=row, by_stage=by_stage, zh=_zh(),
                           stale_cutoff=utcnow() - dt.timedelta(days=reports.stale_days()),
                           breadcrumbs=[(_("Sales funnel"), url_for(".report")), (str(person), None)])


@pages.get("/forecast")
@page_errors
def forecast() -> Any:
    """Won, weighted pipeline and the 2/3 flag per salesperson for a period."""
    start, end = _quarter(today())
    try:
        start = dt.date.fromisoformat(request.args["start"]) if request.args.get("start") else start
        end = dt.date.fromisoformat(request.args["end"]) if request.args.get("end") else end
    except ValueError:
        abort(400, description=_("Give dates like 2025-03-31."))
    data = reports.forecast(g.user, start, end, _arg_int("department"))
    return render_template("funnel/forecast.html", data=data, zh=_zh(),
                           breadcrumbs=[(_("Sales funnel"), url_for(".report")), (_("Forecast"), None)])


@pages.get("/ranking")
@page_errors
def ranking() -> Any:
    """Customers ranked by the value of their deals in high stages (含金量)."""
    permissions.require(g.user, "read", "deal")
    return render_template("funnel/ranking.html", rows=reports.customer_ranking(g.user, 100),
                           threshold=reports.high_probability(),
                           breadcrumbs=[(_("Sales funnel"), url_for(".report")), (_("Customer value"), None)])


@pages.route("/settings", methods=["GET", "POST"])
@page_errors
def settings() -> Any:
    """Stale days, the high-stage threshold and each pipeline's stages (admins)."""
    if not g.user.is_admin:
        abort(403)
    if request.method == "POST":
        try:
            _save_settings(request.form)
            flash(_("Saved."), "success")
        except ApiError as exc:
            flash(exc.message, "danger")
        return redirect(url_for(".settings"))
    return render_template("funnel/settings.html",
                           pipelines=[(p, stages.stages_of(p)) for p in stages.pipelines()],
                           stale_days=reports.stale_days(), high=reports.high_probability(),
                           breadcrumbs=[(_("Sales funnel"), url_for(".report")), (_("Settings"), None)])


def _save_settings(form: Any) -> None:
    action = form.get("action")
    if action == "settings":
        for name, low, high in (("stale_days", 1, 3650), ("high_probability", 1, 99)):
            raw = form.get(name, "")
            if not raw.isdigit() or not low <= int(raw) <= high:
                raise ApiError(422, _("%(name)s must be a whole number from %(low)d to %(high)d",
                                      name=name, low=low, high=high))
            set_setting(f"funnel.{name}", int(raw))
    elif action == "stage":
        stage = Stage.get_or_none(Stage.key == form.get("key", ""))
        if stage is None:
            abort(404)
        raw = form.get("probability", "")
        stages.update_stage(stage, name=form.get("name", ""), name_zh=form.get("name_zh", ""),
                            probability=int(raw) if raw.isdigit() else raw)
    elif action == "add_stage":
        pipeline = next((p for p in stages.pipelines() if p.key == form.get("pipeline")), None)
        if pipeline is None:
            abort(404)
        raw = form.get("probability", "")
        stages.add_stage(pipeline, form.get("key", ""), form.get("name", ""),
                         int(raw) if raw.isdigit() else raw, form.get("name_zh", ""))
    elif action == "pipeline":
        stages.create_pipeline(form.get("key", ""), form.get("name", ""), form.get("name_zh", ""))
    else:
        abort(400)


# -- record tab fragments -------------------------------------------------------------------------


@pages.get("/deals/<int:deal_id>/history")
@page_errors
def deal_history(deal_id: int) -> Any:
    """A deal's stage timeline and, for those who may, the stage buttons (a tab fragment)."""
    deal = services.get_deal(g.user, deal_id)
    return render_template("funnel/_history.html", deal=deal, history=services.history(deal), zh=_zh(),
                           stages=[s for s in stages.stages_of(deal.pipeline_id)],
                           can_move=permissions.can(g.user, "write", "deal", deal))


@pages.post("/deals/<int:deal_id>/stage")
@page_errors
def deal_stage(deal_id: int) -> Any:
    deal = services.get_deal(g.user, deal_id, "write")
    version = request.form.get("version", "")
    try:
        services.move_stage(g.user, deal, request.form.get("stage"),
                            int(version) if version.isdigit() else None)
        flash(_("Stage changed."), "success")
    except ApiError as exc:
        if exc.status not in (409, 422):
            raise
        flash(_("Someone else changed this deal meanwhile; here it is as it is now.")
              if exc.status == 409 else exc.message, "warning")
    return redirect(url_for("deals_pages.record", record_id=deal_id, tab="history"))


@pages.get("/customers/<int:customer_id>/deals")
@page_errors
def customer_deals(customer_id: int) -> Any:
    """A customer's deals and a form to open one with co-owners (a tab fragment)."""
    customer = services.visible_customer(g.user, customer_id)
    params = deals.list_params({"customer_id": str(customer.id), "sort": "-updated_at"}, g.user,
                               default_limit=50)
    rows, cursor = deals.page(g.user, params)
    colleagues = User.select().where(User.active == True).order_by(User.username)  # noqa: E712
    return render_template("funnel/_customer_deals.html", customer=customer, rows=rows, more=cursor,
                           can_create=permissions.can(g.user, "create", "deal"), colleagues=colleagues,
                           zh=_zh(), stage_of=lambda d: stages.stage_label(d.stage, _zh()))


@pages.post("/customers/<int:customer_id>/deals")
@page_errors
def customer_deal_new(customer_id: int) -> Any:
    """Open a deal from the customer's tab (the seed's 关联跟单: it appears in the funnel too)."""
    form = request.form
    data = {"customer_id": customer_id, "title": form.get("title", ""), "amount": form.get("amount") or "0",
            "expected_close": form.get("expected_close") or None,
            "co_owner_ids": [int(i) for i in form.getlist("co_owner_ids") if i.isdigit()]}
    try:
        created = services.create_deal(g.user, data)
    except ApiError as exc:
        if exc.status != 422:
            raise
        flash(" ".join(f"{k}: {' '.join(v)}" for k, v in exc.fields.items()) or exc.message, "danger")
        return redirect(f"/t/{g.tenant.slug}/customers/{customer_id}?tab=deals")
    flash(_("Deal opened."), "success")
    return redirect(url_for("deals_pages.record", record_id=created.id))


@pages.get("/quotas/<int:quota_id>/plan")
@page_errors
def quota_plan(quota_id: int) -> Any:
    """A quota's plan as a funnel (a tab fragment)."""
    quota = quotas.get(quota_id, g.user)
    plan = quota_service.plan(quota)
    level = plan["per_territory_month"]
    chart = None
    if level["deals"] is not None:  # chart values are display numbers, never stored money
        chart = funnel_chart([(f"{p['stage']} {p['probability']}%", float(p["count"]))
                              for p in level["prospects"]], title=_("Prospects needed per territory-month"))
    return render_template("funnel/_plan.html", plan=plan, chart=chart)
