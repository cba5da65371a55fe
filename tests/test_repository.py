"""The README's two commands, .ci/run and the docs agree with each other and with the code."""

from __future__ import annotations

import re
import subprocess

from core.config import ENV_KEYS
from tests.conftest import REPO

README = (REPO / "README.md").read_text(encoding="utf-8")
CI = (REPO / ".ci" / "run").read_text(encoding="utf-8")


def _command_after(heading: str) -> str:
    section = README.split(f"## {heading}", 1)[1]
    [command] = re.findall(r"```sh\n(.+?)\n```", section, re.S)[:1]
    assert "\n" not in command.strip(), f"the command under '{heading}' must be one line"
    return command.strip()


def test_ci_runs_the_readme_test_command_exactly():
    command = _command_after("Run the tests")
    assert command in CI.splitlines()
    assert "./examples/xietong-hello" in command and "pytest" in command
    assert CI.splitlines()[CI.splitlines().index(command) - 1].startswith("#")  # said so, above it
    assert "export XIETONG_TEST_BACKENDS=sqlite,postgres" in CI
    assert "set -euo pipefail" in CI
    assert "browser prerequisites" in CI.lower()
    assert subprocess.run(["bash", "-n", str(REPO / ".ci" / "run")]).returncode == 0


def test_readme_run_command_initialises_and_serves():
    command = _command_after("Run it")
    assert "xietong init" in command and command.endswith("xietong run")


def test_readme_documents_the_contract_environment():
    for key in ("XIETONG_DATA", "XIETONG_DATABASE_URL", "XIETONG_REDIS_URL", "XIETONG_SECRET_KEY"):
        assert f"`{key}`" in README
        assert key in ENV_KEYS
    admin = (REPO / "docs" / "admin.md").read_text(encoding="utf-8")
    assert [key for key in ENV_KEYS if f"`{key}`" not in admin] == []


def test_relative_links_in_readme_and_docs_exist():
    broken = []
    docs = [REPO / "README.md", *(REPO / "docs" / name for name in ("admin.md", "plugins.md", "hooks.md"))]
    for doc in docs:
        for target in re.findall(r"\]\(([^)#\s]+)[^)]*\)", doc.read_text(encoding="utf-8")):
            if not re.match(r"[a-z]+:", target) and not (doc.parent / target).exists():
                broken.append(f"{doc.relative_to(REPO)} -> {target}")
    assert broken == []
