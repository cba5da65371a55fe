"""Schemathesis runs the desktop's part of the tenant's OpenAPI document against the app: no
5xx, every response matches its documented schema. Bounded: a few examples per operation."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from plugins.desktop.tests.conftest import DESKTOP

pytestmark = pytest.mark.xietong_plugins(DESKTOP)


def test_desktop_operations_hold_up_under_generated_requests(app, tenant, person, db_backend):
    admin = person(tenant, "root", role="admin")
    headers = {"Authorization": f"Bearer {admin.token}"}
    admin.post("/api/v1/desktop/announcements", json={"title": "Seed", "body": "<p>hi</p>"})
    spec = admin.get("/api/v1/openapi.json").get_json()
    schema = schemathesis.openapi.from_dict(spec)
    schema.app = app  # through WSGI in this process, never over the network
    operations = [result.ok() for result in schema.get_all_operations()]
    operations = [op for op in operations if op.path.startswith("/desktop")]
    assert len(operations) >= 15
    examples = 8 if db_backend == "sqlite" else 3

    for operation in operations:

        @settings(max_examples=examples, deadline=None, database=None, derandomize=True,
                  suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy())
        def check(case):
            response = case.call(headers=headers)
            assert response.status_code < 500, (case.operation.label, response.text)
            case.validate_response(response, headers=headers, excluded_checks=[positive_data_acceptance])

        check()
