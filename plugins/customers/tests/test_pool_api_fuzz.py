"""Schemathesis runs the pool, follow-up, collaborator and lead operations of the tenant's
OpenAPI document against the app: no 5xx, every status documented, every response matching
its schema, invalid input refused. Bounded: a few examples per operation."""

from __future__ import annotations

import pytest

from core.testing import fuzz_openapi
from core.web.testing import bearer
from plugins.customers import pool as pools
from plugins.customers.pool_testing import act_as, customer, team

pytestmark = pytest.mark.xietong_plugins("plugins.customers:plugin")
OURS = ("/pools", "/pool-notices", "/followups", "/followup-plans", "/leads")
PER_CUSTOMER = ("/claim", "/release", "/assign", "/lock", "/move", "/owners", "/followups", "/followup-plans",
                "/collaborators")


def _ours(path: str) -> bool:
    if path.startswith(OURS):
        return True
    return path.startswith("/customers/{customer_id}") and any(part in path for part in PER_CUSTOMER)


def test_pool_operations_hold_up_under_generated_requests(kernel, tenant, client, db_backend):
    with kernel.tenant_context(tenant):
        people = team()
        act_as(people.boss)
        pools.create_pool({"name": "East", "departments": [people.east.id]})
        for i in range(3):
            customer(f"Fuzz {i}", owner=people.mgr if i else None)
    headers = bearer(kernel, tenant, people.mgr)
    spec = client.get(f"/t/{tenant}/api/v1/openapi.json", headers=headers).get_json()
    examples = 6 if db_backend == "sqlite" else 2
    ran = fuzz_openapi(client.application, spec, headers, examples, keep=lambda op: _ours(op.path))
    assert ran >= 30
