"""The customer category tree: create, rename, move (no cycles), order, role visibility of
top-level categories, delete, counts per category.

Only administrators change categories (the views check); these functions check that a
change makes sense and audit it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import peewee
from flask_babel import gettext as _

from core.errors import ApiError
from core.identity import permissions
from core.identity.audit import audit, diff, snapshot
from core.identity.models import Role
from plugins.customers import access
from plugins.customers.models import Category, Customer, CustomField

MAX_DEPTH = 8


def get_category(category_id: Any) -> Category:
    """A category by id, or ApiError 404."""
    from plugins.customers.access import record_id

    number = record_id(category_id)
    found = Category.get_or_none(Category.id == number) if number else None
    if found is None:
        raise ApiError(404, _("No such category."))
    return found


def tree() -> list[tuple[int, Category]]:
    """Every category with its depth, parents before children, siblings by position and name."""
    rows = list(Category.select().order_by(Category.position, Category.name, Category.id))
    children: dict[int | None, list[Category]] = {}
    for row in rows:
        children.setdefault(row.parent_id, []).append(row)
    out: list[tuple[int, Category]] = []

    def walk(parent: int | None, depth: int) -> None:
        for row in children.get(parent, ()):
            out.append((depth, row))
            walk(row.id, depth + 1)

    walk(None, 0)
    return out


def subtree(category_id: int) -> list[int]:
    """The category and every category below it."""
    children: dict[int | None, list[int]] = {}
    for cid, parent in Category.select(Category.id, Category.parent).tuples():
        children.setdefault(parent, []).append(cid)
    found, stack = [], [category_id]
    while stack:
        current = stack.pop()
        if current not in found:
            found.append(current)
            stack.extend(children.get(current, ()))
    return found


def ancestors(category_id: int | None) -> list[int]:
    """The category and its parents up to the top (the category first)."""
    parents = dict(Category.select(Category.id, Category.parent).tuples())
    found: list[int] = []
    while category_id is not None and category_id not in found:
        found.append(category_id)
        category_id = parents.get(category_id)
    return found


def top_level(category_id: int | None) -> int | None:
    chain = ancestors(category_id)
    return chain[-1] if chain else None


def _clean_name(value: Any) -> str:
    name = str(value or "").strip()
    if not name or len(name) > 100:
        raise ApiError(
            422,
            _("Give the category a name of at most 100 characters."),
            fields={"name": [_("Required, at most 100 characters.")]},
        )
    return name


def _clean_roles(value: Any) -> list[str]:
    if value in (None, ""):
        return []
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise ApiError(
            422,
            _("visible_roles must be a list of role keys."),
            fields={"visible_roles": [_("A list of role keys.")]},
        )
    known = {key for (key,) in Role.select(Role.key).tuples()}
    unknown = [v for v in value if v not in known]
    if unknown:
        raise ApiError(
            422,
            _("Unknown role: %(roles)s", roles=", ".join(unknown)),
            fields={"visible_roles": [_("Unknown role: %(roles)s", roles=", ".join(unknown))]},
        )
    return sorted(set(value))


def _check_parent(category: Category | None, parent_id: Any) -> int | None:
    if parent_id in (None, ""):
        return None
    try:
        parent = get_category(parent_id)
    except ApiError:
        raise ApiError(422, _("No such category."), fields={"parent_id": [_("No such category.")]}) from None
    if category is not None and category.id is not None and parent.id in subtree(category.id):
        raise ApiError(
            422,
            _("A category cannot move under itself or below one of its own children."),
            fields={"parent_id": [_("This would make a cycle.")]},
        )
    if len(ancestors(parent.id)) >= MAX_DEPTH:
        raise ApiError(
            422,
            _("Categories nest at most %(n)d levels deep.", n=MAX_DEPTH),
            fields={"parent_id": [_("Too deep.")]},
        )
    return parent.id


def _check_unique(name: str, parent_id: int | None, exclude: int | None = None) -> None:
    query = Category.select().where(
        (Category.name == name)
        & (Category.parent.is_null() if parent_id is None else Category.parent == parent_id)
    )
    if exclude is not None:
        query = query.where(Category.id != exclude)
    if query.exists():
        raise ApiError(
            409, _("A category with this name already exists here."), fields={"name": [_("Already taken.")]}
        )


def create_category(data: Mapping[str, Any], actor: Any = None) -> Category:
    """Create a category: ``name``, optional ``parent_id``, ``position``, ``visible_roles``
    (top-level only)."""
    name = _clean_name(data.get("name"))
    parent_id = _check_parent(None, data.get("parent_id"))
    roles = _clean_roles(data.get("visible_roles"))
    if roles and parent_id is not None:
        raise ApiError(
            422,
            _("Only top-level categories limit which roles see them."),
            fields={"visible_roles": [_("Only on top-level categories.")]},
        )
    _check_unique(name, parent_id)
    with Category._meta.database.atomic():
        category = Category.create(
            name=name, parent=parent_id, visible_roles=roles, position=_position(data.get("position", 0))
        )
        audit("create", "customer_category", category.id, diff(None, snapshot(category)), actor)
    access.forget()
    return category


def _position(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str) or not str(value).lstrip("-").isdigit():
        raise ApiError(422, _("position must be a whole number."), fields={"position": [_("Not a number.")]})
    return int(value)


def update_category(category: Category, data: Mapping[str, Any], actor: Any = None) -> Category:
    """Rename, move (``parent_id``; cycles are refused), reorder or change ``visible_roles``."""
    unknown = set(data) - {"name", "parent_id", "position", "visible_roles"}
    if unknown:
        raise ApiError(422, _("Unknown fields."), fields={k: [_("Unknown field.")] for k in unknown})
    before = snapshot(category)
    if "name" in data:
        category.name = _clean_name(data["name"])
    if "parent_id" in data:
        category.parent = _check_parent(category, data["parent_id"])
    if "position" in data:
        category.position = _position(data["position"])
    if "visible_roles" in data:
        category.visible_roles = _clean_roles(data["visible_roles"])
    if category.visible_roles and category.parent_id is not None:
        raise ApiError(
            422,
            _("Only top-level categories limit which roles see them."),
            fields={"visible_roles": [_("Only on top-level categories.")]},
        )
    _check_unique(category.name, category.parent_id, exclude=category.id)
    changes = diff(before, snapshot(category))
    if changes:
        with Category._meta.database.atomic():
            category.save()
            audit("update", "customer_category", category.id, changes, actor)
        access.forget()
    return category


def delete_category(category: Category, actor: Any = None) -> None:
    """Delete an empty category (no subcategories; its customers move to its parent)."""
    if Category.select().where(Category.parent == category.id).exists():
        raise ApiError(409, _("Delete or move the subcategories first."))
    with Category._meta.database.atomic():
        moved = (
            Customer.update(category=category.parent_id, version=Customer.version + 1)
            .where(Customer.category == category.id)
            .execute()
        )
        CustomField.update(category=category.parent_id).where(CustomField.category == category.id).execute()
        audit(
            "delete",
            "customer_category",
            category.id,
            {**diff(snapshot(category), None), "customers_moved": [None, moved]},
            actor,
        )
        category.delete_instance()
    access.forget()


def counts(user: Any) -> dict[int | None, dict[str, int]]:
    """Customers ``user`` may see per category: ``{id: {"own": n, "total": n with subtree}}``
    (key None: customers without a category)."""
    query = permissions.visible(
        Customer.live(Customer.category, peewee.fn.COUNT(Customer.id)), user, "customer", Customer
    ).group_by(Customer.category)
    own = {cat: n for cat, n in query.tuples()}
    parents = dict(Category.select(Category.id, Category.parent).tuples())
    result: dict[int | None, dict[str, int]] = {cid: {"own": own.get(cid, 0), "total": 0} for cid in parents}
    result[None] = {"own": own.get(None, 0), "total": own.get(None, 0)}
    for cid, n in own.items():
        seen: set[int] = set()
        while cid is not None and cid not in seen and cid in result:
            seen.add(cid)
            result[cid]["total"] += n
            cid = parents.get(cid)
    return result


def category_dict(category: Category, count: Mapping[str, int] | None = None) -> dict[str, Any]:
    data = {
        "id": category.id,
        "name": category.name,
        "parent_id": category.parent_id,
        "position": category.position,
        "visible_roles": list(category.visible_roles or []),
    }
    if count is not None:
        data["count"] = count.get("own", 0)
        data["total"] = count.get("total", 0)
    return data


def visible_categories(user: Any) -> list[tuple[int, Category]]:
    """The tree without the categories hidden from ``user``."""
    hidden = access.hidden_categories(user)
    return [(depth, c) for depth, c in tree() if c.id not in hidden]
