"""Every string of the desktop's pages and widgets has a Chinese translation."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

PLUGIN = Path(__file__).resolve().parents[1]
PO = PLUGIN / "translations" / "zh_CN" / "LC_MESSAGES" / "messages.po"


def extracted() -> set[str]:
    method_map = [("templates/**.html", "jinja2"), ("*.py", "python")]
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None}
    return {message if isinstance(message, str) else message[0]
            for _, _, message, _, _ in extract_from_dir(str(PLUGIN), method_map, keywords=keywords)}


def test_every_string_has_a_chinese_translation():
    with PO.open("rb") as handle:
        catalog = read_po(handle)
    translated = {m.id for m in catalog if m.id and m.string}
    found = extracted()
    assert len(found) > 40  # the extraction sees the templates, not just the Python files
    assert sorted(found - translated) == []
