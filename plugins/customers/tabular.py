"""Reading spreadsheets people actually have: CSV in UTF-8 (with or without a BOM), UTF-16
or GBK/GB18030 (what Chinese Excel saves), with commas, semicolons or tabs, ragged rows; and
XLSX (checked for decompression bombs first; formulas are never evaluated — a cell's cached
value is read, as text)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from plugins.customers import filecheck

XLSX_MAX_EXPANDED = 256 * 1024 * 1024


class TableError(ValueError):
    """The file cannot be read as a table; the message says why and what to do."""


def decode(data: bytes) -> str:
    """Text of a CSV file: BOMs honoured, else UTF-8, else GB18030 (a superset of GBK)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="strict")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    for encoding in ("utf-8", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise TableError("the file is neither UTF-8 nor GBK text; save it as CSV (UTF-8) or XLSX")


def _delimiter(text: str) -> str:
    """The delimiter of the header line: the most frequent of comma, semicolon and tab."""
    header = next((line for line in text.splitlines() if line.strip()), "")
    counts = {d: header.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def csv_rows(data: bytes) -> Iterator[list[str]]:
    text = decode(data)
    if "\x00" in text:
        raise TableError("the file contains binary data; save it as CSV or XLSX")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text[:65536]))
    try:
        yield from reader
    except csv.Error as exc:
        raise TableError(f"the CSV file is malformed near line {reader.line_num}: {exc}") from None


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e16:
        return str(int(value))  # phone numbers Excel stored as numbers
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def xlsx_rows(data: bytes) -> Iterator[list[str]]:
    from openpyxl import load_workbook

    with tempfile.NamedTemporaryFile(suffix=".xlsx") as handle:
        handle.write(data)
        handle.flush()
        path = Path(handle.name)
        try:
            filecheck.check_archive(path, "application/zip", XLSX_MAX_EXPANDED)
        except filecheck.FileRejected as exc:
            raise TableError(exc.message) from None
        try:
            book = load_workbook(path, read_only=True, data_only=True)
        except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
            raise TableError(f"the XLSX file cannot be read: {exc}") from None
        try:
            sheet = book.worksheets[0]
            for row in sheet.iter_rows(values_only=True):
                yield [_cell(v) for v in row]
        finally:
            book.close()


def read_table(stream: IO[bytes], filename: str = "") -> tuple[list[str], Iterator[tuple[int, list[str]]]]:
    """(header, rows) of an uploaded CSV or XLSX. Rows come as (row number in the file,
    cells); blank rows are skipped; the header is the first non-blank row."""
    data = stream.read()
    if not data:
        raise TableError("the file is empty")
    is_xlsx = data[:4] == b"PK\x03\x04" or filename.lower().endswith(".xlsx")
    rows = enumerate(xlsx_rows(data) if is_xlsx else csv_rows(data), start=1)
    for _number, cells in rows:
        if any(c.strip() for c in cells):
            header = [c.strip().lstrip("\ufeff") for c in cells]
            break
    else:
        raise TableError("the file has no header row")

    def body() -> Iterator[tuple[int, list[str]]]:
        for number, cells in rows:
            if "".join(cells).strip():  # some cell is not blank (one join beats a strip per cell)
                yield number, cells

    return header, body()
