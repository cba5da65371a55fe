"""Catalog completeness, local-only assets, and the chart option builders."""

from __future__ import annotations

import json
import re
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from core.web import assets, charts

WEB = Path(assets.__file__).parent
PO = WEB / "translations" / "zh_CN" / "LC_MESSAGES" / "messages.po"


def extracted_msgids() -> set[str]:
    method_map = [("**/templates/**.html", "jinja2"), ("**.py", "python")]
    found = set()
    for root in (WEB, WEB.parent / "api"):
        for _, _, message, _, _ in extract_from_dir(
            str(root), method_map, keywords={"_": None, "gettext": None, "ngettext": (1, 2), "_l": None}
        ):
            found.add(message if isinstance(message, str) else message[0])
    return found


def test_every_string_of_the_shell_has_a_chinese_translation():
    with PO.open("rb") as handle:
        catalog = read_po(handle)
    translated = {m.id if isinstance(m.id, str) else m.id[0] for m in catalog if m.id and m.string}
    missing = sorted(extracted_msgids() - translated)
    assert missing == [], f"add these to {PO}: {missing}"


def test_templates_load_nothing_from_other_sites():
    for template in (WEB / "templates").rglob("*.html"):
        text = template.read_text()
        assert not re.search(r"(src|href)=\"(https?:)?//", text), template
    for name in ("xietong.js", "api-docs.js"):
        assert "http" not in (WEB / "static" / name).read_text()


def test_assets_are_copied_from_node_modules(tmp_path):
    fake_modules = tmp_path / "node_modules"
    for source in assets.FILES.values():
        (fake_modules / source).parent.mkdir(parents=True, exist_ok=True)
        (fake_modules / source).write_text(source)
    vendor = tmp_path / "vendor"
    assert assets.missing(vendor) == list(assets.FILES)
    copied = assets.copy_assets(fake_modules, vendor)
    assert sorted(copied) == sorted(assets.FILES) and assets.missing(vendor) == []
    assert (vendor / "htmx/htmx.min.js").read_text() == "htmx.org/dist/htmx.min.js"
    (fake_modules / "echarts/dist/echarts.min.js").unlink()
    try:
        assets.copy_assets(fake_modules, vendor)
    except FileNotFoundError as exc:
        assert "npm ci" in str(exc)
    else:
        raise AssertionError("a missing package must be reported")


def test_chart_builders_make_plain_json_options():
    from decimal import Decimal

    option = charts.funnel([("Interest", Decimal("120.5")), ("Need", 40)], title="Funnel")
    assert option["series"][0]["type"] == "funnel" and option["series"][0]["data"][0]["value"] == 120.5
    bars = charts.bars(["Q1", "Q2"], {"Won": [1, 2], "Lost": [3, 4]}, stacked=True, horizontal=True)
    assert bars["yAxis"]["data"] == ["Q1", "Q2"] and bars["series"][1]["stack"] == "total"
    lines = charts.lines(["Jan", "Feb"], {"Revenue": [Decimal("1.50"), 2]}, area=True)
    assert lines["series"][0]["type"] == "line" and lines["series"][0]["data"] == [1.5, 2]
    graph = charts.graph(
        [{"id": 1, "name": "A"}, {"id": 2, "name": "B", "category": 1}],
        [{"source": 1, "target": 2, "label": "upstream"}],
        categories=["self", "partner"],
    )
    assert graph["series"][0]["links"][0] == {
        "source": "1",
        "target": "2",
        "label": {"show": True, "formatter": "upstream"},
    }
    json.dumps(graph)


def test_chart_html_escapes_data_so_names_cannot_become_markup():
    html = str(charts.chart_html(charts.bars(['<img src=x onerror=alert(1)>"'], {"a": [1]}), label="x"))
    assert (
        "<img" not in html and "onerror=alert(1)&gt;&#34;" in html.replace("&amp;", "&") or "&lt;img" in html
    )
    payload = re.search(r'data-echarts="([^"]*)"', html).group(1)
    import html as html_lib

    assert json.loads(html_lib.unescape(payload))["xAxis"]["data"] == ['<img src=x onerror=alert(1)>"']
