"""The tenant's OpenAPI document and the API page."""

from __future__ import annotations

import pytest

from tests.web.conftest import GADGETS

pytestmark = pytest.mark.xietong_plugins(GADGETS)


def test_openapi_describes_the_resources_from_their_schemas(site):
    response = site.client.get(f"{site.api}/openapi.json", headers=site.headers["admin"])
    assert response.status_code == 200
    spec = response.json
    assert spec["openapi"].startswith("3.") and spec["servers"] == [{"url": f"/t/{site.slug}/api/v1"}]
    gadget = spec["components"]["schemas"]["Gadget"]["properties"]
    assert gadget["amount"] == {"type": "string", "format": "decimal", "nullable": True,
                                "pattern": r"^-?\d{1,15}(\.\d{1,2})?$"}
    assert gadget["due_at"]["format"] == "date-time" and gadget["id"]["readOnly"] is True
    assert "id" not in spec["components"]["schemas"]["GadgetInput"]["properties"]
    assert "required" not in spec["components"]["schemas"]["GadgetPatch"]
    listing = spec["paths"]["/gadgets"]["get"]
    params = {p["name"]: p for p in listing["parameters"]}
    assert params["limit"]["schema"]["maximum"] == 200
    assert "-amount" in params["sort"]["schema"]["enum"] and "profile" not in params["sort"]["schema"]["enum"]
    assert params["status"]["schema"]["enum"] == ["new", "active", "retired"]
    assert set(spec["paths"]["/gadgets/{record_id}"]) == {"get", "patch", "delete"}
    assert "409" in spec["paths"]["/gadgets/{record_id}"]["patch"]["responses"]
    assert spec["paths"]["/webhooks"]["post"]["responses"]["201"]["content"]["application/json"]
    assert "/openapi.json" not in spec["paths"]


def test_openapi_validates_as_an_openapi_3_document(site):
    from openapi_spec_validator import validate

    validate(site.client.get(f"{site.api}/openapi.json", headers=site.headers["admin"]).json)


def test_openapi_needs_a_signed_in_caller(site):
    assert site.client.get(f"{site.api}/openapi.json").status_code == 401


def test_the_api_page_uses_local_assets_only(site):
    from tests.web.conftest import sign_in

    sign_in(site)
    page = site.client.get(f"{site.api}/docs")
    assert page.status_code == 200
    assert "/assets/vendor/swagger-ui/swagger-ui-bundle.js" in page.text and "https://" not in page.text
