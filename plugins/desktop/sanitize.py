"""Rich text of announcements and policies: cleaned with nh3 so script is inert."""

from __future__ import annotations

import html as html_lib

import nh3

TAGS = {
    "a", "b", "blockquote", "br", "code", "del", "div", "em", "h1", "h2", "h3", "h4", "hr", "i",
    "img", "li", "ol", "p", "pre", "s", "span", "strong", "sub", "sup", "table", "tbody", "td",
    "th", "thead", "tr", "u", "ul",
}
ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
}
URL_SCHEMES = {"http", "https", "mailto"}


def clean_html(html: str) -> str:
    """Keep formatting (headings, lists, tables, links, images); drop script, styles, event
    handlers and ``javascript:`` links. Links get ``rel="noopener noreferrer"``."""
    return nh3.clean(
        html or "", tags=TAGS, attributes=ATTRIBUTES, url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer", strip_comments=True,
    )


def plain_text(html: str, limit: int = 140) -> str:
    """A short plain-text excerpt (for widget lists)."""
    text = " ".join(html_lib.unescape(nh3.clean(html or "", tags=set())).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
