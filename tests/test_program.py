"""The real ``xietong`` program, as an admin runs it: every installed plugin, a real server."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request

from tests.conftest import Installation


def _get(url: str) -> tuple[int, dict[str, str], bytes]:
    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(url, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


def test_init_run_and_healthz(installation: Installation):
    first = installation.run("init")
    lines = first.stdout.splitlines()
    assert lines[0].startswith("created tenant default with modules: core")
    assert lines[-1] == f"data folder: {installation.data}"
    again = installation.run("init")
    assert again.stdout.splitlines()[0] == "tenant default exists; enabled nothing new"

    proc, banner = installation.serve()
    try:
        assert banner.startswith("Xietong CRM 0.1.0 at http://127.0.0.1:")
        address = banner.split(" at ", 1)[1].split()[0]
        deadline = time.monotonic() + 30
        while True:
            try:
                status, _, body = _get(address + "healthz")
                break
            except OSError:
                assert proc.poll() is None, proc.stdout.read()
                assert time.monotonic() < deadline, "the server did not answer within 30 s"
                time.sleep(0.2)
        assert status == 200
        assert json.loads(body)["status"] == "ok"
        status, headers, _ = _get(address)
        assert status == 302 and headers["Location"].endswith("/t/default/")
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_tenants_and_plugins_from_the_shell(installation: Installation):
    created = installation.run("tenant", "create", "acme", "--name", "Acme 贸易")
    assert created.stdout.startswith("created tenant acme (Acme 贸易); modules: core")
    plugins = installation.run("plugins").stdout.splitlines()
    assert plugins[0] == "core\t0.1.0\t-\tok"
    assert [line for line in plugins if not line.endswith("\tok")] == [], "installed plugins must all load"
    assert any(line.startswith("hello\t1.0.0\t") for line in plugins)  # the pip-installed example


def test_bad_input_from_the_shell_is_one_line_on_stderr(tmp_path):
    installation = Installation(tmp_path, None)
    cases = {
        ("tenant", "create", "Bad_Slug", "--name", "X"): "xietong: error: invalid tenant slug 'Bad_Slug': "
        "use 1-40 lowercase letters, digits and dashes, starting and ending with a letter or digit",
        ("module", "enable", "--tenant", "nobody", "core"):
            "xietong: error: unknown tenant 'nobody'; see 'xietong tenant list'",
    }
    for args, message in cases.items():
        done = installation.run(*args, check=False)
        assert done.returncode == 2, args
        assert done.stderr.splitlines() == [message]
        assert done.stdout == ""
