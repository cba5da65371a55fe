"""Schemathesis runs the tenant's OpenAPI document against the app: no 5xx, every response
matches its schema, invalid input is refused.

Bounded: a few examples per operation. The gadgets module's resource endpoints and the core
webhook endpoints are fuzzed (the operations this framework generates). Accepting every
schema-valid body is not required: a valid-looking ``owner_id`` may name no user (422).
"""

from __future__ import annotations

import pytest

from core.testing import fuzz_openapi
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
    examples = EXAMPLES if db_backend == "sqlite" else 3
    ran = fuzz_openapi(site.app, spec, headers, examples, keep=lambda op: op.path.startswith(FUZZED))
    assert ran >= 20
