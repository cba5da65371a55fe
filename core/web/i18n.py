"""Languages, time zones and locale-aware formatting (Flask-Babel).

The language of a request: the one the user picked with the switch (remembered in the
session and on the user), else the user's saved language, else the tenant's default, else
the installation's. Catalogs are the ``.po`` files themselves — of the core and of every
plugin that has a ``translations/`` folder next to its code — compiled in memory when first
needed, so a fresh clone works after ``pip install -e .`` with no build step.
"""

from __future__ import annotations

import decimal
import importlib.util
import io
from pathlib import Path
from typing import Any

from babel import support
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask, current_app, g, has_request_context, session
from flask_babel import Babel, Domain, format_date, format_datetime, format_decimal, get_locale

LANGUAGES = {"zh_CN": "中文", "en": "English"}
SESSION_LANGUAGE = "lang"
CORE_TRANSLATIONS = Path(__file__).parent / "translations"
# The kernel's other packages with strings of their own (identity's pages) may ship catalogs too.
KERNEL_TRANSLATIONS = (CORE_TRANSLATIONS, Path(__file__).parent.parent / "identity" / "translations")


def pick_language() -> str:
    """The language of the current request (see the module docstring for the order)."""
    if has_request_context():
        chosen = session.get(SESSION_LANGUAGE)
        if chosen in LANGUAGES:
            return chosen
        user = g.get("user")
        if user is not None and getattr(user, "language", "") in LANGUAGES:
            return user.language
        tenant = g.get("tenant")
        if tenant is not None and tenant.language in LANGUAGES:
            return tenant.language
    default = current_app.config.get("XIETONG_DEFAULT_LANGUAGE", "zh_CN")
    return default if default in LANGUAGES else "en"


def pick_timezone() -> str:
    """The user's time zone, else the tenant's, else the installation's."""
    user = g.get("user") if has_request_context() else None
    if user is not None and getattr(user, "timezone", ""):
        return user.timezone
    tenant = g.get("tenant") if has_request_context() else None
    if tenant is not None and tenant.timezone:
        return tenant.timezone
    return current_app.config.get("XIETONG_DEFAULT_TIMEZONE", "UTC")


def is_zh() -> bool:
    """Whether the current request is in Chinese (for ``title``/``title_zh`` pairs)."""
    return has_request_context() and get_locale() is not None and get_locale().language == "zh"


def localized(record: Any, attr: str = "title") -> str:
    """``record.<attr>_zh`` in Chinese when set, else ``record.<attr>`` (MenuItem, RecordTab …)."""
    if is_zh():
        value = getattr(record, f"{attr}_zh", "")
        if value:
            return value
    return getattr(record, attr, "") or ""


class PoDomain(Domain):
    """A translation domain that reads ``.po`` catalogs from several folders, compiled in memory."""

    def __init__(self, directories: list[Path]) -> None:
        super().__init__(translation_directories=[str(d) for d in directories])
        self._directories = directories

    def get_translations(self) -> support.Translations:
        current = get_locale()
        locale = str(current or "en")
        cached = self.cache.get(locale)
        if cached is not None:
            return cached
        # Babel says zh_Hans_CN where catalogs are filed as zh_CN: try the usual spellings.
        names = (
            [locale]
            if current is None
            else list(
                dict.fromkeys(
                    [
                        locale,
                        f"{current.language}_{current.territory}" if current.territory else locale,
                        current.language,
                    ]
                )
            )
        )
        merged = support.Translations()
        for directory in self._directories:
            po = next(
                (p for n in names if (p := directory / n / "LC_MESSAGES" / "messages.po").exists()), None
            )
            if po is None:
                continue
            with po.open("rb") as handle:
                catalog = read_po(handle, locale=locale)
            buffer = io.BytesIO()
            write_mo(buffer, catalog)
            buffer.seek(0)
            catalog = support.Translations(fp=buffer)
            merged.merge(catalog)
            merged.plural = catalog.plural  # merge() drops the language's plural rule
        self.cache[locale] = merged
        return merged


def plugin_translation_dirs(kernel: Any) -> list[Path]:
    """``translations/`` folders of the healthy plugins' packages (next to their hooks module)."""
    found: list[Path] = []
    for name in kernel.healthy():
        entry = kernel.plugins[name]
        if entry.meta is None or name == "core":
            continue
        package = entry.meta.hooks.rpartition(".")[0] or entry.meta.hooks
        spec = importlib.util.find_spec(package)
        for location in (spec.submodule_search_locations or []) if spec else []:
            candidate = Path(location) / "translations"
            if candidate.is_dir():
                found.append(candidate)
    return found


class XietongBabel(Babel):
    """Flask-Babel whose message domain is our in-memory :class:`PoDomain`."""

    def __init__(self, app: Flask, domain: PoDomain, **kwargs: Any) -> None:
        self._po_domain = domain
        super().__init__(app, **kwargs)

    @property
    def domain_instance(self) -> Domain:  # type: ignore[override]
        return self._po_domain


def money(value: Any, places: int = 2) -> str:
    """An amount for people: grouped digits, two decimals, in the request's locale."""
    if value is None or value == "":
        return ""
    amount = value if isinstance(value, decimal.Decimal) else decimal.Decimal(str(value))
    return format_decimal(amount, format="#,##0." + "0" * places)


def init_app(app: Flask, kernel: Any) -> Babel:
    """Set up Flask-Babel with the core's and plugins' catalogs and the selectors above."""
    app.config.setdefault("BABEL_DEFAULT_LOCALE", "en")
    domain = PoDomain([*KERNEL_TRANSLATIONS, *plugin_translation_dirs(kernel)])
    babel = XietongBabel(app, domain, locale_selector=pick_language, timezone_selector=pick_timezone)
    app.jinja_env.filters.update(
        datetime=lambda v, fmt="medium": format_datetime(v, fmt) if v else "",
        date=lambda v, fmt="medium": format_date(v, fmt) if v else "",
        money=money,
        number=lambda v: format_decimal(v) if v is not None else "",
    )
    app.jinja_env.globals.update(
        LANGUAGES=LANGUAGES, localized=localized, is_zh=is_zh, current_language=pick_language
    )
    return babel
