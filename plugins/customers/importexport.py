"""Importing customers from CSV or XLSX: column mapping, dry run, a row-by-row error report,
all-or-nothing, duplicate handling (``skip``, ``update`` or ``create``).

Answer (CONTRACT.md): ``{"created", "updated", "skipped", "errors": [{"row", "field",
"message"}]}`` (+ ``duplicates``, ``columns``, ``dry_run``): 200 when every row is valid
(nothing written on a dry run), 422 with the same report and nothing written otherwise.
Rows are numbered as a spreadsheet shows them (the header is row 1).

Validation is the customer schema's, custom fields included; new rows are written in one
transaction with explicit ids and executemany. Their search documents are written in bulk in
that transaction for up to a thousand new customers; a bigger import leaves them to the
worker (:mod:`plugins.customers.search_backlog`, ``search_backlog`` in the answer counts them),
which makes the customers searchable seconds after the import commits. Exports go through the
resource framework (``/customers/export``): the list's permission path, field rules, formulas neutralised.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Mapping
from typing import IO, Any

from flask import current_app, g, request
from marshmallow import ValidationError, missing

from core.errors import ApiError
from core.identity import permissions
from core.identity.audit import audit, diff, snapshot
from core.identity.models import User, utcnow
from plugins.customers import (
    access,
    customfields,
    duplicates,
    normalize,
    search,
    search_backlog,
    signals,
    tabular,
)
from plugins.customers.categories import tree
from plugins.customers.import_fast import compile_parse
from plugins.customers.import_rows import (
    CONTACT_COLUMNS,
    CUSTOMER_COLUMNS,
    bulk_settings,
    collector_paused,
    contact_row,
    custom_encoder,
    customer_row,
    insert_sql,
)
from plugins.customers.importmap import CONTACT_FIELDS, auto_mapping, check_mapping
from plugins.customers.models import Customer
from plugins.customers.schemas import quick_text

MODES = ("skip", "update", "create")
MAX_ERRORS = 1000
FORMULA = ("=", "+", "-", "@")
REFS = frozenset({"category", "owner"})


class Report:
    def __init__(self) -> None:
        self.created = self.updated = self.skipped = 0
        self.errors: list[dict[str, Any]] = []
        self.duplicates: list[dict[str, Any]] = []
        self.truncated = False
        self.search_backlog = 0  # new customers whose search entries the worker writes

    def error(self, row: int, field: str, message: str) -> None:
        if len(self.errors) < MAX_ERRORS:
            self.errors.append({"row": row, "field": field, "message": message})
        else:
            self.truncated = True

    def as_dict(self, columns: Mapping[str, str], dry_run: bool) -> dict[str, Any]:
        return {
            "created": self.created,
            "updated": self.updated,
            "skipped": self.skipped,
            "errors": self.errors,
            "errors_truncated": self.truncated,
            "duplicates": self.duplicates[:MAX_ERRORS],
            "columns": dict(columns),
            "dry_run": dry_run,
            "search_backlog": self.search_backlog,
        }


def _cell(value: str) -> str:
    value = value.strip()
    if value.startswith("'") and value[1:2] in FORMULA:
        return value[1:]  # our own exports neutralise formulas this way
    return value


class Lookups:
    """Categories by name or path and users by name, read once per import."""

    def __init__(self, user: Any) -> None:
        hidden = access.hidden_categories(user)
        self.categories: dict[str, int] = {}
        paths: dict[int, str] = {}
        for _depth, category in tree():
            path = (
                category.name
                if category.parent_id is None
                else f"{paths[category.parent_id]}/{category.name}"
            )
            paths[category.id] = path
            if category.id in hidden:
                continue
            for key in (str(category.id), category.name.casefold(), path.casefold()):
                self.categories.setdefault(key, category.id)
        self.users: dict[str, int] = {}
        for u in User.select().where(User.active == True):  # noqa: E712
            for key in (str(u.id), u.username.casefold(), (u.display_name or "").casefold()):
                if key:
                    self.users.setdefault(key, u.id)


class Importer:
    """One import: ``run(rows)`` validates everything, then writes all of it or nothing."""

    def __init__(
        self,
        user: Any,
        header: list[str],
        mapping: Mapping[str, str] | None,
        mode: str,
        dry_run: bool,
        progress: Callable[[int], None] | None = None,
    ) -> None:
        from plugins.customers.resources import contacts, customers

        if mode not in MODES:
            raise ApiError(400, "mode must be skip, update or create", fields={"mode": ["unknown mode"]})
        permissions.require(user, "create", "customer")
        self.user, self.mode, self.dry_run, self.progress = user, mode, dry_run, progress
        self.columns = check_mapping(header, mapping) if mapping else auto_mapping(header)
        if "name" not in self.columns.values():
            raise ApiError(
                400,
                "no column is mapped to the customer's name",
                fields={"mapping": ["map a column to name"]},
            )
        self.index = [(header.index(col), field) for col, field in self.columns.items()]
        self.width = len(header)
        self.customer_fields = {
            n: f for n, f in customers.schema().load_fields.items() if n not in ("category_id", "owner_id")
        }
        self.contact_fields = {n: f for n, f in contacts.schema().load_fields.items() if n != "customer_id"}
        self.custom_names = [n for n in self.customer_fields if n.startswith(customfields.PREFIX)]
        self.customer_loader = FieldLoader(self.customer_fields, partial=mode == "update")
        self.contact_loader = FieldLoader(self.contact_fields)
        self.customer_cells = [(i, f) for i, f in self.index if f not in CONTACT_FIELDS and f not in REFS]
        self.contact_cells = [(i, f.removeprefix("contact_")) for i, f in self.index if f in CONTACT_FIELDS]
        self.ref_cells = [(i, f) for i, f in self.index if f in REFS]
        self.lookups = Lookups(user)
        self.fast = compile_parse(
            self.customer_cells, self.contact_cells, self.ref_cells, self.customer_loader,
            self.contact_loader, self.lookups.categories, self.lookups.users,
        )
        self.by_key = customfields.by_key()
        self.required = [f for f in customfields.active_fields() if f.required]
        self.allowed: dict[tuple[int | None, int | None], bool] = {}
        self.report = Report()
        self.new: list[dict[str, Any]] = []  # validated rows to create
        self.changes: dict[int, dict[str, Any]] = {}  # customer id → values to update
        self.new_contacts: list[tuple[int, dict[str, Any]]] = []  # (new row index or -id, values)
        # in-file keys (name, phone, e-mail) → index in self.new of the first row with that key
        self.seen: tuple[dict[str, int], dict[str, int], dict[str, int]] = ({}, {}, {})
        self.now: dt.datetime | None = None

    # -- validation ------------------------------------------------------------------------------

    def run(self, rows: Iterable[tuple[int, list[str]]], batch: int = 2000) -> dict[str, Any]:
        with collector_paused():
            return self._run(rows, batch)

    def _run(self, rows: Iterable[tuple[int, list[str]]], batch: int) -> dict[str, Any]:
        pending: list[tuple[int, dict[str, Any], dict[str, Any], dict[str, str]]] = []
        for number, cells in rows:
            if len(cells) > self.width and any(c.strip() for c in cells[self.width :]):
                self.report.error(
                    number,
                    "",
                    f"the row has more cells ({len(cells)}) than the header has columns ({self.width})",
                )
                continue
            parsed = self.fast(cells)
            if parsed is None:
                parsed = self._parse(number, cells)
            if parsed is not None:
                pending.append((number, *parsed))
            if len(pending) >= batch:
                self._match(pending)
                pending = []
        if pending:
            self._match(pending)
        self._reveal()
        if not self.report.errors and not self.dry_run:
            self._write()
        return self.report.as_dict(self.columns, self.dry_run)

    def _parse(self, number: int, cells: list[str]) -> tuple[dict, dict, dict] | None:
        width = len(cells)
        # an empty cell is no value (never an erase)
        data = {f: v for i, f in self.customer_cells if i < width and (v := _cell(cells[i]))}
        contact = {f: v for i, f in self.contact_cells if i < width and (v := _cell(cells[i]))}
        refs = {f: v for i, f in self.ref_cells if i < width and (v := _cell(cells[i]))}
        errors = 0
        category = owner = None
        if refs:
            if refs.get("category"):
                category = self.lookups.categories.get(refs["category"].casefold())
                if category is None:
                    self.report.error(number, "category", "no such category")
                    errors += 1
            if refs.get("owner"):
                owner = self.lookups.users.get(refs["owner"].casefold())
                if owner is None:
                    self.report.error(number, "owner", "no such active user")
                    errors += 1
        loaded, problems = self.customer_loader.load(data)
        for field, messages in problems.items():
            self.report.error(number, field, "; ".join(map(str, messages)))
            errors += 1
        person: dict[str, Any] = {}
        if contact:
            person, problems = self.contact_loader.load(contact)
            for field, messages in problems.items():
                self.report.error(number, f"contact_{field}", "; ".join(map(str, messages)))
                errors += 1
        if errors:
            return None
        loaded["category_id"], loaded["owner_id"] = category, owner
        return loaded, person, {"category": refs.get("category", ""), "owner": refs.get("owner", "")}

    def _match(self, pending: list[tuple[int, dict[str, Any], dict[str, Any], dict[str, str]]]) -> None:
        stored_keys, compared = duplicates.stored_keys, duplicates.compared
        keyed = []
        for _n, row, _person, _refs in pending:
            get = row.get
            stored = row["_keys"] = stored_keys(get("name", ""), get("phone", ""), get("email", ""))
            keyed.append(compared(stored))
        if self.progress:
            self.progress(len(pending))
        if self.mode == "create":
            for (number, row, person, _refs), keys in zip(pending, keyed, strict=True):
                self._create(number, row, person, keys)
            return
        found = duplicates.existing_matches(keyed)
        by_name, by_phone, by_email = found["name"], found["phone"], found["email"]
        # the oldest customer with the same name key, else phone, else e-mail (ids are never 0,
        # and "" is no key)
        matches = [by_name.get(n) or by_phone.get(p) or by_email.get(e) for n, p, e in keyed]
        loaded = {}
        if self.mode == "update":
            wanted = sorted({m for m in matches if m is not None})
            loaded = {c.id: c for c in Customer.select().where(Customer.id.in_(wanted))} if wanted else {}
        seen_name, seen_phone, seen_email = self.seen
        for (number, row, person, refs), keys, existing in zip(pending, keyed, matches, strict=True):
            name_key, phone_key, email_key = keys
            earlier = seen_name.get(name_key)  # the first new row with the same key, if any
            if earlier is None:
                earlier = seen_phone.get(phone_key)
                if earlier is None:
                    earlier = seen_email.get(email_key)
            if existing is None and earlier is None:
                self._create(number, row, person, keys)
                continue
            self.report.duplicates.append({"row": number, "id": existing})
            if self.mode == "skip":
                self.report.skipped += 1
            elif existing is not None:
                self._update(number, loaded[existing], row, person, refs)
            else:
                self._merge(number, earlier, row, person, refs)

    def _reveal(self) -> None:
        """Duplicates the importer may not see are reported without their id."""
        ids = sorted({d["id"] for d in self.report.duplicates if d["id"] is not None})
        seen: set[int] = set()
        for start in range(0, len(ids), 500):
            query = permissions.visible(Customer.select(Customer.id), self.user, "customer", Customer)
            seen.update(i for (i,) in query.where(Customer.id.in_(ids[start : start + 500])).tuples())
        for entry in self.report.duplicates:
            if entry["id"] not in seen:
                entry["id"] = None

    def _complete(self, number: int, row: dict[str, Any], category: int | None) -> dict[str, Any] | None:
        custom: dict[str, Any] = {}
        fields = self.by_key
        for name in self.custom_names:
            if name in row:
                value = customfields.to_storage(fields[name[3:]], row.pop(name))
                if value is not None:
                    custom[name[3:]] = value
        missing = self._missing(category, custom)
        for field, messages in missing.items():
            self.report.error(number, field, messages[0])
        row["custom"] = custom
        return None if missing else row

    def _missing(self, category: int | None, custom: Mapping[str, Any]) -> dict[str, list[str]]:
        if not self.required:
            return {}
        return customfields.missing_required(category, custom)

    def _may(self, owner: int | None, category: int | None) -> bool:
        key = (owner, category)
        if key not in self.allowed:
            probe = Customer(owner=owner, category=category)
            self.allowed[key] = permissions.can(self.user, "create", "customer", probe)
        return self.allowed[key]

    def _create(
        self, number: int, row: dict[str, Any], person: dict[str, Any], keys: tuple[str, str, str]
    ) -> None:
        owner = row["owner_id"] = row["owner_id"] or self.user.id
        if not self._may(owner, row["category_id"]):
            self.report.error(number, "owner", "you may not create customers for this owner or category")
            return
        if self._complete(number, row, row["category_id"]) is None:
            return
        index = len(self.new)
        self.new.append(row)
        for seen, key in zip(self.seen, keys, strict=True):  # name, phone, e-mail
            if key:
                seen.setdefault(key, index)
        if person:
            self.new_contacts.append((index, person))
        self.report.created += 1

    def _update(
        self,
        number: int,
        existing: Customer,
        row: dict[str, Any],
        person: dict[str, Any],
        refs: dict[str, str],
    ) -> None:
        if not permissions.can(self.user, "write", "customer", existing):
            self.report.error(number, "name", "this row matches a customer you may not change")
            return
        values = {k: v for k, v in row.items() if k not in ("category_id", "owner_id")}
        if refs["category"]:
            values["category_id"] = row["category_id"]
        if refs["owner"]:
            values["owner_id"] = row["owner_id"]
        custom = dict(existing.custom or {})
        fields = self.by_key
        for name in [n for n in values if n[:3] == customfields.PREFIX]:
            stored = customfields.to_storage(fields[name[3:]], values.pop(name))
            if stored is not None:
                custom[name[3:]] = stored
        values["custom"] = custom
        category = values.get("category_id", existing.category_id)
        missing = self._missing(category, custom)
        for field, messages in missing.items():
            self.report.error(number, field, messages[0])
        if missing:
            return
        if "owner_id" in values and not permissions.can(
            self.user,
            "write",
            "customer",
            Customer(id=existing.id, owner=values["owner_id"], category=category),
        ):
            self.report.error(number, "owner", "you may not give this customer to that owner")
            return
        self.changes.setdefault(existing.id, {}).update(values)
        if person:
            self.new_contacts.append((-existing.id, person))
        self.report.updated += 1

    def _merge(
        self, number: int, earlier: int, row: dict[str, Any], person: dict[str, Any], refs: dict[str, str]
    ) -> None:
        target = self.new[earlier]
        custom = target["custom"]
        fields = self.by_key
        for name, value in row.items():
            if name.startswith(customfields.PREFIX):
                stored = customfields.to_storage(fields[name[3:]], value)
                if stored is not None:
                    custom[name[3:]] = stored
            elif name in ("category_id", "owner_id"):
                if refs["category" if name == "category_id" else "owner"]:
                    target[name] = value
            elif value not in ("", None):
                target[name] = value
        if person:
            self.new_contacts.append((earlier, person))
        self.report.updated += 1

    # -- writing ---------------------------------------------------------------------------------

    def _write(self) -> None:
        db = Customer._meta.database
        postgres = search.is_postgres()
        if postgres:
            with db.atomic():
                self._write_all(db, postgres)
        else:
            with bulk_settings(db), db.atomic(lock_type="IMMEDIATE"):
                self._write_all(db, postgres)
        if self.report.search_backlog:
            search_backlog.queue_drain()  # after the commit: the worker must see the rows

    def _stamp(self, postgres: bool) -> Any:
        """Now, as the rows store it: SQLite keeps a datetime as this text, and handing it
        over as text saves a conversion per cell."""
        if self.now is None:
            self.now = utcnow()
        return self.now if postgres else str(self.now)

    def _write_all(self, db: Any, postgres: bool) -> None:
        """Write the new customers and contacts, their search documents (or their place in the
        backlog), the updates and the audit entry; then tell the listeners."""
        ids = _allocate_ids(len(self.new), postgres)
        stamp = self._stamp(postgres)
        encode = custom_encoder()
        rows = [customer_row(cid, row, stamp, encode) for cid, row in zip(ids, self.new, strict=True)]
        people = [
            contact_row(ids[index] if index >= 0 else -index, person, stamp)
            for index, person in self.new_contacts
        ]
        _executemany(db, "customers_customer", CUSTOMER_COLUMNS, rows)
        _executemany(db, "customers_contact", CONTACT_COLUMNS, people)
        if len(ids) <= search_backlog.INDEX_NOW_MAX:
            search.write(self._documents(ids), fresh=True)
        else:
            search_backlog.defer(ids)
            self.report.search_backlog = len(ids)
        updated = self._apply_updates(self.now)
        touched = updated | {-index for index, _ in self.new_contacts if index < 0}
        if touched:
            search.reindex(sorted(touched))
        audit(
            "import",
            "customer",
            "",
            {
                "created": [None, len(ids)],
                "updated": [None, len(updated)],
                "first_id": [None, ids[0] if ids else None],
            },
            self.user,
        )
        signals.customers_imported.send(
            "customer", tenant=g.tenant.slug, user=self.user, created_ids=ids, updated_ids=sorted(updated)
        )

    def _documents(self, ids: list[int]) -> dict[int, dict[str, str]]:
        """The search documents of the new customers, with their new contacts."""
        people: dict[int, list[tuple[str, str, str, str]]] = {}
        for index, person in self.new_contacts:
            if index >= 0:
                people.setdefault(ids[index], []).append(
                    (person["name"], person.get("mobile", ""), person.get("phone", ""),
                     person.get("email", ""))
                )
        return {
            cid: search.document(row.get("name", ""), row.get("phone", ""), row.get("email", ""),
                                 people.get(cid, ()))
            for cid, row in zip(ids, self.new, strict=True)
        }

    def _apply_updates(self, now: dt.datetime) -> set[int]:
        done: set[int] = set()
        for customer_id, values in self.changes.items():
            customer = Customer.get_by_id(customer_id)
            before = snapshot(customer)
            for name, value in values.items():
                setattr(
                    customer, name.removesuffix("_id") if name in ("category_id", "owner_id") else name, value
                )
            customer.name_key = normalize.name_key(customer.name)
            customer.phone_key = normalize.phone_key(customer.phone)
            customer.email_key = normalize.email_key(customer.email)
            changes = diff(before, snapshot(customer))
            if not changes:
                continue
            fields = {Customer._meta.fields[k]: customer.__data__[k] for k in changes}
            fields[Customer.version] = Customer.version + 1
            fields[Customer.updated_at] = now
            Customer.update(fields).where(Customer.id == customer_id).execute()
            audit("update", "customer", customer_id, changes, self.user)
            done.add(customer_id)
        return done


class FieldLoader:
    """``schema.load`` field by field — the same values, defaults and messages for schemas
    without schema-level hooks, at a fraction of the cost (imports validate every row): the
    defaults and required fields are worked out once, and text fields are checked by
    :func:`~plugins.customers.schemas.quick_text` where it can."""

    def __init__(self, fields: Mapping[str, Any], partial: bool = False) -> None:
        self.fields = dict(fields)
        self.partial = partial
        self.quick = {n: c for n, c in ((n, quick_text(f)) for n, f in fields.items()) if c is not None}
        self.targets = {name: field.attribute or name for name, field in fields.items()}
        self.required = [] if partial else [n for n, f in fields.items() if f.required]
        self.constant: dict[str, Any] = {}  # target: default, copied into every result
        self.computed: dict[str, Any] = {}  # name: default factory
        if not partial:
            for name, field in fields.items():
                default = field.load_default
                if field.required or default is missing:
                    continue
                if callable(default):
                    self.computed[name] = default
                else:
                    self.constant[self.targets[name]] = default

    def load(self, data: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, list[str]]]:
        """The loaded values, and the errors by field."""
        # Defaults first; the values given overwrite theirs (a row with errors is dropped whole).
        out = self.constant.copy()
        errors: dict[str, list[str]] = {}
        for name, factory in self.computed.items():
            if name not in data:
                out[self.targets[name]] = factory()
        for name in self.required:
            if name not in data:
                errors[name] = [self.fields[name].error_messages["required"]]
        fields, quick, targets = self.fields, self.quick, self.targets
        for name, value in data.items():
            field = fields.get(name)
            if field is None:
                continue
            check = quick.get(name)
            loaded = check(value) if check is not None else None
            if loaded is not None:
                out[targets[name]] = loaded
                continue
            try:
                out[targets[name]] = field.deserialize(value, name, data)
            except ValidationError as exc:
                errors[name] = exc.messages if isinstance(exc.messages, list) else [str(exc.messages)]
        return out, errors


def _allocate_ids(count: int, postgres: bool) -> list[int]:
    """``count`` fresh customer ids (inside the import's transaction, which holds the lock)."""
    if not count:
        return []
    db = Customer._meta.database
    if postgres:
        cursor = db.execute_sql(
            "SELECT nextval(pg_get_serial_sequence('customers_customer', 'id')) FROM generate_series(1, %s)",
            (count,),
        )
        return sorted(row[0] for row in cursor.fetchall())
    start = (db.execute_sql("SELECT MAX(id) FROM customers_customer").fetchone()[0] or 0) + 1
    return list(range(start, start + count))


def _executemany(db: Any, table: str, columns: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
    if rows:
        db.cursor().executemany(insert_sql(db, table, columns), rows)





def import_file(
    user: Any,
    stream: IO[bytes],
    filename: str = "",
    mapping: Mapping[str, str] | None = None,
    mode: str = "skip",
    dry_run: bool = False,
    progress: Callable[[int], None] | None = None,
) -> tuple[dict[str, Any], int]:
    """Import a CSV/XLSX stream for ``user``; returns (report, HTTP status 200 or 422).

    Raises ApiError 400 for an unreadable file, a bad mapping or mode, 403 without the right.
    """
    try:
        header, rows = tabular.read_table(stream, filename)
        importer = Importer(user, header, mapping, mode, dry_run, progress)
        report = importer.run(rows)
    except tabular.TableError as exc:
        raise ApiError(400, str(exc), fields={"file": [str(exc)]}) from None
    return report, (200 if not report["errors"] else 422)


def import_request(user: Any) -> tuple[dict[str, Any], int]:
    """The ``POST /customers/import`` request: ``file``, ``mapping`` (JSON), ``mode``, ``dry_run``."""
    upload = request.files.get("file")
    if upload is None:
        raise ApiError(
            400, "send the file as multipart/form-data in field 'file'", fields={"file": ["missing"]}
        )
    limit = int(current_app.config.get("CUSTOMERS_IMPORT_MAX_BYTES", 32 * 1024 * 1024))
    if request.content_length and request.content_length > limit:
        raise ApiError(413, "the file is too large to import at once; split it")
    mapping = None
    if request.form.get("mapping"):
        try:
            mapping = json.loads(request.form["mapping"])
        except ValueError:
            raise ApiError(400, "mapping must be a JSON object", fields={"mapping": ["not JSON"]}) from None
        if not isinstance(mapping, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in mapping.items()
        ):
            raise ApiError(400, "mapping must map column names to field names", fields={"mapping": ["bad"]})
    dry_run = request.form.get("dry_run", "").lower() in ("1", "true", "yes", "on")
    return import_file(
        user,
        upload.stream,
        upload.filename or "",
        mapping,
        request.form.get("mode", "skip") or "skip",
        dry_run,
    )
