"""Pages of the lead pool and conversion: the lead pool list (claim), and the lead's record tab
with claim / put back / assign and the one-step conversion form (lists likely duplicates)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, g, redirect, request, url_for

from core.api.query import fetch_page
from core.errors import ApiError
from core.identity import permissions
from plugins.customers import leads
from plugins.customers.leads_models import Lead
from plugins.customers.leads_resource import leads as resource
from plugins.customers.pool_common import PoolError
from plugins.customers.pool_i18n import tr
from plugins.customers.pool_pages import assignable_users, flash_error, local_next, render


def _lead(lead_id: int) -> Lead:
    try:
        return leads.get_lead(g.user, lead_id)
    except PoolError:
        abort(404)


def _back(lead_id: int) -> Any:
    return redirect(url_for("leads_pages.record", record_id=lead_id, tab="convert"))


def pages_blueprint() -> Blueprint:
    bp = Blueprint("customers_leads_pages", __name__, template_folder="templates")

    @bp.get("/leads/pool/")
    def lead_pool() -> Any:
        if not permissions.can(g.user, "read", leads.ENTITY):
            abort(403)
        try:
            params = resource.list_params({k: v for k, v in request.args.items() if k != "owner_id"}, g.user)
        except ApiError as exc:
            abort(exc.status, description=exc.message)
        query = resource.visible_query(g.user, params).where(
            Lead.owner.is_null() & (Lead.status != "converted"))
        rows, cursor = fetch_page(query, Lead, params)
        return render("customers/leads/pool.html", rows=rows, cursor=cursor, q=params.q,
                      can_claim=permissions.can(g.user, "claim", leads.ENTITY),
                      breadcrumbs=[(resource.label(), url_for("leads_pages.index")),
                                   (tr("Lead pool", "线索池"), None)])

    @bp.get("/leads/<int:lead_id>/tab/convert")
    def convert_tab(lead_id: int) -> Any:
        lead = _lead(lead_id)
        funnel = "funnel" in g.tenant.enabled
        open_lead = lead.status != "converted"
        return render("customers/leads/tab.html", lead=lead, funnel=funnel,
                      can_claim=lead.owner_id is None and permissions.can(g.user, "claim", leads.ENTITY),
                      can_release=lead.owner_id is not None and open_lead,
                      can_assign=permissions.can(g.user, "assign", leads.ENTITY) and open_lead,
                      can_convert=open_lead and permissions.can(g.user, "convert", leads.ENTITY, lead),
                      users=assignable_users() if permissions.can(g.user, "assign", leads.ENTITY) else [])

    @bp.post("/leads/<int:lead_id>/pool/<action>")
    def lead_action(lead_id: int, action: str) -> Any:
        back = local_next(url_for("leads_pages.record", record_id=lead_id, tab="convert"))
        try:
            if action == "claim":
                leads.claim_lead(g.user, lead_id)
                flash(tr("The lead is yours now.", "已领取该线索。"), "success")
            elif action == "release":
                leads.release_lead(g.user, lead_id, request.form.get("reason", ""))
                flash(tr("Put back into the lead pool.", "已退回线索池。"), "success")
                back = url_for(".lead_pool")
            elif action == "assign":
                leads.assign_lead(g.user, lead_id, {"user": request.form.get("user", "")})
                flash(tr("Assigned.", "已分配。"), "success")
            else:
                abort(404)
        except PoolError as exc:
            if exc.status == 404:
                abort(404)
            flash_error(exc)
        return redirect(back)

    @bp.post("/leads/<int:lead_id>/convert")
    def lead_convert(lead_id: int) -> Any:
        _lead(lead_id)
        form = request.form
        data: dict[str, Any] = {"contact": form.get("contact") == "on", "force": form.get("force") == "on"}
        if form.get("merge_into", "").isdigit():
            data["merge_into"] = int(form["merge_into"])
        if form.get("deal_title", "").strip():
            data["deal"] = {"title": form["deal_title"], "amount": form.get("deal_amount") or "0"}
        try:
            result = leads.convert(g.user, lead_id, data)
        except PoolError as exc:
            if exc.code == "duplicates":
                found = ", ".join(f"{d['name']} (#{d['id']})" for d in exc.details.get("duplicates", []))
                hidden = exc.details.get("hidden", 0)
                more = tr(f" and {hidden} you cannot see", f"，另有 {hidden} 个你无权查看") if hidden else ""
                flash(tr("Likely duplicates: ", "疑似重复客户：") + (found or "—") + more
                      + tr(". Convert into one of them, or tick “create anyway”.",
                           "。可转入其中一个客户，或勾选“仍然新建”。"), "warning")
            else:
                flash_error(exc)
            return _back(lead_id)
        flash(tr("Converted into a customer.", "已转化为客户。"), "success")
        return redirect(url_for("customers_pages.record", record_id=result["customer"].id))

    return bp
