"""Browser test harness: the app on a free loopback port (waitress, real threads) and Debian's
headless Chromium driven by Playwright. Browsers are never downloaded: Chromium comes from
apt (see scripts/ci-browser-setup.sh). Screenshots go to test-artefacts/ (not committed).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTEFACTS = Path(__file__).resolve().parents[2] / "test-artefacts"
PASSWORD = "correct horse battery staple"


@pytest.fixture
def live_server(app) -> Iterator[str]:
    """Serve ``app`` with waitress on 127.0.0.1 and a free port; yields the base URL."""
    from waitress import create_server

    server = create_server(app, host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.effective_port}"
    server.close()
    thread.join(timeout=5)


@pytest.fixture
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def shots(request, db_backend) -> SimpleNamespace:
    """``shots.take(page, name)`` saves a full-page screenshot under test-artefacts/."""
    ARTEFACTS.mkdir(exist_ok=True)
    prefix = f"{request.node.originalname}-{db_backend}"

    def take(page, name: str) -> Path:
        path = ARTEFACTS / f"{prefix}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return SimpleNamespace(take=take)
