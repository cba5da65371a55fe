"""How identity plugs into the kernel (called from core.builtin's hook implementations)."""

from __future__ import annotations

import secrets
from typing import Any

from core.contrib import MenuItem


def entity_types(kernel: Any) -> list:
    """None: users, departments and roles are managed by admins only, outside the access-rights
    matrix, so no matrix edit can let a role grant itself more (Odoo CVE-2019-11782)."""
    return []


def blueprints(kernel: Any) -> list:
    from core.identity.admin_people import admin_pages
    from core.identity.admin_rules import rule_pages
    from core.identity.api import api
    from core.identity.api_admin import admin_api
    from core.identity.views import pages

    return [pages, admin_pages, rule_pages, api, admin_api]


ADMIN_MENU = (
    ("users", "Users", "用户", "identity_admin.users", 900),
    ("departments", "Departments", "部门", "identity_admin.departments", 901),
    ("roles", "Roles", "角色", "identity_admin.roles", 902),
    ("rights", "Access rights", "权限", "identity_rules.rights", 903),
    ("field-rules", "Field rules", "字段规则", "identity_rules.field_rules", 904),
    ("audit", "Audit log", "审计日志", "identity_rules.audit", 905),
    ("trash", "Trash", "回收站", "identity_rules.trash_page", 906),
)


def menu_items(kernel: Any, user: Any) -> list:
    """The administration entries, for admins only."""
    if user is None or not user.is_admin:
        return []
    return [MenuItem(key=f"admin.{key}", title=title, title_zh=title_zh, endpoint=endpoint,
                     order=order, icon="settings") for key, title, title_zh, endpoint, order in ADMIN_MENU]


def cli_commands(kernel: Any) -> list:
    from core.identity.cli import department, token, user

    return [user, token, department]


def init(kernel: Any, tenant: str, admin: str | None, password: str | None, demo: bool) -> str | None:
    """``xietong init``: make sure tenant ``tenant`` has an admin who can sign in.

    With ``--admin NAME`` that user is created or made an active admin (and given the password
    when one is passed). Without it, user ``admin`` is created with a generated password that
    is printed once — unless an active admin already exists.
    """
    from core.identity import services
    from core.identity.models import Role, User

    with kernel.tenant_context(tenant):
        services.ensure_builtin_roles()
        admin_role = Role.get(Role.key == "admin")
        generated = None
        if admin is None:
            if User.select().where((User.role == admin_role) & (User.active == True)).exists():  # noqa: E712
                return None
            admin = "admin"
        try:
            user = services.find_user(admin)
        except services.IdentityError:
            user = None
        if password is None and (user is None or not user.password_hash):
            password = generated = secrets.token_urlsafe(12)
        if user is None:
            user = services.create_user(admin, password, role="admin", display_name=admin)
            verb = "created"
        else:
            services.update_user(user, {"role": "admin", "active": True})
            if password is not None:
                services.set_password(user, password)
            verb = "updated"
    line = f"admin user {user.username} {verb} in tenant {tenant}"
    if generated:
        line += f"; password (shown once): {generated}"
    return line


def module_enabled(kernel: Any, tenant: Any) -> None:
    """Seed the built-in roles and each newly enabled entity's default rights (once each)."""
    from core.identity.rules import seed_default_rights

    seed_default_rights()
