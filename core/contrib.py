"""Typed records that plugins return from hooks (InvenTree's habit: data, not dicts)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

DEFAULT_ACTIONS = ("read", "create", "write", "delete", "export")


@dataclass(frozen=True)
class EntityType:
    """A kind of record a plugin owns.

    ``default_rights`` maps built-in role names to the actions that role has on a new tenant;
    tenant admins change them in the access-rights matrix. ``owner_field`` names the field the
    "own records" rule compares with the user (None: the entity has no owner).
    """

    key: str
    label: str
    label_zh: str
    model: Any = None
    actions: tuple[str, ...] = DEFAULT_ACTIONS
    default_rights: dict[str, tuple[str, ...]] = field(default_factory=dict)
    owner_field: str | None = None
    url: Callable[[Any], str] | None = None
    plugin: str = ""


@dataclass(frozen=True)
class MenuItem:
    """A navigation entry; ``endpoint`` is a Flask endpoint under the tenant's URL space."""

    key: str
    title: str
    title_zh: str
    endpoint: str
    order: int = 100
    icon: str = ""
    permission: tuple[str, str] | None = None  # (entity, action)


@dataclass(frozen=True)
class RecordTab:
    """A tab on a record page, loaded lazily from ``endpoint`` with ``endpoint_args``."""

    key: str
    title: str
    title_zh: str
    endpoint: str
    endpoint_args: dict[str, Any] = field(default_factory=dict)
    order: int = 100
    count: int | None = None
    permission: tuple[str, str] | None = None


@dataclass(frozen=True)
class Widget:
    """A desktop widget: ``data(kernel, user, settings)`` returns its JSON-able content."""

    key: str
    title: str
    title_zh: str
    data: Callable[..., Any]
    size: str = "medium"  # small | medium | large | full
    module: str = ""
    settings: dict[str, Any] = field(default_factory=dict)
    permission: tuple[str, str] | None = None
    template: str | None = None


@dataclass(frozen=True)
class Task:
    """A background task run on the queue within a tenant: ``func(kernel, **kwargs)``."""

    name: str
    func: Callable[..., Any]
    retries: int = 3
    retry_delay: int = 30


@dataclass(frozen=True)
class PeriodicTask:
    """A task run on a crontab schedule once for each tenant with the plugin enabled.

    ``schedule`` uses huey's crontab fields, e.g. ``{"minute": "*/5"}``.
    """

    name: str
    func: Callable[..., Any]
    schedule: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RowFilter:
    """The query form of a record rule (hook ``crm_permission_filter``).

    ``allow``: a peewee expression for rows this rule grants (ORed across plugins).
    ``restrict``: a peewee expression every visible row must satisfy (ANDed across plugins).
    """

    allow: Any = None
    restrict: Any = None
