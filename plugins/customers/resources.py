"""Customers and contacts served by the kernel's resource framework (list pages, record pages
with tabs, forms, REST endpoints, export, OpenAPI), with this module's rules on top:

* custom fields (``cf_<key>`` in forms, lists, filters and exports; ``custom`` in the API);
* ``q`` searches through :mod:`plugins.customers.search` (Chinese substrings, pinyin,
  initials, phone and e-mail fragments); with no explicit ``sort`` the search index drives
  the page, newest first, so a search stays fast at a million customers;
* categories must be visible to the writer; required custom fields per category;
* duplicate warnings on create (``duplicates`` in the API answer, a flash on the page);
* the search index follows every write.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import peewee
from flask import flash, g, has_app_context, has_request_context, request
from flask_babel import gettext as _

from core.api.query import ListParams, decode_cursor, encode_cursor, parse_list_args
from core.api.resource import Resource
from core.errors import ApiError
from core.identity import permissions
from plugins.customers import access, customfields, duplicates, fastdump, fastlist, search
from plugins.customers.models import Category, Contact, Customer
from plugins.customers.schemas import API_ONLY, ContactSchema, CustomerSchema

PREFIX = customfields.PREFIX
INDEXED = ("name", "phone", "email")


class CustomerResource(Resource):
    """The customer list, record page, forms and API."""

    # -- listing ------------------------------------------------------------------------------

    def rules(self, user: Any) -> dict[str, str]:
        """``permissions.field_rules(user, entity)``, asked once per request."""
        store = g.setdefault("_customers_rules", {})
        key = (self.entity, getattr(user, "id", None))
        if key not in store:
            store[key] = permissions.field_rules(user, self.entity)
        return store[key]

    def list_params(
        self, args: Mapping[str, str], user: Any, default_limit: int = 50, ignore: Iterable[str] = ()
    ) -> ListParams:
        """The framework's whitelists (hidden or masked fields cannot be sorted or filtered on),
        plus ``cf_<key>`` filters; ids (``owner_id``, ``category_id``) are parsed as ids."""
        fields = customfields.by_key()
        rules = self.rules(user)
        custom_args = [
            a
            for a in args
            if a[:3] == PREFIX and a[3:] in fields and not fields[a[3:]].retired and a not in rules
        ]
        search_order = bool((args.get("q") or "").strip()) and not args.get("sort")
        if search_order:
            args = {**args, "sort": "-id"}
        plain = [n for n in ("owner_id", "category_id") if n in args and n not in rules]
        schema_fields = self.schema().fields
        params = parse_list_args(
            args,
            sortable=[n for n in self.sort_fields if n not in rules],
            filters={n: schema_fields[n] for n in self.filter_fields if n not in rules and n not in plain},
            default_sort=self.default_sort,
            default_limit=default_limit,
            ignore=(*ignore, *custom_args, *plain),
        )
        for name in plain:
            if args[name] == "":
                continue
            number = access.record_id(args[name]) if args[name].isdigit() else None
            if number is None:
                raise ApiError(400, f"bad value for filter {name!r}", fields={name: ["not an id"]})
            params.filters[name] = number
        params.search_order = search_order  # type: ignore[attr-defined]
        params.custom = {}  # type: ignore[attr-defined]
        for name in custom_args:
            if args[name] == "":
                continue
            try:
                params.custom[name[3:]] = schema_fields[name].deserialize(args[name])
            except Exception as exc:
                raise ApiError(400, f"bad value for filter {name!r}", fields={name: [str(exc)]}) from None
        return params

    def search_query(self, query: peewee.Select, q: str, user: Any) -> peewee.Select:
        if not q:
            return query
        return search.matching(query, user, q, ordered=False)

    def visible_query(
        self, user: Any, params: ListParams | None = None, action: str = "read"
    ) -> peewee.Select:
        if params is not None and getattr(params, "search_order", False):
            query = permissions.visible(self.base_query(), user, self.entity, self.model, action)
            for name, value in params.filters.items():
                query = query.where(getattr(self.model, name) == value)
        else:
            query = super().visible_query(user, params, action)
        fields = customfields.by_key()
        for key, value in (getattr(params, "custom", None) or {}).items():
            query = query.where(customfields.filter_condition(fields[key], value))
        return query

    def page(self, user: Any, params: ListParams, action: str = "read") -> tuple[list[Any], str | None]:
        if not getattr(params, "search_order", False):
            if fastlist.supported(params):
                return fastlist.page(user, params, action)
            return super().page(user, params, action)
        before = params.cursor[1] if params.cursor is not None else None
        if not getattr(params, "custom", None):
            rows = fastlist.search_page(user, params.q, params.limit + 1, before, params.filters, action)
        else:
            query = search.matching(self.visible_query(user, params, action), user, params.q)
            if before is not None:
                query = query.where(search.rowid_column(user, params.q) < before)
            rows = list(query.limit(params.limit + 1))
        more = len(rows) > params.limit
        rows = rows[: params.limit]
        cursor = encode_cursor("-id", rows[-1].id, rows[-1].id) if more and rows else None
        return rows, cursor

    def all(self, user: Any, params: ListParams, action: str = "read") -> Iterable[Any]:
        if not getattr(params, "search_order", False):
            yield from super().all(user, params, action)
            return
        page = ListParams(limit=500, q=params.q, sort="id", descending=True, filters=params.filters)
        page.search_order, page.custom = True, getattr(params, "custom", {})  # type: ignore[attr-defined]
        while True:
            rows, cursor = self.page(user, page, action)
            yield from rows
            if cursor is None:
                return
            page.cursor = decode_cursor(cursor, "-id")

    # -- dumping ------------------------------------------------------------------------------

    def schema_for_tenant(self) -> Any:
        """The tenant's schema class (custom fields included), kept across requests while the
        custom field definitions stand (see :func:`fastlist.cached`)."""
        if not has_app_context() or g.get("tenant") is None:
            return super().schema_for_tenant()
        return self._compiled()[0]

    def _compiled(self) -> tuple[Any, Any]:
        store = g.setdefault("_customers_schema", {})
        if self.entity not in store:

            def build() -> tuple[Any, Any]:
                cls = super(CustomerResource, self).schema_for_tenant()
                return cls, cls()

            g.pop("_xietong_schemas", None)
            store[self.entity] = fastlist.cached(("schema", self.entity, customfields.revision()), build)
        return store[self.entity]

    def schema(self, **kwargs: Any) -> Any:
        """One shared instance for plain use: marshmallow copies every field when a schema is
        made, which costs the list more than dumping its rows."""
        if kwargs or not has_app_context() or g.get("tenant") is None:
            return super().schema(**kwargs)
        return self._compiled()[1]

    def fields(self) -> dict[str, Any]:
        """The schema's fields for forms, list columns and exports (``custom`` and
        ``duplicates`` are API-only: custom fields have their own ``cf_<key>`` columns)."""
        return {n: f for n, f in self.schema().fields.items() if n not in API_ONLY}

    def _with_custom(
        self, data: dict[str, Any], record: Any, keys: Iterable[str] | None = None
    ) -> dict[str, Any]:
        """``custom``: the ``cf_<key>`` values again, under their keys (``keys``: the dumped
        ``cf_`` names, when the caller knows them)."""
        if keys is None:
            data["custom"] = {k[3:]: v for k, v in data.items() if k[:3] == PREFIX}
        else:
            data["custom"] = {k[3:]: data[k] for k in keys if k in data}
        found = record.__dict__.get("_duplicates")
        if found is not None:
            data["duplicates"] = found
        else:
            data.pop("duplicates", None)
        return data

    def dumper(self) -> fastdump.Dumper:
        """The tenant's schema compiled for fast dumping (once per request)."""

        def build() -> fastdump.Dumper:
            getters = {PREFIX + f.key: customfields.getter(f) for f in customfields.all_fields()}
            getters.update({name: _nothing for name in API_ONLY})  # filled in by _with_custom
            return fastdump.Dumper(self.schema(), self.model, getters)

        return fastlist.cached(("dumper", self.entity, customfields.revision()), build)

    def dump(self, record: Any, user: Any, rules: dict[str, str] | None = None) -> dict[str, Any]:
        data = permissions.apply_field_rules(user, self.entity, self.dumper().dump(record), rules)
        return self._with_custom(data, record)

    def dump_many(self, records: Iterable[Any], user: Any) -> list[dict[str, Any]]:
        rules = self.rules(user)
        dumper = self.dumper()
        keys = [key for key, *_ in dumper.plan if key[:3] == PREFIX]
        entity = self.entity
        return [
            self._with_custom(permissions.apply_field_rules(user, entity, dumper.dump(r), rules), r, keys)
            for r in records
        ]

    # -- writing ------------------------------------------------------------------------------

    def load(self, data: Any, user: Any, partial: bool = False) -> dict[str, Any]:
        if isinstance(data, Mapping) and "custom" in data:
            data = dict(data)
            custom = data.pop("custom")
            if not isinstance(custom, Mapping):
                raise ApiError(422, "custom must be an object", fields={"custom": ["not an object"]})
            for key, value in custom.items():
                data[PREFIX + str(key)] = value
        return super().load(data, user, partial)

    def assign(self, record: Any, data: Mapping[str, Any]) -> None:
        data = dict(data)
        custom = dict(record.custom or {})
        fields = customfields.by_key()
        for name in [n for n in data if n.startswith(PREFIX)]:
            field = fields[name[len(PREFIX) :]]
            stored = customfields.to_storage(field, data.pop(name))
            if stored is None:
                custom.pop(field.key, None)
            else:
                custom[field.key] = stored
        record.custom = custom
        if "category_id" in data:
            record.category = data.pop("category_id")
        if "owner_id" in data:
            record.owner = data.pop("owner_id")
        super().assign(record, data)

    def before_save(self, record: Any, user: Any, created: bool) -> None:
        from plugins.customers import normalize

        category = record.category_id
        if category is not None and (
            Category.get_or_none(Category.id == category) is None
            or category in access.hidden_categories(user)
        ):
            raise ApiError(422, _("No such category."), fields={"category_id": [_("No such category.")]})
        missing = customfields.missing_required(category, record.custom or {})
        if missing:
            raise ApiError(422, _("Some required fields are empty."), fields=missing)
        record.name_key = normalize.name_key(record.name)
        record.phone_key = normalize.phone_key(record.phone)
        record.email_key = normalize.email_key(record.email)

    def _check_category(self, data: Any, user: Any) -> None:
        """A category that does not exist or is hidden from ``user`` is "no such category"."""
        category = data.get("category_id") if isinstance(data, Mapping) else None
        if isinstance(category, int) and not isinstance(category, bool):
            number = access.record_id(category)
            if (
                number is None
                or Category.get_or_none(Category.id == number) is None
                or number in access.hidden_categories(user)
            ):
                raise ApiError(422, _("No such category."), fields={"category_id": [_("No such category.")]})

    def create(self, data: Mapping[str, Any], user: Any) -> Any:
        self._check_category(data, user)
        record = super().create(data, user)
        found = duplicates.find_duplicates(
            user, record.name, record.phone, record.email, exclude_id=record.id
        )
        record._duplicates = found
        if (found["items"] or found["hidden"]) and has_request_context() and "/api/" not in request.path:
            names = ", ".join(d["name"] for d in found["items"][:3])
            flash(
                _(
                    "Possible duplicates: %(names)s (%(hidden)d you cannot see).",
                    names=names or "—",
                    hidden=found["hidden"],
                ),
                "warning",
            )
        return record

    def update(
        self, record: Any, data: Mapping[str, Any], user: Any, expected_version: int | None = None
    ) -> Any:
        self._check_category(data, user)
        before = tuple(getattr(record, f) for f in INDEXED)
        result = super().update(record, data, user, expected_version)
        if tuple(getattr(result, f) for f in INDEXED) != before:
            search.reindex([result.id])
        return result


def _nothing(record: Any) -> None:
    return None


class ContactResource(Resource):
    """Contacts: visible and writable through their customer; the search index follows."""

    def base_query(self) -> peewee.Select:
        return (
            Contact.select(Contact, Customer.id, Customer.name)
            .join(Customer, on=(Contact.customer == Customer.id))
            .where(Contact.deleted_at.is_null() & Customer.deleted_at.is_null())
        )

    def create(self, data: Mapping[str, Any], user: Any) -> Any:
        customer_id = data.get("customer_id") if isinstance(data, Mapping) else None
        if isinstance(customer_id, int) and not isinstance(customer_id, bool):
            if not access.customer_allows(user, "read", customer_id):
                raise ApiError(422, _("No such customer."), fields={"customer_id": [_("No such customer.")]})
        return super().create(data, user)

    def before_save(self, record: Any, user: Any, created: bool) -> None:
        if not access.customer_allows(user, "read", record.customer_id):
            raise ApiError(422, _("No such customer."), fields={"customer_id": [_("No such customer.")]})
        if not access.customer_allows(user, "write", record.customer_id):
            raise ApiError(403, _("You may not change this customer's contacts."))

    def assign(self, record: Any, data: Mapping[str, Any]) -> None:
        data = dict(data)
        if "customer_id" in data:
            record.customer = data.pop("customer_id")
        super().assign(record, data)

    def update(
        self, record: Any, data: Mapping[str, Any], user: Any, expected_version: int | None = None
    ) -> Any:
        target = data.get("customer_id") if isinstance(data, Mapping) else None
        if isinstance(target, int) and not isinstance(target, bool) and target != record.customer_id:
            if not access.customer_allows(user, "read", target):
                raise ApiError(422, _("No such customer."), fields={"customer_id": [_("No such customer.")]})
        old_customer = record.customer_id
        before = tuple(getattr(record, f) for f in ("name", "mobile", "phone", "email"))
        result = super().update(record, data, user, expected_version)
        after = tuple(getattr(result, f) for f in ("name", "mobile", "phone", "email"))
        if after != before or result.customer_id != old_customer:
            search.reindex([old_customer, result.customer_id])
        return result


def build() -> tuple[CustomerResource, ContactResource]:
    customers = CustomerResource(
        "customer",
        Customer,
        CustomerSchema,
        path="customers",
        title_field="name",
        search=("name",),
        sort=("name", "created_at", "updated_at", "region"),
        filters=("category_id", "owner_id", "region"),
        columns=("name", "category_id", "owner_id", "phone", "region", "updated_at"),
        header=("category_id", "owner_id", "phone", "email", "region", "address"),
        default_sort="-updated_at",
        icon="building",
    )
    customers.extend(customfields.schema_fields)
    contacts = ContactResource(
        "contact",
        Contact,
        ContactSchema,
        path="contacts",
        title_field="name",
        search=("name", "mobile", "email"),
        sort=("name", "birthday", "created_at", "updated_at"),
        filters=("customer_id",),
        columns=("name", "customer_name", "title", "mobile", "email", "birthday"),
        header=("customer_name", "title", "mobile", "phone", "email", "birthday"),
        default_sort="-updated_at",
        icon="person",
    )
    return customers, contacts


customers, contacts = build()
