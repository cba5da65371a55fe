"""Schemathesis over the whole OpenAPI document of a tenant with every installed module:
no 5xx, every response matches its schema (status codes included). Bounded: a couple of
examples per operation, run as an admin so every operation is reachable."""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from core.web.testing import bearer, make_user


def test_every_module_operation_holds_up_under_generated_requests(app, client, kernel, tenant, db_backend):
    headers = bearer(kernel, tenant, make_user(kernel, tenant, "ada"))
    spec = client.get(f"/t/{tenant}/api/v1/openapi.json", headers=headers).json
    schema = schemathesis.openapi.from_dict(spec)
    schema.app = app  # through WSGI in this process, never over the network
    operations = [result.ok() for result in schema.get_all_operations()]
    modules = {op.path.strip("/").split("/")[0] for op in operations}
    assert {"customers", "deals", "desktop", "pools", "users", "modules"} <= modules
    examples = 2 if db_backend == "sqlite" else 1
    failures = {}
    for operation in operations:

        @settings(max_examples=examples, deadline=None, database=None, derandomize=True,
                  suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy())
        def check(case):
            response = case.call(headers=headers)
            assert response.status_code < 500, response.text
            case.validate_response(response, headers=headers, excluded_checks=[positive_data_acceptance])

        try:
            check()
        except (AssertionError, BaseExceptionGroup) as exc:  # collect all, report together
            failures[operation.label] = str(exc)[:500]
    assert not failures, failures
