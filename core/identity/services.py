"""Users, departments and roles: the business rules, callable without HTTP.

Views, the API, the CLI and plugins all change identity through these functions, so every
change is validated the same way and audited (``actor`` is who did it; None: the request's
user, or the system outside a request). Callers check that the actor may act (admins only,
or a user on themselves) before calling; these functions check that the change makes sense.
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from collections.abc import Mapping
from typing import Any

import peewee

from core.identity.audit import audit, diff, snapshot
from core.identity.errors import IdentityError
from core.identity.models import AccessRight, Department, FieldRule, Role, User, utcnow
from core.identity.passwords import hash_password, verify_password
from core.identity.permissions import department_subtree, forget_cache

BUILTIN_ROLES = {
    "admin": ("Administrator", "管理员"),
    "manager": ("Manager", "经理"),
    "sales": ("Sales", "销售"),
    "finance": ("Finance", "财务"),
}
USERNAME_RE = re.compile(r"^[\w.@+-]{1,150}$")
ROLE_KEY_RE = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
LANGUAGES = ("", "zh_CN", "en")
USER_FIELDS = ("display_name", "email", "role", "department", "active", "language", "timezone")
PROFILE_FIELDS = ("display_name", "email", "language", "timezone")  # what users set for themselves
AUDITED_USER_FIELDS = ("username", *USER_FIELDS)


# -- look-ups -----------------------------------------------------------------------------

MAX_ID = 2**63 - 1


def as_id(value: Any) -> int | None:
    """``value`` as a record id, or None when it cannot be one: not a whole number written
    in ASCII digits, or out of range (SQLite raises on integers past 64 bits instead of
    finding nothing, so a huge id must never reach a query)."""
    if isinstance(value, str):
        value = value.strip()
        if not (value.isascii() and value.isdigit()):
            return None
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value if 0 < value <= MAX_ID else None


def row(model: Any, value: Any) -> Any:
    """The row of ``model`` with id ``value``, or None (also for ids that cannot exist)."""
    record_id = as_id(value)
    return None if record_id is None else model.get_or_none(model.id == record_id)



def find_role(value: Any) -> Role:
    """A role by key, id or itself; IdentityError naming the choices when there is none."""
    if isinstance(value, Role):
        return value
    role = row(Role, value)
    if role is None and isinstance(value, str):
        role = Role.get_or_none(Role.key == value.strip())
    if role is None:
        keys = ", ".join(r.key for r in Role.select(Role.key).order_by(Role.id))
        raise IdentityError(f"unknown role {value!r}; roles: {keys}", field="role")
    return role


def find_department(value: Any) -> Department | None:
    """A department by id, name or itself (None and "" mean no department)."""
    if value is None or value == "" or isinstance(value, Department):
        return value or None
    found = row(Department, value)
    if found is not None:
        return found
    matches = list(Department.select().where(Department.name == str(value).strip()).limit(2))
    if not matches:
        raise IdentityError(f"unknown department {value!r}", field="department")
    if len(matches) > 1:
        raise IdentityError(f"several departments are named {value!r}; give its id", field="department")
    return matches[0]


def find_user(value: Any) -> User:
    """A user by user name, id or itself (a name made of digits wins over an id)."""
    if isinstance(value, User):
        return value
    user = None
    if isinstance(value, str):
        user = User.get_or_none(peewee.fn.LOWER(User.username) == value.strip().lower())
    if user is None:
        user = row(User, value)
    if user is None:
        raise IdentityError(f"unknown user {value!r}", field="user", status=404)
    return user


# -- users --------------------------------------------------------------------------------


def _clean_user_value(field: str, value: Any) -> Any:
    if field in ("display_name",):
        return _text(value, field, 200)
    if field == "email":
        email = _text(value, field, 254)
        if email and not EMAIL_RE.match(email):
            raise IdentityError("not an email address", field="email")
        return email
    if field == "role":
        return find_role(value)
    if field == "department":
        return find_department(value)
    if field == "active":
        if not isinstance(value, bool):
            raise IdentityError("must be true or false", field="active")
        return value
    if field == "language":
        if value not in LANGUAGES:
            raise IdentityError(f"language must be one of {', '.join(filter(None, LANGUAGES))}",
                                field="language")
        return value
    if field == "timezone":
        if value and value not in zoneinfo.available_timezones():
            raise IdentityError(f"unknown time zone {value!r}", field="timezone")
        return value or ""
    raise IdentityError(f"{field} cannot be set", field=field)


def _text(value: Any, field: str, limit: int) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise IdentityError("must be text", field=field)
    value = value.strip()
    if len(value) > limit:
        raise IdentityError(f"at most {limit} characters", field=field)
    return value


def _check_username(username: Any, exclude: int | None = None) -> str:
    if not isinstance(username, str) or not USERNAME_RE.match(username.strip()):
        raise IdentityError("a user name is 1-150 letters, digits or . @ + - _", field="username")
    username = username.strip()
    clash = User.select().where(peewee.fn.LOWER(User.username) == username.lower())
    if exclude is not None:
        clash = clash.where(User.id != exclude)
    if clash.exists():
        raise IdentityError(f"user name {username!r} is taken", field="username", status=409)
    return username


def create_user(username: str, password: str | None = None, role: Any = "sales",
                department: Any = None, actor: User | None = None, **fields: Any) -> User:
    """Create a user; without a password the account cannot sign in until one is set.

    ``fields`` may hold display_name, email, active, language and timezone.
    """
    values = {"username": _check_username(username), "role": find_role(role),
              "department": find_department(department)}
    for field, value in fields.items():
        if field not in USER_FIELDS or field in ("role", "department"):
            raise IdentityError(f"{field} cannot be set", field=field)
        values[field] = _clean_user_value(field, value)
    values["password_hash"] = hash_password(password) if password is not None else ""
    with User._meta.database.atomic():
        user = User.create(**values)
        audit("create", "user", user.id, diff(None, snapshot(user, AUDITED_USER_FIELDS)), actor)
    return user


def _other_active_admins(user: User) -> bool:
    admin = Role.get_or_none(Role.key == "admin")
    return admin is not None and User.select().where(
        (User.role == admin) & (User.active == True) & (User.id != user.id)  # noqa: E712
    ).exists()


def update_user(user: User, changes: Mapping[str, Any], actor: User | None = None) -> User:
    """Change a user's profile, role, department or active flag (validated, audited).

    The last active admin cannot be demoted or deactivated, so a tenant never locks itself out.
    """
    cleaned = {field: _clean_user_value(field, value) for field, value in changes.items()}
    if not cleaned:
        return user
    before = snapshot(user, AUDITED_USER_FIELDS)
    losing_admin = user.is_admin and (
        ("role" in cleaned and cleaned["role"].key != "admin") or cleaned.get("active") is False
    )
    if losing_admin and not _other_active_admins(user):
        raise IdentityError("the last active administrator cannot be demoted or deactivated",
                            field="role" if "role" in cleaned else "active", status=409)
    for field, value in cleaned.items():
        setattr(user, field, value)
    if cleaned.get("active") is False or ("role" in cleaned and cleaned["role"].id != before["role"]):
        user.session_epoch += 1  # a deactivated or re-roled user signs in again
    user.updated_at = utcnow()
    with User._meta.database.atomic():
        user.save()
        changed = diff(before, snapshot(user, AUDITED_USER_FIELDS))
        if changed:
            audit("update", "user", user.id, changed, actor)
    forget_cache()
    return user


def set_password(user: User, password: str, actor: User | None = None) -> User:
    """Set a new password (admin reset or after :func:`change_password`'s check).

    Every existing session of the user ends (``session_epoch`` is bumped); tokens stay.
    """
    user.password_hash = hash_password(password)
    user.session_epoch += 1
    user.updated_at = utcnow()
    with User._meta.database.atomic():
        user.save()
        audit("password", "user", user.id, {"password_hash": ["***", "***"]}, actor)
    return user


def change_password(user: User, old_password: str, new_password: str) -> User:
    """A user changes their own password; the old one must be right."""
    if not verify_password(user.password_hash, old_password or ""):
        raise IdentityError("the current password is wrong", field="old_password", status=403)
    return set_password(user, new_password, actor=user)


def user_dict(user: User, full: bool = True) -> dict[str, Any]:
    """The API form of a user; ``full=False`` is what every colleague may see."""
    data = {"id": user.id, "username": user.username, "display_name": user.display_name,
            "department_id": user.department_id, "active": user.active}
    if full:
        data.update(email=user.email, role=user.role.key, language=user.language,
                    timezone=user.timezone, created_at=_iso(user.created_at),
                    updated_at=_iso(user.updated_at))
    return data


def _iso(value: Any) -> str | None:
    return value.replace(tzinfo=dt.UTC).isoformat() if value else None


# -- departments --------------------------------------------------------------------------


def _check_department_name(name: Any, parent: Department | None, exclude: int | None = None) -> str:
    name = _text(name, "name", 200)
    if not name:
        raise IdentityError("a department needs a name", field="name")
    clash = Department.select().where(
        (Department.name == name)
        & (Department.parent.is_null() if parent is None else Department.parent == parent)
    )
    if exclude is not None:
        clash = clash.where(Department.id != exclude)
    if clash.exists():
        raise IdentityError(f"there is already a department {name!r} there", field="name", status=409)
    return name


def create_department(name: str, parent: Any = None, actor: User | None = None) -> Department:
    """Create a department under ``parent`` (id, name or Department; None: top level)."""
    parent = find_department(parent)
    name = _check_department_name(name, parent)
    with Department._meta.database.atomic():
        dept = Department.create(name=name, parent=parent)
        audit("create", "department", dept.id, diff(None, snapshot(dept, ("name", "parent"))), actor)
    forget_cache()
    return dept


def update_department(dept: Department, changes: Mapping[str, Any], actor: User | None = None) -> Department:
    """Rename or move a department; a move under itself or its own subtree is refused."""
    unknown = set(changes) - {"name", "parent"}
    if unknown:
        field = sorted(unknown)[0]
        raise IdentityError(f"{field} cannot be set", field=field)
    before = snapshot(dept, ("name", "parent"))
    parent = find_department(changes["parent"]) if "parent" in changes else dept.parent
    if parent is not None and parent.id in department_subtree(dept.id):
        raise IdentityError("a department cannot be moved under itself or its own subdepartments",
                            field="parent")
    name = _check_department_name(changes.get("name", dept.name), parent, exclude=dept.id)
    dept.name, dept.parent = name, parent
    with Department._meta.database.atomic():
        dept.save()
        changed = diff(before, snapshot(dept, ("name", "parent")))
        if changed:
            audit("update", "department", dept.id, changed, actor)
    forget_cache()
    return dept


def delete_department(dept: Department, actor: User | None = None) -> None:
    """Delete an empty department (no subdepartments, no users); anything else is a 409."""
    if Department.select().where(Department.parent == dept).exists():
        raise IdentityError("move or delete its subdepartments first", status=409)
    if User.select().where(User.department == dept).exists():
        raise IdentityError("move its users to another department first", status=409)
    with Department._meta.database.atomic():
        audit("delete", "department", dept.id, diff(snapshot(dept, ("name", "parent")), None), actor)
        dept.delete_instance()
    forget_cache()


def department_dict(dept: Department) -> dict[str, Any]:
    return {"id": dept.id, "name": dept.name, "parent_id": dept.parent_id}


def department_tree() -> list[tuple[int, Department]]:
    """Every department with its depth, parents before children, siblings by name."""
    children: dict[int | None, list[Department]] = {}
    for dept in Department.select().order_by(Department.name):
        children.setdefault(dept.parent_id, []).append(dept)
    ordered: list[tuple[int, Department]] = []

    def walk(parent: int | None, depth: int) -> None:
        for dept in children.get(parent, []):
            if all(dept.id != seen.id for _, seen in ordered):
                ordered.append((depth, dept))
                walk(dept.id, depth + 1)

    walk(None, 0)
    return ordered


# -- roles --------------------------------------------------------------------------------


def ensure_builtin_roles() -> dict[str, Role]:
    """Create the built-in roles that are missing (idempotent); returns them by key."""
    roles = {}
    for key, (name, name_zh) in BUILTIN_ROLES.items():
        role = Role.get_or_none(Role.key == key)
        if role is None:
            role = Role.create(key=key, name=name, name_zh=name_zh, builtin=True)
            audit("create", "role", role.id, diff(None, role_dict(role)), None)
        roles[key] = role
    return roles


def create_role(key: str, name: str, name_zh: str = "", actor: User | None = None) -> Role:
    """A tenant's own role; it has no rights until the admin grants some in the matrix."""
    if not isinstance(key, str) or not ROLE_KEY_RE.match(key):
        raise IdentityError("a role key is a lowercase letter, then letters, digits or _", field="key")
    if Role.select().where(Role.key == key).exists():
        raise IdentityError(f"role {key!r} exists", field="key", status=409)
    name = _text(name, "name", 100)
    if not name:
        raise IdentityError("a role needs a name", field="name")
    with Role._meta.database.atomic():
        role = Role.create(key=key, name=name, name_zh=_text(name_zh, "name_zh", 100))
        audit("create", "role", role.id, diff(None, role_dict(role)), actor)
    return role


def update_role(role: Role, changes: Mapping[str, Any], actor: User | None = None) -> Role:
    """Rename a role (English and Chinese names); keys never change, since rules use them."""
    unknown = set(changes) - {"name", "name_zh"}
    if unknown:
        field = sorted(unknown)[0]
        raise IdentityError(f"{field} cannot be changed", field=field)
    before = role_dict(role)
    if "name" in changes:
        role.name = _text(changes["name"], "name", 100)
        if not role.name:
            raise IdentityError("a role needs a name", field="name")
    if "name_zh" in changes:
        role.name_zh = _text(changes["name_zh"], "name_zh", 100)
    with Role._meta.database.atomic():
        role.save()
        changed = diff(before, role_dict(role))
        if changed:
            audit("update", "role", role.id, changed, actor)
    return role


def delete_role(role: Role, actor: User | None = None) -> None:
    """Delete a tenant's own role that no user has (its rights and field rules go with it)."""
    if role.builtin:
        raise IdentityError("built-in roles cannot be deleted", status=409)
    if User.select().where(User.role == role).exists():
        raise IdentityError("give its users another role first", status=409)
    with Role._meta.database.atomic():
        rights = AccessRight.delete().where(AccessRight.role == role).execute()
        rules = FieldRule.delete().where(FieldRule.role == role).execute()
        changes = {**diff(role_dict(role), None), "rights": [rights, 0], "field_rules": [rules, 0]}
        audit("delete", "role", role.id, changes, actor)
        role.delete_instance()
    forget_cache()


def role_dict(role: Role) -> dict[str, Any]:
    return {"id": role.id, "key": role.key, "name": role.name, "name_zh": role.name_zh,
            "builtin": role.builtin}
