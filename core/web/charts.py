"""Charts for every module: ECharts options built in Python, drawn from local assets.

Build an option with :func:`funnel`, :func:`bars`, :func:`lines` or :func:`graph` (or write
one by hand — any ECharts option dict), then put it on a page::

    {% from "xietong/macros/charts.html" import chart %}
    {{ chart(option, height="320px") }}

or, from Python (a tab fragment), ``chart_html(option)``. The page's script turns every
``<div data-echarts>`` into a chart, including ones that htmx loads later. Options are plain
JSON: no functions, so nothing from the data can become code.
"""

from __future__ import annotations

import decimal
import json
from collections.abc import Mapping, Sequence
from typing import Any

from markupsafe import Markup, escape

PALETTE = ["#b42318", "#175cd3", "#027a48", "#b54708", "#6941c6", "#0e9384", "#c11574", "#475467"]


def _plain(value: Any) -> Any:
    if isinstance(value, decimal.Decimal):
        return float(value)  # charts only draw: exactness is kept in storage and the API
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _base(title: str | None) -> dict[str, Any]:
    option: dict[str, Any] = {"color": PALETTE, "tooltip": {}, "animation": False}
    if title:
        option["title"] = {"text": title, "left": "center", "textStyle": {"fontSize": 14}}
    return option


def funnel(stages: Sequence[tuple[str, Any]], title: str | None = None) -> dict[str, Any]:
    """A sales funnel: ``[(stage name, value), ...]`` from the widest stage down."""
    option = _base(title)
    option["tooltip"] = {"trigger": "item"}
    option["series"] = [{"type": "funnel", "sort": "none", "left": "10%", "width": "80%", "top": 40,
                         "label": {"show": True, "position": "inside"},
                         "data": [{"name": n, "value": _plain(v)} for n, v in stages]}]
    return option


def bars(categories: Sequence[str], series: Mapping[str, Sequence[Any]], title: str | None = None,
         horizontal: bool = False, stacked: bool = False) -> dict[str, Any]:
    """Bars: one group per category, one bar per series (``{"Won": [...], "Lost": [...]}``)."""
    option = _base(title)
    option["tooltip"] = {"trigger": "axis"}
    option["legend"] = {"bottom": 0} if len(series) > 1 else {"show": False}
    category_axis = {"type": "category", "data": list(categories)}
    value_axis = {"type": "value"}
    axes = (value_axis, category_axis) if horizontal else (category_axis, value_axis)
    option["xAxis"], option["yAxis"] = axes
    option["grid"] = {"left": 8, "right": 16, "top": 40 if title else 16, "bottom": 32, "containLabel": True}
    option["series"] = [{"type": "bar", "name": name, "data": _plain(list(values)),
                         **({"stack": "total"} if stacked else {})} for name, values in series.items()]
    return option


def lines(categories: Sequence[str], series: Mapping[str, Sequence[Any]], title: str | None = None,
          area: bool = False) -> dict[str, Any]:
    """Lines over time or any ordered categories."""
    option = bars(categories, series, title)
    for item in option["series"]:
        item["type"] = "line"
        item["smooth"] = True
        if area:
            item["areaStyle"] = {}
    return option


def graph(nodes: Sequence[Mapping[str, Any]], edges: Sequence[Mapping[str, Any]],
          categories: Sequence[str] = (), title: str | None = None) -> dict[str, Any]:
    """A network: ``nodes`` with ``id``, ``name`` (and optional ``category`` index, ``value``),
    ``edges`` with ``source``, ``target`` (node ids) and optional ``label``."""
    option = _base(title)
    option["legend"] = {"bottom": 0, "data": list(categories)} if categories else {"show": False}
    option["series"] = [{
        "type": "graph", "layout": "force", "roam": True, "draggable": True,
        "force": {"repulsion": 220, "edgeLength": 90},
        "label": {"show": True, "position": "right"},
        "edgeSymbol": ["none", "arrow"],
        "categories": [{"name": c} for c in categories],
        "data": [{"id": str(n["id"]), "name": str(n.get("name", n["id"])), "value": _plain(n.get("value")),
                  "category": n.get("category", 0), "symbolSize": n.get("size", 28)} for n in nodes],
        "links": [{"source": str(e["source"]), "target": str(e["target"]),
                   "label": {"show": bool(e.get("label")), "formatter": str(e.get("label", ""))}}
                  for e in edges],
    }]
    return option


def chart_html(option: Mapping[str, Any], height: str = "320px", label: str = "") -> Markup:
    """The element that becomes a chart (what the ``chart`` macro renders)."""
    data = json.dumps(_plain(option), ensure_ascii=False, separators=(",", ":"))
    return Markup(
        f'<div class="xt-chart" role="img" aria-label="{escape(label or _title(option))}" '
        f'style="height:{escape(height)}" data-echarts="{escape(data)}"></div>'
    )


def _title(option: Mapping[str, Any]) -> str:
    title = option.get("title")
    return str(title.get("text", "")) if isinstance(title, Mapping) else ""
