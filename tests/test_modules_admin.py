"""Modules per tenant from the admin page and the API (the CLI is tested in test_cli.py)."""

from __future__ import annotations

import pytest

from core.identity.models import AuditEntry
from core.web.testing import bearer, login, make_user
from tests.conftest import HEALTHY, plugin_ref

WITH_BROKEN = (*HEALTHY, plugin_ref("broken_import"))


@pytest.mark.xietong_plugins(*WITH_BROKEN)
def test_api_lists_every_installed_module_with_health(client, kernel, tenant):
    admin = make_user(kernel, tenant, "ada")
    response = client.get(f"/t/{tenant}/api/v1/modules", headers=bearer(kernel, tenant, admin))
    assert response.status_code == 200
    rows = {row["name"]: row for row in response.json["items"]}
    assert rows["core"]["required"] is True and rows["core"]["enabled"] is True
    assert rows["tags"]["depends"] == {"notes": ""} or "notes" in rows["tags"]["depends"]
    assert rows["notes"]["required_by"] == ["tags"]
    assert rows["broken_import"]["status"] == "broken"
    assert "No module named" in rows["broken_import"]["reason"]
    assert rows["broken_import"]["enabled"] is False


@pytest.mark.xietong_plugins(*HEALTHY)
def test_api_disable_and_enable_with_dependencies_and_audit(client, kernel, tenant):
    admin = make_user(kernel, tenant, "ada")
    headers = bearer(kernel, tenant, admin)
    refused = client.post(f"/t/{tenant}/api/v1/modules/notes/disable", headers=headers)
    assert refused.status_code == 409
    assert "tags" in refused.json["error"]["message"]

    assert client.post(f"/t/{tenant}/api/v1/modules/tags/disable", headers=headers).status_code == 200
    assert client.post(f"/t/{tenant}/api/v1/modules/notes/disable", headers=headers).status_code == 200
    assert not ({"notes", "tags"} & kernel.runtime(tenant, refresh=True).enabled)

    again = client.post(f"/t/{tenant}/api/v1/modules/tags/enable", headers=headers)
    assert again.status_code == 200
    assert set(again.json["changed"]) >= {"notes", "tags"}  # its dependency came back with it
    assert {"notes", "tags"} <= kernel.runtime(tenant, refresh=True).enabled
    with kernel.tenant_context(tenant):
        actions = [e.action for e in AuditEntry.select().where(AuditEntry.entity == "module")]
    assert actions.count("module_disable") == 2 and actions.count("module_enable") == 1


@pytest.mark.xietong_plugins(*WITH_BROKEN)
def test_api_bad_input(client, kernel, tenant):
    admin = make_user(kernel, tenant, "ada")
    headers = bearer(kernel, tenant, admin)
    assert client.post(f"/t/{tenant}/api/v1/modules/nope/enable", headers=headers).status_code == 404
    broken = client.post(f"/t/{tenant}/api/v1/modules/broken_import/enable", headers=headers)
    assert broken.status_code == 409 and "broken" in broken.json["error"]["message"]
    core = client.post(f"/t/{tenant}/api/v1/modules/core/disable", headers=headers)
    assert core.status_code == 409


@pytest.mark.xietong_plugins(*HEALTHY)
def test_only_admins_manage_modules(client, kernel, tenant):
    sales = make_user(kernel, tenant, "sam", role="sales")
    headers = bearer(kernel, tenant, sales)
    assert client.get(f"/t/{tenant}/api/v1/modules", headers=headers).status_code == 403
    assert client.post(f"/t/{tenant}/api/v1/modules/pulse/disable", headers=headers).status_code == 403
    assert "pulse" in kernel.runtime(tenant, refresh=True).enabled
    assert client.get(f"/t/{tenant}/api/v1/modules").status_code == 401


@pytest.mark.xietong_plugins(*HEALTHY)
def test_a_tenant_admin_changes_only_their_tenant(client, kernel, tenant_factory):
    first, second = tenant_factory(), tenant_factory()
    admin = make_user(kernel, first, "ada")
    headers = bearer(kernel, first, admin)
    assert client.post(f"/t/{first}/api/v1/modules/pulse/disable", headers=headers).status_code == 200
    assert "pulse" in kernel.runtime(second, refresh=True).enabled
    assert client.post(f"/t/{second}/api/v1/modules/pulse/disable", headers=headers).status_code == 401


@pytest.mark.xietong_plugins(*WITH_BROKEN)
def test_page_shows_modules_and_toggles_them(client, kernel, tenant):
    admin = make_user(kernel, tenant, "ada")
    csrf = login(client, tenant, admin)
    client.post(f"/t/{tenant}/language", data={"lang": "en", "csrf_token": csrf})
    page = client.get(f"/t/{tenant}/admin/modules/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'data-module="broken_import"' in html and "No module named" in html
    assert "Needed by tags" in html

    done = client.post(f"/t/{tenant}/admin/modules/pulse/disable", data={"csrf_token": csrf},
                       follow_redirects=True)
    assert done.status_code == 200 and "pulse" not in kernel.runtime(tenant, refresh=True).enabled
    assert client.post(f"/t/{tenant}/admin/modules/pulse/enable", data={}).status_code == 400  # no CSRF
    client.post(f"/t/{tenant}/admin/modules/pulse/enable", data={"csrf_token": csrf})
    assert "pulse" in kernel.runtime(tenant, refresh=True).enabled

    client.post(f"/t/{tenant}/language", data={"lang": "zh_CN", "csrf_token": csrf})
    chinese = client.get(f"/t/{tenant}/admin/modules/").get_data(as_text=True)
    assert "已损坏" in chinese and "模块" in chinese
