"""Schemathesis runs the tenant's OpenAPI document against the app: no 5xx, every response
matches its schema, invalid input is refused.

Bounded: a few examples per operation. The gadgets module's resource endpoints and the core
webhook endpoints are fuzzed (the operations this framework generates). Accepting every
schema-valid body is not required: a valid-looking ``owner_id`` may name no user (422).
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tests.web.conftest import GADGETS, create_gadget

pytestmark = pytest.mark.xietong_plugins(GADGETS)

FUZZED = ("/gadgets", "/parts", "/webhooks")
EXAMPLES = 8


def test_openapi_operations_hold_up_under_generated_requests(site, db_backend):
    headers = site.headers["admin"]
    create_gadget(site, name="seed", amount="1.00")
    site.client.put(
        f"{site.api}/webhooks/settings", json={"allowed_hosts": ["hooks.example.com"]}, headers=headers
    )
    spec = site.client.get(f"{site.api}/openapi.json", headers=headers).json
    schema = schemathesis.openapi.from_dict(spec)
    schema.app = site.app  # calls go through WSGI in this process, never over the network
    operations = [result.ok() for result in schema.get_all_operations()]
    operations = [op for op in operations if op.path.startswith(FUZZED)]
    assert len(operations) >= 20
    examples = EXAMPLES if db_backend == "sqlite" else 3

    for operation in operations:

        @settings(
            max_examples=examples,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def check(case):
            response = case.call(headers=headers)
            assert response.status_code < 500, (case.operation.label, response.text)
            case.validate_response(response, headers=headers, excluded_checks=[positive_data_acceptance])

        check()
