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
    """A data folder (and, on PostgreSQL, a database of its own) for the real ``xietong``."""

    def __init__(self, tmp_path: Path, db_backend: str):
        self.data = tmp_path / "installation"
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("XIETONG_")}
        self.env.update(XIETONG_DATA=str(self.data), PYTHONUNBUFFERED="1")
        self.database: str | None = None
        if db_backend == "postgres":
            self.database = f"xt_{uuid.uuid4().hex[:12]}"
            self._admin(f'CREATE DATABASE "{self.database}"')
            base = postgres_url().rsplit("/", 1)[0]
            self.env["XIETONG_DATABASE_URL"] = f"{base}/{self.database}"
        self.program = shutil.which("xietong") or str(Path(sys.executable).parent / "xietong")

    @staticmethod
    def _admin(sql: str) -> None:
        import psycopg2

        conn = psycopg2.connect(postgres_url())
        conn.autocommit = True
        try:
            conn.cursor().execute(sql)
        finally:
            conn.close()

    def run(self, *args: str, input: str | None = None, check: bool = True) -> subprocess.CompletedProcess:
        done = subprocess.run([self.program, *args], env=self.env, input=input, capture_output=True,
                              text=True, timeout=120, cwd=self.data.parent)
        if check and done.returncode != 0:
            raise AssertionError(f"xietong {' '.join(args)} failed ({done.returncode}):\n{done.stderr}")
        return done

    def serve(self) -> tuple[subprocess.Popen, str]:
        """Start ``xietong run`` on a free port; returns the process and the printed address."""
        port = _free_port()
        proc = subprocess.Popen([self.program, "run", "--port", str(port)], env=self.env,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                cwd=self.data.parent)
        first = proc.stdout.readline()
        return proc, first

    def close(self) -> None:
        if self.database:
            self._admin(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')


@pytest.fixture
def installation(tmp_path: Path, db_backend: str) -> Iterator[Installation]:
    inst = Installation(tmp_path, db_backend)
    yield inst
    inst.close()
