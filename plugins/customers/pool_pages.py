"""The pool's pages: the pools with their figures, one pool's customers (claim, assign), the pool
form (departments, limits, rules), and the claim / release / assign / lock buttons that the
pool page and the customer's "Owners" tab post to."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, url_for

from core.errors import ApiError
from core.identity import permissions
from core.identity.models import User
from core.identity.services import department_tree
from plugins.customers import claims
from plugins.customers import pool as pools
from plugins.customers.pool_api import pool_page
from plugins.customers.pool_common import PoolError
from plugins.customers.pool_i18n import tr
from plugins.customers.pool_models import RULE_KINDS, PoolRule

RULE_ROWS = 6
RULE_LABELS = {
    "no_followup": ("No follow-up for", "未跟进超过"),
    "no_deal": ("No new deal for", "无新商机超过"),
    "no_won_deal": ("No won deal for", "未成交超过"),
}
LIMIT_FIELDS = ("warn_days", "max_held", "daily_claims", "reclaim_ban_days", "position")


def render(template: str, **context: Any) -> str:
    return render_template(template, tr=tr, rule_label=rule_label, **context)


def rule_label(kind: str) -> str:
    english, chinese = RULE_LABELS.get(kind, (kind, kind))
    return tr(english, chinese)


def flash_error(exc: PoolError) -> None:
    details = "; ".join(f"{k}: {', '.join(v)}" for k, v in exc.fields.items())
    flash(exc.message + (f" ({details})" if details else ""), "danger")


def local_next(default: str) -> str:
    """The form's ``next`` when it is a path of this site, else ``default`` (no open redirect)."""
    target = request.form.get("next") or request.args.get("next") or ""
    parts = urlparse(target)
    if target.startswith("/") and not target.startswith("//") and not parts.scheme and not parts.netloc:
        return target
    return default


def assignable_users() -> list[User]:
    """Users a manager may give customers to (their department and below; admins: everyone)."""
    query = User.select().where(User.active == True).order_by(User.username)  # noqa: E712
    if not g.user.is_admin:
        query = query.where(User.department.in_(permissions.department_subtree(g.user.department_id) or [0]))
    return list(query)


def pool_form_data(form: Any) -> dict[str, Any]:
    """The pool form as service input (blank numbers are "no limit"; blank rule rows skipped)."""
    data: dict[str, Any] = {"name": form.get("name", ""), "description": form.get("description", ""),
                            "is_default": form.get("is_default") == "on",
                            "auto_return": form.get("auto_return") == "on",
                            "departments": [int(d) for d in form.getlist("departments") if d.isdigit()]}
    for name in LIMIT_FIELDS:
        raw = form.get(name, "").strip()
        if raw:
            data[name] = int(raw) if raw.lstrip("-").isdigit() else raw
        elif name in ("max_held", "daily_claims"):
            data[name] = None
    rules = []
    for i in range(RULE_ROWS):
        days = form.get(f"rule_days_{i}", "").strip()
        if not days:
            continue
        rules.append({"kind": form.get(f"rule_kind_{i}", ""), "level": form.get(f"rule_level_{i}", ""),
                      "days": int(days) if days.lstrip("-").isdigit() else days})
    data["rules"] = rules
    return data


def pages_blueprint() -> Blueprint:
    bp = Blueprint("customers_pool_pages", __name__, template_folder="templates")

    def need(action: str) -> None:
        if not permissions.can(g.user, action, pools.ENTITY):
            abort(403, description=tr(f"You may not {action} pools.", "你没有此公海权限。"))

    def visible(pool_id: int) -> Any:
        try:
            return pools.get_visible_pool(g.user, pool_id)
        except PoolError:
            abort(404)

    @bp.get("/pools/")
    def pool_index() -> Any:
        need("read")
        ids = pools.visible_pool_ids(g.user)
        rows = [(p, pools.pool_figures(p), list(p.rules.order_by(PoolRule.kind, PoolRule.days)))
                for p in pools.live_pools() if p.id in ids]
        crumbs = [(tr("Public pools", "公海"), None)]
        return render("customers/pool/index.html", rows=rows, breadcrumbs=crumbs,
                      can_create=permissions.can(g.user, "create", pools.ENTITY),
                      can_write=permissions.can(g.user, "write", pools.ENTITY))

    @bp.get("/pools/<int:pool_id>/")
    def pool_view(pool_id: int) -> Any:
        pool = visible(pool_id)
        try:
            items, cursor = pool_page(pool, request.args)
        except ApiError as exc:  # a bad cursor or sort from a hand-made URL
            abort(exc.status, description=exc.message)
        return render(
            "customers/pool/pool.html", pool=pool, items=items, cursor=cursor, q=request.args.get("q", ""),
            figures=pools.pool_figures(pool), rules=list(pool.rules.order_by(PoolRule.kind, PoolRule.days)),
            can_claim=permissions.can(g.user, "claim", pools.ENTITY),
            can_assign=permissions.can(g.user, "assign", pools.ENTITY),
            can_write=permissions.can(g.user, "write", pools.ENTITY),
            users=assignable_users() if permissions.can(g.user, "assign", pools.ENTITY) else [],
            breadcrumbs=[(tr("Public pools", "公海"), url_for(".pool_index")), (pool.name, None)])

    def form_page(pool: Any, data: dict[str, Any] | None, errors: dict[str, list[str]], status: int) -> Any:
        values = data or (pools.pool_dict(pool) if pool else {"auto_return": True, "warn_days": 3,
                                                               "reclaim_ban_days": 0, "rules": []})
        crumbs = [(tr("Public pools", "公海"), url_for(".pool_index")),
                  (pool.name if pool else tr("New pool", "新建公海"), None)]
        return render("customers/pool/form.html", pool=pool, values=values, errors=errors, kinds=RULE_KINDS,
                      rows=RULE_ROWS, departments=department_tree(), breadcrumbs=crumbs), status

    @bp.route("/pools/new", methods=["GET", "POST"])
    def pool_new() -> Any:
        need("create")
        if request.method == "GET":
            return form_page(None, None, {}, 200)
        data = pool_form_data(request.form)
        try:
            pool = pools.create_pool(data, g.user)
        except PoolError as exc:
            return form_page(None, data, exc.fields or {"_form": [exc.message]}, exc.status)
        flash(tr("Pool created.", "公海已创建。"), "success")
        return redirect(url_for(".pool_view", pool_id=pool.id))

    @bp.route("/pools/<int:pool_id>/edit", methods=["GET", "POST"])
    def pool_edit(pool_id: int) -> Any:
        pool = visible(pool_id)
        need("write")
        if request.method == "GET":
            return form_page(pool, None, {}, 200)
        data = pool_form_data(request.form)
        try:
            pools.update_pool(pool, data, g.user)
        except PoolError as exc:
            return form_page(pool, data, exc.fields or {"_form": [exc.message]}, exc.status)
        flash(tr("Pool saved.", "公海已保存。"), "success")
        return redirect(url_for(".pool_view", pool_id=pool.id))

    @bp.post("/pools/<int:pool_id>/delete")
    def pool_delete(pool_id: int) -> Any:
        pool = visible(pool_id)
        need("delete")
        try:
            pools.delete_pool(pool, g.user)
        except PoolError as exc:
            flash_error(exc)
            return redirect(url_for(".pool_view", pool_id=pool.id))
        flash(tr("Pool moved to the trash.", "公海已移入回收站。"), "success")
        return redirect(url_for(".pool_index"))

    @bp.post("/pools/<int:pool_id>/run")
    def pool_run(pool_id: int) -> Any:
        visible(pool_id)
        need("write")
        current_app.extensions["xietong"].enqueue("customers.pool_return_now", tenant=g.tenant.slug)
        flash(tr("The automatic return is queued; it runs in the background.",
                 "自动回收已排队，将在后台运行。"), "success")
        return redirect(url_for(".pool_index"))

    # -- buttons on the pool page and the Owners tab ----------------------------------

    @bp.post("/customers/<int:customer_id>/pool/<action>")
    def customer_action(customer_id: int, action: str) -> Any:
        back = local_next(url_for("customers_pages.record", record_id=customer_id, tab="owners"))
        form = request.form
        try:
            if action == "claim":
                claims.claim(g.user, customer_id)
                flash(tr("The customer is yours now.", "已领取该客户。"), "success")
            elif action == "release":
                claims.release(g.user, customer_id, form.get("reason", ""))
                flash(tr("Put back into the pool.", "已退回公海。"), "success")
            elif action == "assign":
                data = {"user": form.get("user", ""), "reason": form.get("reason", "")}
                claims.assign(g.user, customer_id, data)
                flash(tr("Assigned.", "已分配。"), "success")
            elif action in ("lock", "unlock"):
                claims.set_locked(g.user, customer_id, action == "lock")
                flash(tr("Locked: it will not return automatically.", "已锁定：不会被自动回收。")
                      if action == "lock" else tr("Unlocked.", "已解锁。"), "success")
            else:
                abort(404)
        except PoolError as exc:
            if exc.status == 404:
                abort(404)
            flash_error(exc)
        return redirect(back)

    return bp
