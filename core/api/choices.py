"""Select options for forms and display: users, and a field for "a user of this tenant".

A field's ``metadata["choices"]`` is a zero-argument callable returning ``[(value, label)]``;
the form renders a select from it and lists show the label instead of the raw value.
Results are cached for the request, so a list of fifty rows asks the database once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import g, has_app_context
from marshmallow import ValidationError, fields

Choices = list[tuple[Any, str]]


def cached_choices(provider: Callable[[], Choices]) -> Choices:
    """``provider()``'s options, computed once per request (or per call outside one)."""
    if not has_app_context():
        return list(provider())
    store = g.setdefault("_xietong_choices", {})
    key = id(provider)
    if key not in store:
        store[key] = list(provider())
    return store[key]


def users() -> Choices:
    """Active users of the current tenant as ``(id, display name)``, by name."""
    from core.identity.models import User

    query = User.select(User.id, User.username, User.display_name).where(User.active == True)  # noqa: E712
    return [(u.id, u.display_name or u.username) for u in query.order_by(User.username)]


def label_for(field: fields.Field, value: Any) -> Any:
    """The label of ``value`` among ``field``'s choices, or the value itself."""
    provider = (field.metadata or {}).get("choices")
    if provider is None or value is None:
        return value
    for option, label in cached_choices(provider):
        if option == value or str(option) == str(value):
            return label
    return value


class UserId(fields.Integer):
    """The id of an active user of the current tenant (an owner, an assignee)."""

    def __init__(self, **kwargs: Any) -> None:
        metadata = dict(kwargs.pop("metadata", {}) or {})
        metadata.setdefault("choices", users)
        super().__init__(metadata=metadata, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        number = super()._deserialize(value, attr, data, **kwargs)
        if number not in {option for option, _ in cached_choices(users)}:  # also bounds it
            raise ValidationError("no such active user")
        return number


class Reference(fields.Integer):
    """The id of a record of another entity that the caller can see (a part's gadget).

    Refuses ids of absent, trashed or invisible records with a 422 instead of letting the
    database's foreign key fail. In forms it is a select of the first visible records.
    """

    def __init__(self, entity: str, **kwargs: Any) -> None:
        self.entity = entity
        metadata = dict(kwargs.pop("metadata", {}) or {})
        metadata.setdefault("choices", self._choices)
        super().__init__(metadata=metadata, **kwargs)

    def _resource(self) -> Any:
        from flask import current_app

        return current_app.extensions.get("xietong.resources", {}).get(self.entity)

    def _choices(self) -> Choices:
        resource = self._resource()
        if resource is None:
            return []
        from flask import g

        query = resource.visible_query(g.get("user")).order_by(resource.model._meta.primary_key).limit(200)
        return [(record.get_id(), resource.title(record)) for record in query]

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        from flask import g

        number = super()._deserialize(value, attr, data, **kwargs)
        if not 0 < number < 2**63:
            raise ValidationError(f"no such {self.entity}")
        resource = self._resource()
        if resource is None:
            raise ValidationError(f"{self.entity} records cannot be referenced here")
        pk = resource.model._meta.primary_key
        if not resource.visible_query(g.get("user")).where(pk == number).exists():
            raise ValidationError(f"no such {self.entity}")
        return number
