"""Tenant isolation over every registered route: one tenant's data never shows in another's.

The app loads every installed plugin (built-ins, the example) plus the test plugins. Tenant A
is filled with data; tenant B has every module and data of its own; tenant C has no module.
Then every rule of ``app.url_map`` under ``/t/<tenant>`` is requested in B with A's record ids,
by every method it accepts, as B's admin. No answer may contain a value that exists only in
A's database, A's data must be unchanged afterwards, and in C every module route is 404.
"""

from __future__ import annotations

import contextlib
import re
import uuid
import warnings
from importlib.metadata import entry_points
from typing import Any

import pytest

from core.web.testing import CSRF_VALUE, login, make_user
from tests.conftest import LEDGER, NOTES, PULSE, TAGS
from tests.plugins.ledger.models import Entry

PLUGINS = sorted({ep.value for ep in entry_points(group="crm.plugins")}) + [NOTES, TAGS, PULSE, LEDGER]
WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
DATE_LIKE = re.compile(r"^\d{4}-\d\d-\d\d")

pytestmark = pytest.mark.xietong_plugins(*PLUGINS)


class Admin:
    """A browser signed in as an admin of one tenant; signs in again if a request logged it out."""

    def __init__(self, app: Any, slug: str):
        self.kernel = app.extensions["xietong"]
        self.client = app.test_client()
        self.slug = slug
        self.sign_in()

    def sign_in(self) -> None:
        user = make_user(self.kernel, self.slug, f"admin-{uuid.uuid4().hex[:8]}", role="admin")
        login(self.client, self.slug, user)

    def open(self, url: str, method: str = "GET", **kwargs: Any) -> Any:
        kwargs.setdefault("headers", {"X-CSRF-Token": CSRF_VALUE})
        response = self.client.open(url, method=method, **kwargs)
        logged_out = response.status_code == 401 or (
            response.status_code in (302, 303) and "/login" in response.headers.get("Location", "")
        )
        if logged_out:  # an earlier request (logout, deactivating a user…) ended the session
            self.sign_in()
            response = self.client.open(url, method=method, **kwargs)
        return response


def _no_progress(label: str, total: int) -> Any:
    class Bar:
        def update(self, n: int) -> None:
            pass

    return contextlib.nullcontext(Bar())


def _fill(kernel: Any, admin: Admin, label: str) -> dict[str, int]:
    """Data in every module of the tenant: the test plugins' APIs and every crm_demo_data."""
    ids = {}
    for i in range(3):
        note = admin.open(f"/t/{admin.slug}/api/v1/notes", "POST",
                          json={"title": f"{label} note {i} {uuid.uuid4().hex}",
                                "body": f"{label} body {uuid.uuid4().hex}"})
        assert note.status_code == 201, note.text
        ids["note"] = note.json["id"]
    tag = admin.open(f"/t/{admin.slug}/api/v1/notes/{ids['note']}/tags", "POST",
                     json={"label": f"{label}-tag-{uuid.uuid4().hex[:12]}"})
    ids["tag"] = tag.json["id"]
    beat = admin.open(f"/t/{admin.slug}/api/v1/pulse/beats", "POST",
                      json={"label": f"{label} beat {uuid.uuid4().hex}"})
    ids["beat"] = beat.json["id"]
    with kernel.tenant_context(admin.slug) as runtime:
        ids["entry"] = Entry.create(description=f"{label} entry {uuid.uuid4().hex}", amount_minor=4200).id
        # each module's demo data, in dependency order; a module whose demo fails is reported
        # (its own tests own that failure) and the others still fill the tenant
        for impl in sorted(runtime.hooks.crm_demo_data.get_hookimpls(),
                           key=lambda impl: kernel.healthy().index(impl.plugin_name)):
            try:
                with runtime.database.atomic():
                    arguments = {"kernel": kernel, "tenant": admin.slug, "progress": _no_progress,
                                 "counts": {"customers": 3, "deals": 3}}
                    impl.function(**{name: arguments[name] for name in impl.argnames})
            except Exception as exc:
                warnings.warn(f"demo data of {impl.plugin_name} failed: {type(exc).__name__}: {exc}",
                              stacklevel=1)
    return ids


def _dump(kernel: Any, slug: str) -> dict[str, list[str]]:
    """Every row of every table in the tenant's database."""
    with kernel.tenant_context(slug) as runtime:
        db = runtime.database
        return {table: sorted(map(repr, db.execute_sql(f'SELECT * FROM "{table}"').fetchall()))
                for table in db.get_tables()}


def _strings(kernel: Any, slug: str) -> set[str]:
    with kernel.tenant_context(slug) as runtime:
        db = runtime.database
        found = set()
        for table in db.get_tables():
            for row in db.execute_sql(f'SELECT * FROM "{table}"').fetchall():
                found.update(v for v in row if isinstance(v, str))
        return found


def _distinctive(kernel: Any, own: str, other: str) -> set[str]:
    """Values stored only in tenant ``own``: seeing one through ``other`` is a leak."""
    values = _strings(kernel, own) - _strings(kernel, other)
    return {v for v in values if len(v) >= 8 and not DATE_LIKE.match(v) and not v.strip().isdigit()}


def _url(rule: Any, slug: str, record_id: int) -> str:
    values: dict[str, Any] = {}
    for name in rule.arguments - {"tenant"}:
        converter = type(rule._converters[name]).__name__
        values[name] = uuid.UUID(int=record_id) if converter == "UUIDConverter" else (
            record_id if converter in ("IntegerConverter", "NumberConverter", "FloatConverter")
            else str(record_id)
        )
    values["tenant"] = slug
    built = rule.build(values)
    assert built is not None, rule.rule
    return built[1]


def _owner(kernel: Any, endpoint: str) -> str:
    return kernel.blueprint_owner.get(endpoint.split(".")[0], "core")


def test_no_route_shows_or_changes_another_tenants_data(app, kernel, tenant_factory):
    a, b, c = tenant_factory("tenant-a"), tenant_factory("tenant-b"), tenant_factory("tenant-c", modules=[])
    admin_a, admin_b = Admin(app, a), Admin(app, b)
    a_ids = _fill(kernel, admin_a, "A")
    _fill(kernel, admin_b, "B")
    assert kernel.runtime(a).enabled == kernel.runtime(b).enabled == frozenset(kernel.healthy())

    secrets = _distinctive(kernel, a, b)
    assert len(secrets) >= 6
    # the check can fail: A's own API shows A's values
    shown = admin_a.open(f"/t/{a}/api/v1/notes/{a_ids['note']}").text
    assert any(secret in shown for secret in secrets)

    rules = sorted((r for r in app.url_map.iter_rules() if "tenant" in r.arguments), key=lambda r: r.rule)
    assert len(rules) >= 10
    ids = sorted({1, a_ids["note"]})  # ids that exist in A (and in B, which has data of its own)
    before = _dump(kernel, a)
    leaks, requests = [], 0
    for method_group in (("GET",), WRITE_METHODS):  # reads first, then writes
        for rule in rules:
            for method in sorted(rule.methods & set(method_group)):
                takes_id = bool(rule.arguments - {"tenant"})
                for record_id in (ids if method == "GET" else ids[-1:]) if takes_id else ids[:1]:
                    url = _url(rule, b, record_id)
                    body = {} if method != "GET" else None
                    response = admin_b.open(url, method, json=body)
                    requests += 1
                    text = response.get_data(as_text=True)
                    found = [s for s in secrets if s in text]
                    if found:
                        leaks.append(f"{method} {url} -> {response.status_code} shows {found[0]!r}")
    assert leaks == []
    assert requests >= len(rules)
    assert _dump(kernel, a) == before, "requests in tenant B changed tenant A's data"

    # a tenant without a module: every route of it is 404, by every method, even signed out
    anonymous = app.test_client()
    visible = []
    for rule in rules:
        if _owner(kernel, rule.endpoint) == "core":
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            url = _url(rule, c, ids[-1])
            status = anonymous.open(url, method=method, json={} if method != "GET" else None).status_code
            if status != 404:
                visible.append(f"{method} {url} -> {status}")
    assert visible == []
