"""Admin pages for people: users (with password reset and tokens), departments, roles.

Every page here is for tenant admins only (403 for anyone else); every change goes through
:mod:`core.identity.services`, so it is validated and audited exactly as in the API.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from core.api.query import fetch_page, parse_list_args
from core.identity import services
from core.identity.auth import admin_required, current_user
from core.identity.errors import IdentityError
from core.identity.models import ApiToken, Department, Role, User
from core.identity.text import _, is_zh
from core.identity.tokens import create_token, revoke_token

admin_pages = Blueprint("identity_admin", __name__, url_prefix="/admin", template_folder="templates")


@admin_pages.before_request
@admin_required
def _admins_only() -> None:
    return None


def crumbs(*items: tuple[str, str | None]) -> list[tuple[str, str | None]]:
    return [(_("Administration"), url_for("identity_admin.users")), *items]


def form_errors(exc: IdentityError) -> dict[str, str]:
    return {exc.field or "_": _(exc.message)}


def role_name(role: Role) -> str:
    return role.name_zh if is_zh() and role.name_zh else role.name


def choices() -> dict[str, Any]:
    """Roles and departments for the selects of the user and rule forms."""
    return {
        "roles": [(r.key, role_name(r)) for r in Role.select().order_by(Role.id)],
        "departments": [(d.id, "\u2003" * depth + d.name) for depth, d in services.department_tree()],
    }


# -- users --------------------------------------------------------------------------------


@admin_pages.get("/users")
def users():
    args = {k: v for k, v in request.args.items() if k in ("q", "cursor", "sort")}
    params = parse_list_args(args, sortable=("username",), filters={}, default_sort="username",
                             default_limit=100)
    query = User.select()
    if params.q:
        query = query.where(User.username.contains(params.q) | User.display_name.contains(params.q))
    rows, cursor = fetch_page(query, User, params)
    return render_template("identity/admin/users.html", users=rows, next_cursor=cursor, q=params.q,
                           breadcrumbs=crumbs((_("Users"), None)))


USER_FORM_FIELDS = ("display_name", "email", "role", "department", "language", "timezone")


@admin_pages.route("/users/new", methods=["GET", "POST"])
def new_user():
    errors: dict[str, str] = {}
    values = {k: request.form.get(k, "") for k in ("username", *USER_FORM_FIELDS)}
    if request.method == "POST":
        try:
            password = request.form.get("password") or None
            user = services.create_user(
                values["username"], password, role=values["role"] or "sales",
                department=values["department"] or None, display_name=values["display_name"],
                email=values["email"], language=values["language"], timezone=values["timezone"],
            )
        except IdentityError as exc:
            errors = form_errors(exc)
        else:
            flash(_("User %(name)s created.", name=user.username), "success")
            return redirect(url_for(".user", user_id=user.id))
    return render_template("identity/admin/user_form.html", user=None, values=values, errors=errors,
                           breadcrumbs=crumbs((_("Users"), url_for(".users")), (_("New user"), None)),
                           **choices()), 422 if errors else 200


@admin_pages.route("/users/<int:user_id>", methods=["GET", "POST"])
def user(user_id: int):
    target = services.row(User, user_id) or abort(404)
    errors: dict[str, str] = {}
    values = {"display_name": target.display_name, "email": target.email, "role": target.role.key,
              "department": target.department_id or "", "language": target.language,
              "timezone": target.timezone, "active": target.active}
    if request.method == "POST":
        values = {k: request.form.get(k, "") for k in USER_FORM_FIELDS}
        values["active"] = request.form.get("active") == "on"
        try:
            services.update_user(target, {**values, "department": values["department"] or None})
        except IdentityError as exc:
            errors = form_errors(exc)
        else:
            flash(_("Saved."), "success")
            return redirect(url_for(".user", user_id=target.id))
    tokens = ApiToken.select().where(ApiToken.user == target).order_by(ApiToken.id.desc())
    return render_template("identity/admin/user_form.html", user=target, values=values, errors=errors,
                           tokens=tokens, created_token=None,
                           revoke_url=lambda t: url_for(".revoke_token_page", token_id=t.id),
                           breadcrumbs=crumbs((_("Users"), url_for(".users")), (target.username, None)),
                           **choices()), 422 if errors else 200


@admin_pages.post("/users/<int:user_id>/password")
def reset_password(user_id: int):
    target = services.row(User, user_id) or abort(404)
    try:
        services.set_password(target, request.form.get("password") or "")
    except IdentityError as exc:
        flash(_(exc.message), "error")
    else:
        flash(_("Password reset; %(name)s must sign in again.", name=target.username), "success")
    return redirect(url_for(".user", user_id=target.id))


@admin_pages.post("/users/<int:user_id>/tokens")
def new_token(user_id: int):
    target = services.row(User, user_id) or abort(404)
    try:
        _row, raw = create_token(target, request.form.get("name") or "", actor=current_user())
    except IdentityError as exc:
        flash(_(exc.message), "error")
        return redirect(url_for(".user", user_id=target.id))
    return render_template("identity/admin/token_created.html", user=target, token=raw,
                           breadcrumbs=crumbs((_("Users"), url_for(".users")),
                                              (target.username, url_for(".user", user_id=target.id)),
                                              (_("New token"), None)))


@admin_pages.post("/tokens/<int:token_id>/revoke")
def revoke_token_page(token_id: int):
    token = services.row(ApiToken, token_id) or abort(404)
    revoke_token(token)
    flash(_("Token %(prefix)s… revoked.", prefix=token.prefix), "success")
    return redirect(url_for(".user", user_id=token.user_id))


# -- departments --------------------------------------------------------------------------


@admin_pages.get("/departments")
def departments(errors: dict[str, str] | None = None, status: int = 200):
    members: dict[int, int] = {}
    for dept_id, in User.select(User.department).where(User.department.is_null(False)).tuples():
        members[dept_id] = members.get(dept_id, 0) + 1
    return render_template("identity/admin/departments.html", tree=services.department_tree(),
                           members=members, errors=errors or {},
                           breadcrumbs=crumbs((_("Departments"), None)), **choices()), status


@admin_pages.post("/departments")
def create_department():
    try:
        dept = services.create_department(request.form.get("name", ""), request.form.get("parent") or None)
    except IdentityError as exc:
        return departments(form_errors(exc), 422)
    flash(_("Department %(name)s created.", name=dept.name), "success")
    return redirect(url_for(".departments"))


@admin_pages.post("/departments/<int:dept_id>")
def update_department(dept_id: int):
    dept = services.row(Department, dept_id) or abort(404)
    try:
        if request.form.get("delete"):
            services.delete_department(dept)
            flash(_("Department %(name)s deleted.", name=dept.name), "success")
        else:
            services.update_department(dept, {"name": request.form.get("name", dept.name),
                                              "parent": request.form.get("parent") or None})
            flash(_("Saved."), "success")
    except IdentityError as exc:
        return departments(form_errors(exc), exc.status)
    return redirect(url_for(".departments"))


# -- roles --------------------------------------------------------------------------------


@admin_pages.route("/roles", methods=["GET", "POST"])
def roles():
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            role = services.create_role(request.form.get("key", "").strip(), request.form.get("name", ""),
                                        request.form.get("name_zh", ""))
        except IdentityError as exc:
            errors = form_errors(exc)
        else:
            flash(_("Role %(key)s created; grant it rights in the matrix.", key=role.key), "success")
            return redirect(url_for(".roles"))
    members: dict[int, int] = {}
    for role_id, in User.select(User.role).tuples():
        members[role_id] = members.get(role_id, 0) + 1
    return render_template("identity/admin/roles.html", roles=Role.select().order_by(Role.id),
                           members=members, errors=errors, form=request.form,
                           breadcrumbs=crumbs((_("Roles"), None))), 422 if errors else 200


@admin_pages.post("/roles/<int:role_id>")
def update_role(role_id: int):
    role = services.row(Role, role_id) or abort(404)
    try:
        if request.form.get("delete"):
            services.delete_role(role)
            flash(_("Role %(key)s deleted.", key=role.key), "success")
        else:
            services.update_role(role, {"name": request.form.get("name", role.name),
                                        "name_zh": request.form.get("name_zh", role.name_zh)})
            flash(_("Saved."), "success")
    except IdentityError as exc:
        flash(_(exc.message), "error")
    return redirect(url_for(".roles"))
