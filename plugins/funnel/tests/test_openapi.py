"""The tenant's OpenAPI document with customers and funnel both enabled (both have a Deal schema)."""

from __future__ import annotations

from core.web.testing import bearer, make_user


def test_openapi_lists_the_funnel_beside_customers(client, kernel, tenant):
    headers = bearer(kernel, tenant, make_user(kernel, tenant, "ada"))
    response = client.get(f"/t/{tenant}/api/v1/openapi.json", headers=headers)
    assert response.status_code == 200
    document = response.json
    for path in ("/deals", "/deals/{deal_id}/stage", "/deals/{deal_id}/history", "/funnel/stages",
                 "/quotas", "/customers"):
        assert path in document["paths"], path
    schemas = document["components"]["schemas"]
    # customers (lead conversion) and funnel both have a DealSchema: two components, apart
    deals = {name for name in schemas if name in ("Deal", "CustomersDeal", "FunnelDeal")}
    assert "Deal" in deals and len(deals) == 2
    ref = document["paths"]["/deals"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    body = schemas[ref["$ref"].rsplit("/", 1)[1]]
    assert {"customer_id", "amount", "expected_close"} <= set(body["properties"])
