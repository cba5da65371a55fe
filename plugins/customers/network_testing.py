"""Test support for the network, activities and schedule tests: users, rights, customers.

Builds rows directly, so the tests depend only on the identity tables, not on how a tenant is
seeded. Use inside ``kernel.tenant_context(slug)``.
"""

from __future__ import annotations

from typing import Any

from flask import g

from core.identity.models import AccessRight, Department, Role, User
from core.identity.permissions import forget_cache
from plugins.customers.models import Customer

ACTIONS = ("read", "create", "write", "delete", "export")
ENTITIES = ("customer", "activity", "schedule_item")


def role(key: str) -> Role:
    found, _ = Role.get_or_create(key=key, defaults={"name": key.title(), "builtin": True})
    return found


def grant(role_key: str, entity: str, scope: str, actions: tuple[str, ...] = ACTIONS) -> None:
    """Give ``role_key`` these rights on ``entity`` with ``scope`` (replacing earlier ones)."""
    r = role(role_key)
    for action in actions:
        AccessRight.delete().where((AccessRight.role == r) & (AccessRight.entity == entity)
                                   & (AccessRight.action == action)).execute()
        AccessRight.create(role=r, entity=entity, action=action, scope=scope)
    forget_cache()


def user(username: str, role_key: str = "sales", department: Department | None = None,
         timezone: str = "", scope: str | None = None) -> User:
    """A user; ``scope`` also grants the role every right on the plugin's entities."""
    r = role(role_key)
    if scope:
        for entity in ENTITIES:
            grant(role_key, entity, scope)
    return User.create(username=username, display_name=username.title(), role=r, department=department,
                       timezone=timezone, email=f"{username}@example.com")


def customer(name: str, owner: User | None = None, **fields: Any) -> Customer:
    return Customer.create(name=name, owner=owner, **fields)


def act_as(account: User) -> User:
    """Make ``account`` the current user (``g.user``), as a signed-in request would."""
    g.user = account
    forget_cache()
    return account
