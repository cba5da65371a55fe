"""A resource: one entity type served by the framework from one marshmallow schema.

A module declares ``Resource(entity=..., model=..., schema=...)`` and gets a list page, a
record page with tabs, forms and the REST endpoints (``resource.blueprints()``). This file
is the service half — no HTTP: loading, listing, dumping and writing records, every path
through the permission engine (``visible``, ``require``, field rules), audit, trash and
signals. Subclass and override ``base_query``, ``search_query``, ``assign`` or
``before_save`` to change one step.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import peewee
from flask import current_app, g, has_app_context, has_request_context
from flask_babel import get_locale
from marshmallow import Schema, ValidationError

from core.errors import ApiError
from core.identity import permissions
from core.identity.models import utcnow
from core.signals import record_created, record_updated

from .query import MAX_INT, ListParams, fetch_page, iterate_all, parse_list_args

INTEGRITY_MESSAGE = "the record refers to something that does not exist, or repeats a unique value"
Extender = Callable[[Any, Any], Mapping[str, Any] | None]


class Resource:
    """Declare an entity once; the framework derives pages, forms, API and OpenAPI from it.

    :param entity: the :class:`core.contrib.EntityType` key (rights, audit and trash use it).
    :param model: the peewee model (a :class:`core.identity.models.RecordModel` subclass).
    :param schema: the marshmallow ``Schema`` class for input and output.
    :param path: the URL segment (``"customers"`` → ``/t/<t>/customers/`` and
        ``/t/<t>/api/v1/customers``); defaults to ``entity + "s"``.
    :param title_field: the field that names a record (headers, links, trash).
    :param search: fields ``q`` searches (substring, case-insensitive).
    :param sort: fields that may be sorted on (plus ``id``).
    :param filters: fields that may be filtered on with ``?field=value``.
    :param columns: the list page's default columns (users may choose others).
    :param header: the key facts shown at the top of the record page.
    :param default_sort: e.g. ``"-created_at"``.
    """

    def __init__(self, entity: str, model: type[peewee.Model], schema: type[Schema], *,
                 path: str | None = None, title_field: str = "name", search: Sequence[str] = (),
                 sort: Sequence[str] = (), filters: Sequence[str] = (), columns: Sequence[str] | None = None,
                 header: Sequence[str] = (), default_sort: str = "-id", icon: str = "") -> None:
        self.entity = entity
        self.model = model
        self.schema_class = schema
        self.path = path or f"{entity}s"
        self.name = self.path.replace("-", "_").replace("/", "_")
        self.title_field = title_field
        self.search_fields = tuple(search)
        self.sort_fields = tuple(sort)
        self.filter_fields = tuple(filters)
        self.default_sort = default_sort
        self.icon = icon
        self._extenders: list[tuple[str | None, Extender]] = []
        declared = schema._declared_fields
        self.columns = tuple(columns or [n for n, f in declared.items() if n != "id" and not f.load_only][:6])
        self.header = tuple(header)
        for group, names in (("search", search), ("sort", sort), ("filters", filters)):
            for name in names:
                if name not in declared or not isinstance(getattr(model, name, None), peewee.Field):
                    raise ValueError(
                        f"Resource {entity!r}: {group} field {name!r} must be both a schema field and a "
                        f"column of {model.__name__}"
                    )
        if default_sort.lstrip("-") not in (*sort, "id"):
            raise ValueError(f"Resource {entity!r}: default_sort {default_sort!r} is not in sort")

    # -- declaration helpers ------------------------------------------------------------------

    def extend(self, extender: Extender, module: str | None = None) -> Extender:
        """Add fields to this resource's schema per tenant (custom fields).

        ``extender(kernel, tenant)`` returns ``{name: marshmallow field}`` (or None). With
        ``module`` it only runs for tenants that have that module enabled. Usable as a
        decorator. The extra fields appear in forms, the API and OpenAPI; store them by
        overriding :meth:`assign` (or give them a matching model column).
        """
        self._extenders.append((module, extender))
        return extender

    def blueprints(self) -> list[Any]:
        """Fresh page and API blueprints for one app; return them from ``crm_blueprints``."""
        from core.web.pages import page_blueprint

        from .views import api_blueprint

        return [page_blueprint(self), api_blueprint(self)]

    def menu_item(self, order: int = 100, icon: str = "", title: str | None = None,
                  title_zh: str | None = None) -> Any:
        """A navigation entry for the list page, shown to users who may read the entity."""
        from core.contrib import MenuItem

        et = self.entity_type()
        return MenuItem(
            key=self.name, title=title or (et.label if et else self.entity),
            title_zh=title_zh or (et.label_zh if et else self.entity), endpoint=f"{self.name}_pages.index",
            order=order, icon=icon or self.icon, permission=(self.entity, "read"),
        )

    def related_tab(self, key: str, title: str, title_zh: str, parent_field: str, record: Any,
                    order: int = 100, count: bool = False) -> Any:
        """A record tab listing this resource's records that point at ``record``.

        ``parent_field`` must be one of the resource's ``filters`` (e.g. ``customer_id``). The
        tab loads ``/<path>/embed?<parent_field>=<id>`` lazily; ``count=True`` adds one cheap
        visible COUNT for the tab's badge.
        """
        from core.contrib import RecordTab

        if parent_field not in self.filter_fields:
            raise ValueError(f"related_tab: {parent_field!r} is not a filter of resource {self.entity!r}")
        number = None
        if count:
            column = getattr(self.model, parent_field)
            query = self.visible_query(g.get("user")).where(column == record.get_id())
            number = query.count()
        return RecordTab(key=key, title=title, title_zh=title_zh, endpoint=f"{self.name}_pages.embed",
                         endpoint_args={parent_field: record.get_id()}, order=order, count=number,
                         permission=(self.entity, "read"))

    def entity_type(self) -> Any:
        return current_app.extensions["xietong"].entity_types.get(self.entity)

    def label(self, plural: bool = False) -> str:
        """The entity's name in the current language (from its EntityType)."""
        et = self.entity_type()
        if et is None:
            return self.entity
        return et.label_zh if _is_zh() and et.label_zh else et.label

    # -- schema -------------------------------------------------------------------------------

    def schema_for_tenant(self) -> type[Schema]:
        """The schema class with the current tenant's extra fields (cached per request)."""
        if not self._extenders or not has_app_context() or g.get("tenant") is None:
            return self.schema_class
        store = g.setdefault("_xietong_schemas", {})
        if self.entity not in store:
            kernel = current_app.extensions["xietong"]
            extra: dict[str, Any] = {}
            for module, extender in self._extenders:
                if module is None or g.tenant.has_module(module):
                    extra.update(extender(kernel, g.tenant) or {})
            name = self.schema_class.__name__
            store[self.entity] = type(name, (self.schema_class,), extra) if extra else self.schema_class
        return store[self.entity]

    def schema(self, **kwargs: Any) -> Schema:
        return self.schema_for_tenant()(**kwargs)

    def fields(self) -> dict[str, Any]:
        """Every field of the tenant's schema: {name: marshmallow field}."""
        return dict(self.schema().fields)

    def writable_fields(self, user: Any) -> dict[str, Any]:
        """Fields ``user`` may set: not dump-only and not hidden or masked for them."""
        rules = permissions.field_rules(user, self.entity)
        return {n: f for n, f in self.fields().items() if not f.dump_only and n not in rules}

    def readable(self, names: Iterable[str], user: Any) -> list[str]:
        """``names`` without the fields a field rule hides from or masks for ``user``."""
        rules = permissions.field_rules(user, self.entity)
        return [n for n in names if n not in rules]

    # -- reading ------------------------------------------------------------------------------

    def base_query(self) -> peewee.Select:
        """Records that exist (not in the trash). Override to join or narrow."""
        live = getattr(self.model, "live", None)
        return live() if live else self.model.select()

    def search_query(self, query: peewee.Select, q: str, user: Any) -> peewee.Select:
        """Narrow ``query`` to records matching ``q``; searches only fields ``user`` can read."""
        names = self.readable(self.search_fields, user)
        if not q or not names:
            return query
        condition = None
        for name in names:
            term = getattr(self.model, name).contains(q)
            condition = term if condition is None else condition | term
        return query.where(condition)

    def list_params(self, args: Mapping[str, str], user: Any, default_limit: int = 50,
                    ignore: Iterable[str] = ()) -> ListParams:
        """Parse collection arguments; fields hidden from ``user`` cannot be sorted or filtered."""
        fields = self.fields()
        return parse_list_args(
            args, sortable=self.readable(self.sort_fields, user),
            filters={n: fields[n] for n in self.readable(self.filter_fields, user)},
            default_sort=self.default_sort, default_limit=default_limit, ignore=ignore,
        )

    def visible_query(self, user: Any, params: ListParams | None = None,
                      action: str = "read") -> peewee.Select:
        """The records ``user`` may ``action``, searched and filtered by ``params``."""
        query = permissions.visible(self.base_query(), user, self.entity, self.model, action)
        if params is not None:
            query = self.search_query(query, params.q, user)
            for name, value in params.filters.items():
                query = query.where(getattr(self.model, name) == value)
        return query

    def page(self, user: Any, params: ListParams, action: str = "read") -> tuple[list[Any], str | None]:
        """One page of visible records and the next cursor."""
        return fetch_page(self.visible_query(user, params, action), self.model, params)

    def all(self, user: Any, params: ListParams, action: str = "read") -> Iterable[Any]:
        """Every visible record matching ``params``, in batches (exports)."""
        return iterate_all(self.visible_query(user, params, action), self.model, params)

    def get(self, record_id: Any, user: Any, action: str = "read") -> Any:
        """The record, or 404 when absent, in the trash or not visible; 403 when ``action`` is
        not allowed on a visible record."""
        try:
            record_id = int(record_id)
        except (TypeError, ValueError):
            raise ApiError(404, f"no such {self.entity}") from None
        if not 0 < record_id <= MAX_INT:
            raise ApiError(404, f"no such {self.entity}")
        record = self.base_query().where(self.model._meta.primary_key == record_id).first()
        if record is None:
            raise ApiError(404, f"no such {self.entity}")
        permissions.require(user, action, self.entity, record)
        return record

    def title(self, record: Any) -> str:
        return str(getattr(record, self.title_field, "") or f"#{record.get_id()}")

    def dump(self, record: Any, user: Any, rules: dict[str, str] | None = None) -> dict[str, Any]:
        """The record as the API shows it to ``user``: hidden fields absent, masked ones masked."""
        data = self.schema().dump(record)
        return permissions.apply_field_rules(user, self.entity, data, rules)

    def dump_many(self, records: Iterable[Any], user: Any) -> list[dict[str, Any]]:
        rules = permissions.field_rules(user, self.entity)
        schema = self.schema()
        return [permissions.apply_field_rules(user, self.entity, schema.dump(r), rules) for r in records]

    # -- writing ------------------------------------------------------------------------------

    def load(self, data: Any, user: Any, partial: bool = False) -> dict[str, Any]:
        """Validate input: unknown fields, read-only fields and fields a rule hides or masks for
        ``user`` are 422 (no mass assignment); so are invalid values."""
        if not isinstance(data, Mapping):
            raise ApiError(400, "send a JSON object")
        rules = permissions.field_rules(user, self.entity)
        refused = {name: ["you may not set this field"] for name in data if name in rules}
        if refused:
            raise ApiError(422, "some fields may not be set", fields=refused)
        try:
            return self.schema().load(dict(data), partial=partial)
        except ValidationError as exc:
            raise ApiError(422, "the record is not valid", fields=_flatten(exc.messages)) from None

    def assign(self, record: Any, data: Mapping[str, Any]) -> None:
        """Copy validated values onto the record. Override to store extra (custom) fields."""
        for name, value in data.items():
            setattr(record, name, value)

    def before_save(self, record: Any, user: Any, created: bool) -> None:
        """Last word before a write (derived fields, cross-field rules); raise ApiError to refuse."""

    def create(self, data: Mapping[str, Any], user: Any) -> Any:
        """Validate, check the create right (with the new record's owner) and insert."""
        values = self.load(data, user)
        record = self.model()
        self.assign(record, values)
        owner = self._owner_field()
        if owner and user is not None and record.__data__.get(getattr(self.model, owner).name) is None:
            setattr(record, owner, user.id)  # a new record belongs to its creator unless told
        permissions.require(user, "create", self.entity)
        if not permissions.can(user, "create", self.entity, record):
            raise ApiError(403, f"you may not create this {self.entity} (check its owner)")
        self.before_save(record, user, True)
        try:
            with self.model._meta.database.atomic():
                record.save(force_insert=True)
                _audit("create", self.entity, record.get_id(), _diff(None, _snapshot(record)), user)
        except peewee.IntegrityError:
            raise ApiError(422, INTEGRITY_MESSAGE) from None
        record_created.send(self.entity, **self._signal_kwargs(record, user))
        return record

    def update(self, record: Any, data: Mapping[str, Any], user: Any,
               expected_version: int | None = None) -> Any:
        """Apply a partial update; 409 when ``expected_version`` (If-Match or ``version``) is stale
        or a colleague wrote in between (the UPDATE checks the version it read)."""
        data = dict(data)
        if "version" in data:
            expected_version = _version_from_body(data.pop("version"))
        permissions.require(user, "write", self.entity, record)
        values = self.load(data, user, partial=True)
        current = getattr(record, "version", None)
        if expected_version is not None and current is not None and expected_version != current:
            raise ApiError(409, f"this {self.entity} was changed by someone else (version {current}); "
                                "reload it and apply your change again")
        before = _snapshot(record)
        self.assign(record, values)
        if not permissions.can(user, "write", self.entity, record):
            raise ApiError(403, f"you may not give this {self.entity} that owner")
        self.before_save(record, user, False)
        changes = _diff(before, _snapshot(record))
        if not changes:
            return record
        try:
            with self.model._meta.database.atomic():
                self._write_versioned(record, current)
                _audit("update", self.entity, record.get_id(), changes, user)
        except peewee.IntegrityError:
            raise ApiError(422, INTEGRITY_MESSAGE) from None
        record_updated.send(self.entity, changes=changes, **self._signal_kwargs(record, user))
        return record

    def delete(self, record: Any, user: Any) -> None:
        """Move the record to the trash (audited, announced; an admin can restore it)."""
        from core.identity.trash import move_to_trash

        permissions.require(user, "delete", self.entity, record)
        move_to_trash(self.entity, record, user)

    def _write_versioned(self, record: Any, version: int | None) -> None:
        model = self.model
        pk = model._meta.primary_key
        values = {f: record.__data__.get(f.name) for f in record.dirty_fields if f is not pk}
        condition = pk == record.get_id()
        if version is not None and hasattr(model, "version"):
            values[model.version] = version + 1
            condition &= model.version == version
        if hasattr(model, "updated_at"):
            values[model.updated_at] = utcnow()
        if model.update(values).where(condition).execute() != 1:
            raise ApiError(409, f"this {self.entity} was changed by someone else meanwhile; reload it")
        for field, value in values.items():
            record.__data__[field.name] = value
        record._dirty.clear()

    def _owner_field(self) -> str | None:
        et = self.entity_type()
        return et.owner_field if et else None

    def _signal_kwargs(self, record: Any, user: Any) -> dict[str, Any]:
        return {"tenant": g.tenant.slug, "entity": self.entity, "record": record,
                "record_id": record.get_id(), "user": user}


def _is_zh() -> bool:
    locale = get_locale() if has_request_context() else None
    return bool(locale and locale.language == "zh")


def _version_from_body(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ApiError(422, "version must be a whole number", fields={"version": ["not a number"]})
    return value


def _flatten(messages: Any) -> dict[str, list[str]]:
    """Marshmallow's error messages in the contract's ``fields`` shape."""
    if not isinstance(messages, dict):
        return {"_schema": [str(m) for m in (messages if isinstance(messages, list) else [messages])]}
    flat: dict[str, list[str]] = {}
    for name, value in messages.items():
        if isinstance(value, dict):
            for sub, text in _flatten(value).items():
                flat[f"{name}.{sub}"] = text
        else:
            flat[str(name)] = [str(v) for v in (value if isinstance(value, list) else [value])]
    return flat


def _snapshot(record: Any) -> dict[str, Any]:
    from core.identity.audit import snapshot

    data = snapshot(record)
    for skip in ("version", "updated_at", "created_at", "deleted_at"):
        data.pop(skip, None)
    return data


def _diff(before: Any, after: Any) -> dict[str, list[Any]]:
    from core.identity.audit import diff

    return diff(before, after)


def _audit(action: str, entity: str, record_id: Any, changes: Mapping[str, Any], user: Any) -> None:
    from core.identity.audit import audit

    audit(action, entity, record_id, changes, user)

