"""What an uploaded file really is: content sniffed from its bytes (the browser's word is not
trusted), file names made safe, archives checked for decompression bombs."""

from __future__ import annotations

import gzip
import re
import unicodedata
import zipfile
from pathlib import Path

SAFE_INLINE = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf"})
ACTIVE = frozenset({"text/html", "image/svg+xml", "application/xml", "application/xhtml+xml"})
EXECUTABLE = frozenset({"application/x-msdownload", "application/x-executable"})
ZIP_KINDS = {
    "word/": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xl/": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ppt/": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}
# What each extension's content must look like (an extension not listed: anything goes).
EXTENSIONS: dict[str, frozenset[str]] = {
    "pdf": frozenset({"application/pdf"}),
    "png": frozenset({"image/png"}),
    "jpg": frozenset({"image/jpeg"}),
    "jpeg": frozenset({"image/jpeg"}),
    "gif": frozenset({"image/gif"}),
    "webp": frozenset({"image/webp"}),
    "docx": frozenset({ZIP_KINDS["word/"]}),
    "xlsx": frozenset({ZIP_KINDS["xl/"]}),
    "pptx": frozenset({ZIP_KINDS["ppt/"]}),
    "zip": frozenset({"application/zip", *ZIP_KINDS.values(), "application/vnd.oasis.opendocument"}),
    "odt": frozenset({"application/vnd.oasis.opendocument"}),
    "ods": frozenset({"application/vnd.oasis.opendocument"}),
    "doc": frozenset({"application/x-ole-storage"}),
    "xls": frozenset({"application/x-ole-storage"}),
    "ppt": frozenset({"application/x-ole-storage"}),
    "rtf": frozenset({"application/rtf"}),
    "gz": frozenset({"application/gzip"}),
    "tgz": frozenset({"application/gzip"}),
    "txt": frozenset({"text/plain"}),
    "csv": frozenset({"text/plain"}),
    "md": frozenset({"text/plain"}),
    "log": frozenset({"text/plain"}),
    "json": frozenset({"text/plain"}),
    "html": frozenset({"text/html"}),
    "htm": frozenset({"text/html"}),
    "svg": frozenset({"image/svg+xml"}),
    "xml": frozenset({"application/xml", "image/svg+xml"}),
}
MAGIC = (
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "application/x-ole-storage"),
    (b"{\\rtf", "application/rtf"),
    (b"\x1f\x8b", "application/gzip"),
    (b"7z\xbc\xaf\x27\x1c", "application/x-7z-compressed"),
    (b"Rar!\x1a\x07", "application/vnd.rar"),
    (b"MZ", "application/x-msdownload"),
    (b"\x7fELF", "application/x-executable"),
)
HTML_MARKERS = (
    b"<!doctype html",
    b"<html",
    b"<script",
    b"<body",
    b"<head",
    b"<iframe",
    b"<meta",
    b"<a ",
    b"<img",
    b"<object",
    b"<embed",
    b"<style",
    b"<form",
)
CONTROL_OR_RESERVED = re.compile(r'[\x00-\x1f\x7f<>:"|?*\\/]')


class FileRejected(ValueError):
    """The file may not be stored; ``status`` 413 (too large) or 422 (anything else)."""

    def __init__(self, message: str, status: int = 422, code: str = "invalid_file"):
        super().__init__(message)
        self.message, self.status, self.code = message, status, code


def clean_filename(name: str | None, limit: int = 180) -> str:
    """A file name without folders, control or reserved characters or leading dots, at most
    ``limit`` characters (the extension kept)."""
    text = unicodedata.normalize("NFC", name or "").replace("\\", "/").rsplit("/", 1)[-1]
    text = CONTROL_OR_RESERVED.sub("_", text).strip(" .")
    if not text:
        text = "file"
    if len(text) > limit:
        stem, dot, ext = text.rpartition(".")
        text = (stem[: limit - len(ext) - 1] + "." + ext) if dot and len(ext) <= 10 else text[:limit]
    return text


def extension(name: str) -> str:
    stem, dot, ext = name.rpartition(".")
    return ext.lower() if dot and stem else ""


def sniff(path: Path) -> str:
    """The content type of the file at ``path``, from its bytes."""
    with path.open("rb") as handle:
        head = handle.read(8192)
    for magic, kind in MAGIC:
        if head.startswith(magic):
            return kind
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[:4] in (b"PK\x03\x04", b"PK\x05\x06"):
        return _zip_kind(path)
    if b"\x00" in head:
        return "application/octet-stream"
    lowered = head.lower().lstrip(b"\xef\xbb\xbf \t\r\n")
    if b"<svg" in lowered:
        return "image/svg+xml"
    if any(marker in lowered for marker in HTML_MARKERS):
        return "text/html"
    if lowered.startswith(b"<?xml"):
        return "application/xml"
    for encoding in ("utf-8", "gb18030"):
        try:
            head.decode(encoding)
            return "text/plain"
        except UnicodeDecodeError as exc:
            if exc.start >= len(head) - 4:  # a character cut at the end of the sample
                return "text/plain"
    return "application/octet-stream"


def _zip_kind(path: Path) -> str:
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
            if "mimetype" in names:
                mime = archive.read("mimetype")[:100].decode("ascii", "replace")
                if mime.startswith("application/vnd.oasis.opendocument"):
                    return "application/vnd.oasis.opendocument"
    except (zipfile.BadZipFile, OSError, RuntimeError):
        return "application/octet-stream"
    if "[Content_Types].xml" in names:
        for prefix, kind in ZIP_KINDS.items():
            if any(n.startswith(prefix) for n in names):
                return kind
    return "application/zip"


def check_archive(
    path: Path, kind: str, max_expanded: int, max_ratio: int = 100, max_entries: int = 10_000
) -> None:
    """Refuse decompression bombs: too many entries, too much expanded, or a member that
    expands more than ``max_ratio`` times (members under 1 MiB excepted)."""
    if kind == "application/gzip":
        _check_gzip(path, max_expanded)
        return
    if kind != "application/zip" and kind not in ZIP_KINDS.values() and "opendocument" not in kind:
        return
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise FileRejected(f"the archive is damaged: {exc}") from None
    if len(infos) > max_entries:
        raise FileRejected(f"the archive has more than {max_entries} entries", code="archive_bomb")
    total = 0
    for info in infos:
        total += info.file_size
        if info.file_size > 1 << 20 and info.file_size > max_ratio * max(info.compress_size, 1):
            raise FileRejected("the archive expands suspiciously (a zip bomb?)", code="archive_bomb")
    if total > max_expanded:
        raise FileRejected("the archive expands to more than is allowed", code="archive_bomb")


def _check_gzip(path: Path, max_expanded: int) -> None:
    expanded = 0
    try:
        with gzip.open(path, "rb") as stream:
            while chunk := stream.read(1 << 20):
                expanded += len(chunk)
                if expanded > max_expanded:
                    raise FileRejected("the archive expands to more than is allowed", code="archive_bomb")
    except (OSError, EOFError) as exc:
        raise FileRejected(f"the archive is damaged: {exc}") from None


def check_label(filename: str, kind: str) -> None:
    """Refuse a file whose name claims another type than its content (``invoice.pdf`` that is
    HTML), and executables."""
    if kind in EXECUTABLE:
        raise FileRejected("executable files are not accepted", code="mislabelled")
    expected = EXTENSIONS.get(extension(filename))
    if expected is not None and kind not in expected:
        raise FileRejected(f"the file's content ({kind}) does not match its name", code="mislabelled")


def served_type(kind: str) -> tuple[str, bool]:
    """(Content-Type, inline?) for a stored file: only safe kinds inline; HTML, SVG and XML
    only ever as an opaque download."""
    if kind in ACTIVE:
        return "application/octet-stream", False
    return kind, kind in SAFE_INLINE
