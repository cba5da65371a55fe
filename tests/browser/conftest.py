"""Browser test harness: ``live_server`` and ``chromium`` come from core.testing (the app on a
free loopback port; Debian's headless Chromium driven by Playwright, never a downloaded
browser). Screenshots go to test-artefacts/ (not committed).
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

ARTEFACTS = Path(__file__).resolve().parents[2] / "test-artefacts"
PASSWORD = "correct horse battery staple"


@pytest.fixture
def browser(chromium):
    """Here ``browser`` is Chromium (tests/conftest.py's ``browser`` is a signed-in client)."""
    return chromium


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
