"""Pytest fixtures for Xietong CRM and its plugins (a ``pytest11`` plugin, like CKAN's).

Every fixture that touches a database runs once per backend: SQLite always, PostgreSQL when
``XIETONG_TEST_BACKENDS`` names it (CI does) or the server at ``XIETONG_TEST_POSTGRES_URL``
answers. Pick the plugins of an app with ``@pytest.mark.xietong_plugins("pkg.mod:plugin", …)``;
without the marker the app loads every installed plugin, as production does.
"""

from __future__ import annotations

import itertools
import os
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest

DEFAULT_PG_URL = "postgresql://postgres@127.0.0.1:5432/test"
_counter = itertools.count(1)


def postgres_url() -> str:
    return os.environ.get("XIETONG_TEST_POSTGRES_URL", DEFAULT_PG_URL)


def _postgres_reachable() -> bool:
    try:
        import psycopg2

        psycopg2.connect(postgres_url(), connect_timeout=2).close()
        return True
    except Exception:
        return False


def _backends() -> list[str]:
    named = os.environ.get("XIETONG_TEST_BACKENDS")
    if named:
        return [b.strip() for b in named.split(",") if b.strip()]
    return ["sqlite", "postgres"] if _postgres_reachable() else ["sqlite"]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "xietong_plugins(*plugins): load exactly these plugins")
    config.addinivalue_line("markers", "xietong_config(**values): extra app configuration")
    config.addinivalue_line("markers", "xietong_fresh_app: build an app for this test alone")
    config._xietong_backends = _backends()


def pytest_report_header(config: pytest.Config) -> str:
    return f"xietong database backends: {', '.join(config._xietong_backends)}"


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "db_backend" in metafunc.fixturenames:
        metafunc.parametrize("db_backend", metafunc.config._xietong_backends, scope="function")


def unique_slug(prefix: str = "t") -> str:
    """A tenant slug no other test uses, even across xdist workers."""
    return f"{prefix}-{uuid.uuid4().hex[:8]}{next(_counter)}"


@pytest.fixture
def xietong_config(tmp_path, db_backend: str, request: pytest.FixtureRequest) -> dict[str, Any]:
    """The configuration of the test app: a fresh data folder, the chosen backend."""
    config: dict[str, Any] = {
        "TESTING": True,
        "XIETONG_DATA": str(tmp_path / "data"),
        "SECRET_KEY": "test-secret",
        "XIETONG_QUEUE": "auto",
        "XIETONG_DATABASE_URL": None,
        # The environment's Redis is not the test's: a test opts in with xietong_config, and
        # its queue gets a name of its own so parallel tests never take each other's tasks.
        "XIETONG_REDIS_URL": None,
        "XIETONG_QUEUE_NAME": f"xietong-test-{uuid.uuid4().hex[:12]}",
    }
    if db_backend == "postgres":
        tag = uuid.uuid4().hex[:10]
        config.update(
            XIETONG_DATABASE_URL=postgres_url(),
            XIETONG_SCHEMA_PREFIX=f"x{tag}_",
            XIETONG_CONTROL_SCHEMA=f"x{tag}_control",
        )
    marker = request.node.get_closest_marker("xietong_plugins")
    if marker is not None:
        config["XIETONG_PLUGINS"] = list(marker.args)
    extra = request.node.get_closest_marker("xietong_config")
    if extra is not None:
        config.update(extra.kwargs)
    return config


def _drop_app(application: Any) -> None:
    kernel = application.extensions["xietong"]
    for tenant in kernel.tenants():
        kernel.drop_tenant(tenant.slug)
    if not kernel.control_db.is_closed():
        kernel.control_db.close()
    kernel.databases.drop_control()


def _reset_app(application: Any, config_snapshot: dict[str, Any]) -> None:
    """Leave a shared app as a fresh one: no tenants, no queued tasks, its own config."""
    kernel = application.extensions["xietong"]
    for tenant in kernel.tenants():
        kernel.drop_tenant(tenant.slug)
    application.config.clear()
    application.config.update(config_snapshot)
    application.extensions["xietong.queue"].huey.flush()


@pytest.fixture(scope="session")
def _xietong_shared_apps(tmp_path_factory) -> Iterator[dict[Any, Any]]:
    apps: dict[Any, Any] = {}
    yield apps
    for application, _ in apps.values():
        _drop_app(application)


def _cache_key(config: dict[str, Any], backend: str) -> tuple:
    ignored = {"XIETONG_DATA", "XIETONG_QUEUE_NAME", "XIETONG_SCHEMA_PREFIX", "XIETONG_CONTROL_SCHEMA"}
    return (backend, repr(sorted((k, repr(v)) for k, v in config.items() if k not in ignored)))


@pytest.fixture
def app(xietong_config: dict[str, Any], db_backend: str, request: pytest.FixtureRequest,
        _xietong_shared_apps: dict[Any, Any]) -> Iterator[Any]:
    """A Xietong app; every tenant a test created is dropped after it.

    Building an app registers every plugin's routes, which is slow, and tenants are what
    isolates data, so tests with the same configuration share one app (per xdist worker).
    Its config is restored and its queue emptied after each test. Mark a test
    ``xietong_fresh_app`` when it needs an app of its own (its data folder is then
    ``xietong_config["XIETONG_DATA"]``).
    """
    from core.app import create_app

    if request.node.get_closest_marker("xietong_fresh_app"):
        application = create_app(xietong_config)
        yield application
        _drop_app(application)
        return
    key = _cache_key(xietong_config, db_backend)
    if key not in _xietong_shared_apps:
        application = create_app(xietong_config)
        _xietong_shared_apps[key] = (application, dict(application.config))
    application, snapshot = _xietong_shared_apps[key]
    for name in ("XIETONG_DATA", "XIETONG_QUEUE_NAME", "XIETONG_SCHEMA_PREFIX", "XIETONG_CONTROL_SCHEMA"):
        if name in snapshot:  # so that tests reading xietong_config see the app they got
            xietong_config[name] = snapshot[name]
    try:
        yield application
    finally:
        _reset_app(application, snapshot)


@pytest.fixture
def kernel(app) -> Any:
    return app.extensions["xietong"]


@pytest.fixture
def tenant_factory(kernel) -> Callable[..., str]:
    """``make(slug=None, modules=None, name=None)`` creates a tenant and returns its slug."""

    def make(slug: str | None = None, modules: list[str] | None = None, name: str | None = None) -> str:
        slug = slug or unique_slug()
        kernel.create_tenant(slug, name or f"Company {slug}", modules=modules)
        return slug

    return make


@pytest.fixture
def tenant(tenant_factory) -> str:
    """One tenant with every healthy plugin enabled."""
    return tenant_factory()


@pytest.fixture
def client(app):
    return app.test_client()


# -- browser tests ------------------------------------------------------------------------------
# Debian's Chromium driven by Playwright (never a downloaded browser): scripts/ci-browser-setup.sh
# installs it. Mark such tests ``browser``.

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync")


@pytest.fixture
def live_server(app) -> Iterator[str]:
    """Serve ``app`` with waitress (real threads) on 127.0.0.1 and a free port; the base URL."""
    import threading

    from waitress import create_server

    server = create_server(app, host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.effective_port}"
    server.close()
    thread.join(timeout=5)


@pytest.fixture
def chromium() -> Iterator[Any]:
    """A headless Chromium (Playwright's sync API) for one test."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                             args=list(CHROMIUM_ARGS))
        yield browser
        browser.close()


# -- API fuzzing --------------------------------------------------------------------------------


def fuzz_openapi(app: Any, spec: dict[str, Any], headers: dict[str, str], examples: int = 2,
                 keep: Callable[[Any], bool] | None = None) -> int:
    """Run schemathesis over ``spec``'s operations (those ``keep`` accepts) through ``app``'s WSGI
    interface: no 5xx, every response matching its schema. Accepting every schema-valid body is
    not required (a valid-looking id may name no record). Returns how many operations ran;
    fails with every failing operation named."""
    import schemathesis
    from hypothesis import HealthCheck, given, settings
    from schemathesis.specs.openapi.checks import positive_data_acceptance

    schema = schemathesis.openapi.from_dict(spec)
    schema.app = app  # in this process, never over the network
    operations = [result.ok() for result in schema.get_all_operations()]
    operations = [op for op in operations if keep is None or keep(op)]
    failures: dict[str, str] = {}
    for operation in operations:

        @settings(max_examples=examples, deadline=None, database=None, derandomize=True,
                  suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy())
        def check(case: Any) -> None:
            response = case.call(headers=headers)
            assert response.status_code < 500, response.text
            case.validate_response(response, headers=headers, excluded_checks=[positive_data_acceptance])

        try:
            check()
        except (AssertionError, BaseExceptionGroup) as exc:  # collected: report all at once
            failures[operation.label] = str(exc)[:500]
    assert not failures, failures
    return len(operations)
