"""CSV and Excel exports through the same permission path as the list.

Rows come from :meth:`Resource.all` (``visible()``), cells from :meth:`Resource.dump_many`
(field rules: hidden columns absent, masked ones masked). Text that a spreadsheet would run
as a formula (``=``, ``+``, ``-``, ``@``, tab, CR at the start) is prefixed with ``'``.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator
from typing import Any

from flask import Response, stream_with_context

from core.errors import ApiError

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"[+-]?\d+(\.\d+)?")
FORMATS = {"csv": "text/csv; charset=utf-8",
           "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def neutralise(value: Any) -> Any:
    """A cell value that no spreadsheet will evaluate (numbers stay numbers)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        import json

        value = json.dumps(value, ensure_ascii=False)
    if isinstance(value, str) and value.startswith(FORMULA_STARTS) and not PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def export_columns(resource: Any, user: Any) -> list[str]:
    """Fields an export shows ``user``: every schema field except those a rule hides."""
    from core.identity.permissions import field_rules

    rules = field_rules(user, resource.entity)
    return [name for name, f in resource.fields().items() if rules.get(name) != "hide" and not f.load_only]


def _rows(resource: Any, user: Any, records: Iterable[Any], columns: list[str]) -> Iterator[list[Any]]:
    batch: list[Any] = []
    for record in records:
        batch.append(record)
        if len(batch) >= 200:
            yield from ([neutralise(d.get(c)) for c in columns] for d in resource.dump_many(batch, user))
            batch = []
    if batch:
        yield from ([neutralise(d.get(c)) for c in columns] for d in resource.dump_many(batch, user))


def export_response(resource: Any, user: Any, records: Iterable[Any], fmt: str, filename: str) -> Response:
    """Stream ``records`` as CSV (UTF-8 with BOM, so Excel reads Chinese) or build an .xlsx."""
    if fmt not in FORMATS:
        raise ApiError(400, "format must be csv or xlsx", fields={"format": ["unsupported"]})
    from core.identity.audit import audit

    audit("export", resource.entity, "", {"format": fmt}, user)
    columns = export_columns(resource, user)
    headers = {"Content-Disposition": f'attachment; filename="{filename}.{fmt}"'}
    if fmt == "csv":
        def generate() -> Iterator[str]:
            buffer = io.StringIO()
            writer = csv.writer(buffer)
            buffer.write("\ufeff")
            writer.writerow(columns)
            for row in _rows(resource, user, records, columns):
                writer.writerow(row)
                if buffer.tell() > 64 * 1024:
                    yield buffer.getvalue()
                    buffer.seek(0)
                    buffer.truncate()
            yield buffer.getvalue()

        return Response(stream_with_context(generate()), mimetype=FORMATS["csv"], headers=headers)
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet(resource.path[:31])
    sheet.append(columns)
    for row in _rows(resource, user, records, columns):
        sheet.append([str(v) if not isinstance(v, int | float | str) else v for v in row])
    out = io.BytesIO()
    book.save(out)
    return Response(out.getvalue(), mimetype=FORMATS["xlsx"], headers=headers)
