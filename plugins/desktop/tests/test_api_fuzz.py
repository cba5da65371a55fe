"""Schemathesis runs the desktop's part of the tenant's OpenAPI document against the app: no
5xx, every response matches its documented schema. Bounded: a few examples per operation."""

from __future__ import annotations

import pytest

from core.testing import fuzz_openapi
from plugins.desktop.tests.conftest import DESKTOP

pytestmark = pytest.mark.xietong_plugins(DESKTOP)


def test_desktop_operations_hold_up_under_generated_requests(app, tenant, person, db_backend):
    admin = person(tenant, "root", role="admin")
    headers = {"Authorization": f"Bearer {admin.token}"}
    admin.post("/api/v1/desktop/announcements", json={"title": "Seed", "body": "<p>hi</p>"})
    spec = admin.get("/api/v1/openapi.json").get_json()
    examples = 8 if db_backend == "sqlite" else 3
    ran = fuzz_openapi(app, spec, headers, examples, keep=lambda op: op.path.startswith("/desktop"))
    assert ran >= 15
