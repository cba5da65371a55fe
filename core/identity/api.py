"""The identity API (CONTRACT.md): ``/users``, ``/departments``, ``/roles`` and API tokens.

Every signed-in user may read the colleague directory (users' names and departments,
departments, roles); only admins change them. A user may change their own profile, password
and tokens. Inputs go through marshmallow with unknown fields refused, and fields the caller
may not set (``role`` for a non-admin, ``owner_id``, ``tenant`` …) are 422 — no mass assignment.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Blueprint, Response, jsonify, request, url_for
from marshmallow import RAISE, Schema, ValidationError, fields, validate

from core.api.query import fetch_page, parse_list_args
from core.api.views import json_body
from core.errors import ApiError
from core.identity import services
from core.identity.auth import current_user
from core.identity.errors import IdentityError
from core.identity.models import ApiToken, Department, Role, User
from core.identity.tokens import create_token, revoke_token, token_dict

api = Blueprint("identity_api", __name__, url_prefix="/api/v1")


API_FIELD_NAMES = {"department": "department_id", "parent": "parent_id"}  # services' names → the API's


@api.errorhandler(IdentityError)
def _identity_error(exc: IdentityError):
    fields_ = {API_FIELD_NAMES.get(name, name): messages for name, messages in exc.fields().items()}
    err = ApiError(exc.status, exc.message, fields=fields_)
    return jsonify(err.to_dict()), err.status


class _Strict(Schema):
    class Meta:
        unknown = RAISE


class UserProfileIn(_Strict):
    display_name = fields.String(validate=validate.Length(max=200))
    email = fields.String(validate=validate.Length(max=254))
    language = fields.String()
    timezone = fields.String()


class UserAdminIn(UserProfileIn):
    role = fields.String()
    department_id = fields.Integer(allow_none=True)
    active = fields.Boolean()


class UserCreateIn(UserAdminIn):
    username = fields.String(required=True)
    password = fields.String(load_only=True)


class PasswordIn(_Strict):
    old_password = fields.String()
    new_password = fields.String(required=True)


class TokenIn(_Strict):
    name = fields.String(validate=validate.Length(max=100), load_default="")
    expires_at = fields.AwareDateTime(allow_none=True, load_default=None)


class DepartmentIn(_Strict):
    name = fields.String(required=True)
    parent_id = fields.Integer(allow_none=True, load_default=None)


class RoleIn(_Strict):
    key = fields.String(required=True)
    name = fields.String(required=True)
    name_zh = fields.String(load_default="")


def load(schema: Schema, data: Any, refused: Mapping[str, str] | None = None, partial: bool = False) -> dict:
    """Validate ``data`` with ``schema``; fields in ``refused`` are named as not settable."""
    if not isinstance(data, dict):
        raise ApiError(400, "send a JSON object")
    blocked = {name: [refused[name]] for name in data if refused and name in refused}
    if blocked:
        raise ApiError(422, "some fields may not be set by you", fields=blocked)
    try:
        return schema.load(data, partial=partial)
    except ValidationError as exc:
        messages = {k: v if isinstance(v, list) else [str(v)] for k, v in exc.messages.items()}
        raise ApiError(422, "the input is not valid", fields=messages) from None


def require_admin() -> Any:
    user = current_user()
    if not user.is_admin:
        raise ApiError(403, "only administrators may do this")
    return user


def get_or_404(model: Any, record_id: int, what: str) -> Any:
    found = services.row(model, record_id)
    if found is None:
        raise ApiError(404, f"no such {what}")
    return found


def listing(query: Any, model: Any, args: Mapping[str, str], dump, *, sortable=(), filters=None,
            apply=None, search=()):
    """A keyset-paginated collection in the contract's shape, filters applied by ``apply``."""
    params = parse_list_args(args, sortable=sortable, filters=filters or {}, default_sort="id")
    if params.q and search:
        condition = None
        for column in search:
            term = column.contains(params.q)
            condition = term if condition is None else condition | term
        query = query.where(condition)
    for name, value in params.filters.items():
        query = apply(query, name, value) if apply else query.where(getattr(model, name) == value)
    rows, cursor = fetch_page(query, model, params)
    return jsonify(items=[dump(row) for row in rows], next=cursor)


def created(body: dict, endpoint: str, **values: Any) -> Response:
    response = jsonify(body)
    response.status_code = 201
    response.headers["Location"] = url_for(endpoint, **values)
    return response


# -- users --------------------------------------------------------------------------------


def _dump_user(user: User) -> dict:
    me = current_user()
    return services.user_dict(user, full=me.is_admin or me.id == user.id)


def _user_changes(data: dict) -> dict:
    if "department_id" in data:
        data["department"] = data.pop("department_id")
    return data


@api.get("/users")
def users():
    filters = {"department_id": fields.Integer(), "active": fields.Boolean(), "role": fields.String()}

    def apply(query, name, value):
        if name == "role":
            return query.where(User.role == services.find_role(value))
        if name == "department_id":
            return query.where(User.department == value)
        return query.where(User.active == value)

    return listing(User.select(), User, request.args, _dump_user, sortable=("username",), filters=filters,
                   apply=apply, search=(User.username, User.display_name))


@api.post("/users")
def create_user():
    actor = require_admin()
    data = _user_changes(load(UserCreateIn(), json_body()))
    user = services.create_user(data.pop("username"), data.pop("password", None),
                                role=data.pop("role", "sales"), department=data.pop("department", None),
                                actor=actor, **data)
    return created(_dump_user(user), ".user", user_id=user.id)


@api.get("/users/me")
def me():
    return jsonify(_dump_user(current_user()))


@api.get("/users/<int:user_id>")
def user(user_id: int):
    return jsonify(_dump_user(get_or_404(User, user_id, "user")))


@api.patch("/users/<int:user_id>")
def patch_user(user_id: int):
    actor = current_user()
    target = get_or_404(User, user_id, "user")
    body = json_body()
    if actor.is_admin:
        data = load(UserAdminIn(), body)
    elif actor.id == target.id:
        refused = {name: "only administrators may set this" for name in ("role", "department_id", "active")}
        data = load(UserProfileIn(), body, refused)
    else:
        raise ApiError(403, "you may only change your own profile")
    return jsonify(_dump_user(services.update_user(target, _user_changes(data), actor)))


@api.delete("/users/<int:user_id>")
def deactivate_user(user_id: int):
    """Users are deactivated, not deleted: their records keep naming them. PATCH active=true undoes it."""
    actor = require_admin()
    services.update_user(get_or_404(User, user_id, "user"), {"active": False}, actor)
    return Response(status=204)


@api.post("/users/<int:user_id>/password")
def password(user_id: int):
    actor = current_user()
    target = get_or_404(User, user_id, "user")
    if actor.id == target.id:
        data = load(PasswordIn(), json_body())
        services.change_password(target, data.get("old_password") or "", data["new_password"])
    elif actor.is_admin:
        data = load(PasswordIn(), json_body(), {"old_password": "not needed for a reset"})
        services.set_password(target, data["new_password"], actor)
    else:
        raise ApiError(403, "you may only change your own password")
    return Response(status=204)


def _token_owner(user_id: int) -> User:
    actor = current_user()
    target = get_or_404(User, user_id, "user")
    if actor.id != target.id and not actor.is_admin:
        raise ApiError(403, "you may only manage your own tokens")
    return target


@api.get("/users/<int:user_id>/tokens")
def tokens(user_id: int):
    target = _token_owner(user_id)
    return listing(ApiToken.select().where(ApiToken.user == target), ApiToken, request.args, token_dict)


@api.post("/users/<int:user_id>/tokens")
def new_token(user_id: int):
    target = _token_owner(user_id)
    data = load(TokenIn(), json_body())
    token, raw = create_token(target, data["name"], data["expires_at"], actor=current_user())
    return created(token_dict(token, raw), ".tokens", user_id=target.id)


@api.delete("/tokens/<int:token_id>")
def revoke(token_id: int):
    token = get_or_404(ApiToken, token_id, "token")
    actor = current_user()
    if token.user_id != actor.id and not actor.is_admin:
        raise ApiError(404, "no such token")  # another user's token is not revealed
    revoke_token(token, actor)
    return Response(status=204)


# -- departments --------------------------------------------------------------------------


@api.get("/departments")
def departments():
    return listing(Department.select(), Department, request.args, services.department_dict,
                   sortable=("name",), filters={"parent_id": fields.Integer()}, search=(Department.name,),
                   apply=lambda q, _name, value: q.where(Department.parent == value))


@api.post("/departments")
def create_department():
    actor = require_admin()
    data = load(DepartmentIn(), json_body())
    dept = services.create_department(data["name"], data["parent_id"], actor)
    return created(services.department_dict(dept), ".department", dept_id=dept.id)


@api.get("/departments/<int:dept_id>")
def department(dept_id: int):
    return jsonify(services.department_dict(get_or_404(Department, dept_id, "department")))


@api.patch("/departments/<int:dept_id>")
def patch_department(dept_id: int):
    actor = require_admin()
    dept = get_or_404(Department, dept_id, "department")
    data = load(DepartmentIn(), json_body(), partial=True)
    if "parent_id" in data:
        data["parent"] = data.pop("parent_id")
    return jsonify(services.department_dict(services.update_department(dept, data, actor)))


@api.delete("/departments/<int:dept_id>")
def delete_department(dept_id: int):
    actor = require_admin()
    services.delete_department(get_or_404(Department, dept_id, "department"), actor)
    return Response(status=204)


# -- roles --------------------------------------------------------------------------------


@api.get("/roles")
def roles():
    return listing(Role.select(), Role, request.args, services.role_dict, sortable=("key",),
                   search=(Role.key, Role.name, Role.name_zh))


@api.post("/roles")
def create_role():
    actor = require_admin()
    data = load(RoleIn(), json_body())
    role = services.create_role(data["key"], data["name"], data["name_zh"], actor)
    return created(services.role_dict(role), ".role", role_id=role.id)


@api.get("/roles/<int:role_id>")
def role(role_id: int):
    return jsonify(services.role_dict(get_or_404(Role, role_id, "role")))


@api.patch("/roles/<int:role_id>")
def patch_role(role_id: int):
    actor = require_admin()
    target = get_or_404(Role, role_id, "role")
    data = load(RoleIn(), json_body(), {"key": "a role's key never changes"}, partial=True)
    return jsonify(services.role_dict(services.update_role(target, data, actor)))


@api.delete("/roles/<int:role_id>")
def delete_role(role_id: int):
    actor = require_admin()
    services.delete_role(get_or_404(Role, role_id, "role"), actor)
    return Response(status=204)
