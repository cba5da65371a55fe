"""Tenant URLs: a slug that cannot name a tenant is a plain 404, never a database error."""

from __future__ import annotations

import pytest

from tests.conftest import HEALTHY


@pytest.mark.xietong_plugins(*HEALTHY)
@pytest.mark.parametrize("slug", ["a%00b", "A" * 300, "UPPER", "-dash", "%E5%8D%8E%E4%B8%BA"])
def test_malformed_tenant_slug_is_404(client, tenant, slug):
    for path in (f"/t/{slug}/", f"/t/{slug}/api/v1/users", f"/t/{slug}/login"):
        response = client.get(path)
        assert response.status_code == 404, path


@pytest.mark.xietong_plugins(*HEALTHY)
def test_unknown_tenant_api_gives_the_contract_error_shape(client, tenant):
    response = client.get("/t/no-such-tenant/api/v1/users")
    assert response.status_code == 404
    assert response.json["error"]["code"] == "not_found"
