"""Custom fields: a resource's schema extended per tenant shows up in the API, forms and OpenAPI."""

from __future__ import annotations

import pytest

from core.web.testing import bearer, make_user
from tests.web.conftest import GADGETS, create_gadget, in_tenant, sign_in

pytestmark = pytest.mark.xietong_plugins(GADGETS)


def test_a_tenants_own_fields_exist_only_in_that_tenant(site, tenant_factory):
    from core.settings import set_setting

    with in_tenant(site):
        set_setting("gadgets.custom_fields", [{"name": "colour", "label": "Colour", "label_zh": "颜色"}])
    item = create_gadget(site, name="Painted", cf_colour="red")
    assert item["cf_colour"] == "red"
    changed = site.client.patch(
        f"{site.api}/gadgets/{item['id']}", json={"cf_colour": "blue"}, headers=site.headers["admin"]
    )
    assert changed.json["cf_colour"] == "blue" and changed.json["name"] == "Painted"
    with in_tenant(site):
        from tests.web.plugins.gadgets.models import Gadget

        assert Gadget.get_by_id(item["id"]).custom == {"colour": "blue"}
    spec = site.client.get(f"{site.api}/openapi.json", headers=site.headers["admin"]).json
    assert "cf_colour" in spec["components"]["schemas"]["GadgetInput"]["properties"]
    csrf = sign_in(site)
    site.client.post(f"{site.web}/language", data={"lang": "zh_CN", "csrf_token": csrf})
    form = site.client.get(f"{site.web}/gadgets/{item['id']}/edit").text
    assert "颜色" in form and 'name="cf_colour"' in form and 'value="blue"' in form

    other = tenant_factory()
    boss = make_user(site.kernel, other, "boss", role="admin")
    headers = bearer(site.kernel, other, boss)
    refused = site.client.post(
        f"/t/{other}/api/v1/gadgets", json={"name": "x", "cf_colour": "red"}, headers=headers
    )
    assert refused.status_code == 422 and "cf_colour" in refused.json["error"]["fields"]
    spec = site.client.get(f"/t/{other}/api/v1/openapi.json", headers=headers).json
    assert "cf_colour" not in spec["components"]["schemas"]["GadgetInput"]["properties"]
