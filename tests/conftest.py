"""Shared helpers for the kernel tests (the fixtures themselves come from core.testing)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from click.testing import CliRunner, Result

from core.testing import postgres_url

REPO = Path(__file__).resolve().parent.parent

NOTES = "tests.plugins.notes:plugin"
TAGS = "tests.plugins.tags:plugin"
PULSE = "tests.plugins.pulse:plugin"
LEDGER = "tests.plugins.ledger:plugin"
LEDGER_V2 = "tests.plugins.ledger:plugin_v2"
HEALTHY = (NOTES, TAGS, PULSE)

REDIS_URL = os.environ.get("XIETONG_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def plugin_ref(name: str) -> str:
    """The "module:attr" reference of the test plugin package ``tests.plugins.<name>``."""
    return f"tests.plugins.{name}:plugin"


def make_user(role: str = "guest", username: str = "gus", **extra: Any) -> Any:
    """A stand-in for a signed-in user, enough for the hooks the test plugins implement.

    ``is_admin`` is true so that the kernel's own permission hooks answer without looking up
    identity tables; the test plugins decide by ``role``.
    """
    fields = {"id": 1, "username": username, "role": role, "active": True, "is_admin": True,
              "role_id": None, "department_id": None}
    fields.update(extra)
    return SimpleNamespace(**fields)


def flatten(results: list[Any]) -> list[Any]:
    """A hook's per-plugin lists, flattened (None answers dropped)."""
    return [item for result in results if result for item in result]


def impl_names(caller: Any) -> set[str]:
    """The plugins a (possibly tenant-filtered) hook caller reaches."""
    return {impl.plugin_name for impl in caller.get_hookimpls()}


# -- requests as a signed-in user ----------------------------------------------------------------


class SignedIn:
    """A test client that is signed in, as an admin, to every tenant whose URLs it opens.

    Every tenant request needs a signed-in user (core.identity's guard); the kernel tests are
    about routing, modules and isolation, so each tenant gets an admin account the first time
    the client visits it, bound to the session as the login page would (core.web.testing).
    """

    USERNAME = "kernel-tester"

    def __init__(self, app: Any):
        self.app = app
        self.kernel = app.extensions["xietong"]
        self.client = app.test_client()
        self._signed_in: set[str] = set()

    def _sign_in(self, path: str) -> None:
        from core.identity.models import User
        from core.tenancy import Tenant
        from core.web.testing import login, make_user

        parts = path.split("/")
        if len(parts) < 3 or parts[1] != "t" or parts[2] in self._signed_in:
            return
        slug = parts[2]
        with self.app.app_context():
            if Tenant.get_or_none(Tenant.slug == slug) is None:
                return
        with self.kernel.tenant_context(slug):
            user = User.get_or_none(User.username == self.USERNAME)
        user = user or make_user(self.kernel, slug, self.USERNAME, role="admin")
        login(self.client, slug, user)
        self._signed_in.add(slug)

    def open(self, path: str, method: str = "GET", **kwargs: Any) -> Any:
        from core.web.testing import CSRF_VALUE

        self._sign_in(path)
        headers = {"X-CSRF-Token": CSRF_VALUE, **kwargs.pop("headers", {})}
        return self.client.open(path, method=method, headers=headers, **kwargs)

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.open(path, "GET", **kwargs)

    def post(self, path: str, **kwargs: Any) -> Any:
        return self.open(path, "POST", **kwargs)

    def patch(self, path: str, **kwargs: Any) -> Any:
        return self.open(path, "PATCH", **kwargs)

    def delete(self, path: str, **kwargs: Any) -> Any:
        return self.open(path, "DELETE", **kwargs)


@pytest.fixture
def browser(app) -> SignedIn:
    """Like ``client``, but signed in as an admin of each tenant it visits."""
    return SignedIn(app)


# -- command line ------------------------------------------------------------------------------


@pytest.fixture
def cli(kernel) -> Callable[..., Result]:
    """``cli("tenant", "list")`` runs the ``xietong`` command line against the test app."""
    from core.cli import main

    def invoke(*args: str, input: str | None = None, on: Any = None) -> Result:
        return CliRunner().invoke(main, list(args), obj=on or kernel, input=input, catch_exceptions=False)

    return invoke


def stderr_lines(result: Result) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.strip()]


# -- more apps in one process -----------------------------------------------------------------


@pytest.fixture
def make_app(app, xietong_config: dict[str, Any], tmp_path: Path,
             db_backend: str) -> Iterator[Callable[..., Any]]:
    """``make_app(plugins=[...], share=False, **config)`` builds another app in this process.

    ``share=True`` opens the same installation as ``app`` (another process would), else the
    new app has its own data folder and, on PostgreSQL, its own schemas.
    """
    from core.app import create_app

    made: list[tuple[Any, bool]] = []

    def make(plugins: list[str] | None = None, share: bool = False, **overrides: Any) -> Any:
        config = dict(xietong_config)
        if not share:
            config["XIETONG_DATA"] = str(tmp_path / f"app-{len(made) + 2}")
            if db_backend == "postgres":
                tag = uuid.uuid4().hex[:10]
                config.update(XIETONG_SCHEMA_PREFIX=f"x{tag}_", XIETONG_CONTROL_SCHEMA=f"x{tag}_control")
        if plugins is not None:
            config["XIETONG_PLUGINS"] = list(plugins)
        config.update(overrides)
        application = create_app(config)
        made.append((application, share))
        return application

    yield make
    for application, shared in reversed(made):
        kernel = application.extensions["xietong"]
        if not shared:
            for row in kernel.tenants():
                kernel.drop_tenant(row.slug)
        for db in [*kernel._tenant_dbs.values(), kernel.control_db]:
            if not db.is_closed():
                db.close()
        if not shared:
            kernel.databases.drop_control()


# -- the real ``xietong`` program in a subprocess ------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Installation:
    """A data folder (and, on PostgreSQL, its schemas) for the real ``xietong`` program."""

    def __init__(self, tmp_path: Path, database_url: str | None):
        self.data = tmp_path / "installation"
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("XIETONG_")}
        # the program runs this checkout's code, wherever the package was installed from
        path = os.pathsep.join(p for p in (str(REPO), os.environ.get("PYTHONPATH")) if p)
        self.env.update(XIETONG_DATA=str(self.data), PYTHONUNBUFFERED="1", PYTHONPATH=path)
        if database_url:
            self.env["XIETONG_DATABASE_URL"] = database_url
        self.program = shutil.which("xietong") or str(Path(sys.executable).parent / "xietong")

    def run(self, *args: str, input: str | None = None, check: bool = True) -> subprocess.CompletedProcess:
        done = subprocess.run([self.program, *args], env=self.env, input=input, capture_output=True,
                              text=True, timeout=120, cwd=self.data.parent)
        if check and done.returncode != 0:
            raise AssertionError(f"xietong {' '.join(args)} failed ({done.returncode}):\n{done.stderr}")
        return done

    def serve(self) -> tuple[subprocess.Popen, str]:
        """Start ``xietong run`` on a free port; returns the process and the line it printed."""
        port = _free_port()
        proc = subprocess.Popen([self.program, "run", "--port", str(port)], env=self.env,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                cwd=self.data.parent)
        for _ in range(50):  # log lines (warnings) may come first
            line = proc.stdout.readline()
            if not line or line.startswith("Xietong CRM"):
                return proc, line
        return proc, ""


@pytest.fixture
def installation(tmp_path: Path, db_backend: str) -> Iterator[Installation]:
    """An installation for the real program; on PostgreSQL, schemas of its own in the test database."""
    inst = Installation(tmp_path, postgres_url() if db_backend == "postgres" else None)
    if db_backend == "postgres":
        tag = uuid.uuid4().hex[:10]
        inst.env.update(XIETONG_SCHEMA_PREFIX=f"p{tag}_", XIETONG_CONTROL_SCHEMA=f"p{tag}_control")
    yield inst
    if db_backend == "postgres":
        import psycopg2

        conn = psycopg2.connect(postgres_url())
        conn.autocommit = True
        try:
            cursor = conn.cursor()
            cursor.execute("SELECT nspname FROM pg_namespace WHERE nspname LIKE %s", (f"p{tag}\\_%",))
            for (schema,) in cursor.fetchall():
                cursor.execute(f'DROP SCHEMA "{schema}" CASCADE')
        finally:
            conn.close()
