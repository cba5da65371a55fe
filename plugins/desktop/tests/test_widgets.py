"""GET /desktop/widgets and /desktop/widgets/<key>: modules, permissions, failures, 404s."""

from __future__ import annotations

import pytest

from plugins.desktop.tests.conftest import LAB

pytestmark = pytest.mark.xietong_plugins(*LAB)


def keys(response) -> list[str]:
    assert response.status_code == 200, response.get_data(as_text=True)
    return [item["key"] for item in response.get_json()["items"]]


def test_list_names_module_size_and_titles(tenant, person):
    boss = person(tenant, "boss", role="admin")
    body = boss.get(boss.api("/widgets")).get_json()
    assert body["next"] is None
    by_key = {item["key"]: item for item in body["items"]}
    assert by_key["lab.count"] == {"key": "lab.count", "title": "Lab items", "title_zh": "实验品数",
                                   "module": "widgetlab", "size": "small"}
    assert by_key["other.hello"]["module"] == "otherlab"
    assert by_key["desktop.announcements"]["module"] == "desktop"
    assert by_key["lab.boom"]["size"] == "medium"  # an unknown size falls back
    assert "not a widget" not in by_key


def test_first_module_keeps_a_duplicate_key(tenant, person):
    boss = person(tenant, "boss", role="admin")
    counted = boss.get(boss.api("/widgets/lab.count")).get_json()
    assert counted["module"] == "widgetlab"
    assert counted["data"]["kind"] == "stat" and counted["data"]["value"] == 0


def test_widgets_of_disabled_modules_never_appear(kernel, tenant_factory, person):
    only_lab = tenant_factory(modules=["desktop", "widgetlab"])
    everything = tenant_factory()
    lab_user = person(only_lab, "li", role="manager")
    full_user = person(everything, "wang", role="manager")
    assert "other.hello" not in keys(lab_user.get(lab_user.api("/widgets")))
    assert lab_user.get(lab_user.api("/widgets/other.hello")).status_code == 404
    assert "other.hello" in keys(full_user.get(full_user.api("/widgets")))
    assert full_user.get(full_user.api("/widgets/other.hello")).status_code == 200

    kernel.disable_modules(everything, ["otherlab"])
    assert "other.hello" not in keys(full_user.get(full_user.api("/widgets")))
    missing = full_user.get(full_user.api("/widgets/other.hello"))
    assert missing.status_code == 404
    assert missing.get_json()["error"]["code"] == "not_found"


def test_desktop_itself_disabled_is_404(kernel, tenant_factory, person):
    slug = tenant_factory(modules=["widgetlab"])
    user = person(slug, "zhao", role="manager")
    assert user.get(user.api("/widgets")).status_code == 404
    assert user.get("/desktop/").status_code == 404


def test_permission_filters_widgets(tenant, person):
    seller = person(tenant, "seller", role="sales")
    manager = person(tenant, "manager", role="manager")
    finance = person(tenant, "money", role="finance")
    assert "lab.secret" not in keys(seller.get(seller.api("/widgets")))
    assert "lab.secret" in keys(manager.get(manager.api("/widgets")))
    assert seller.get(seller.api("/widgets/lab.secret")).status_code == 404
    assert manager.get(manager.api("/widgets/lab.secret")).status_code == 200
    # finance has no right on lab items at all: the counted widget is gone too
    assert "lab.count" not in keys(finance.get(finance.api("/widgets")))
    assert finance.get(finance.api("/widgets/lab.count")).status_code == 404


def test_unknown_key_is_404_in_the_error_shape(tenant, person):
    user = person(tenant, "li")
    response = user.get(user.api("/widgets/no.such.widget"))
    assert response.status_code == 404
    assert set(response.get_json()["error"]) >= {"code", "message"}


def test_anonymous_gets_401(tenant, client):
    assert client.get(f"/t/{tenant}/api/v1/desktop/widgets").status_code == 401


def test_failing_widget_is_isolated(tenant, person):
    user = person(tenant, "li", role="manager")
    failed = user.get(user.api("/widgets/lab.boom"))
    assert failed.status_code == 500
    assert failed.get_json()["error"]["code"] == "widget_failed"
    assert "exploded" not in failed.get_data(as_text=True)  # internals are logged, not shown
    for key in ("lab.count", "lab.money", "other.hello", "desktop.announcements"):
        assert user.get(user.api(f"/widgets/{key}")).status_code == 200, key


def test_a_plugin_whose_hook_raises_loses_only_its_widgets(tenant, person):
    user = person(tenant, "li", role="manager")
    listed = keys(user.get(user.api("/widgets")))
    assert {"lab.count", "other.hello", "desktop.policies"} <= set(listed)
    assert not [k for k in listed if k.startswith("crash")]


def test_money_and_times_are_json_strings(tenant, person):
    user = person(tenant, "li")
    data = user.get(user.api("/widgets/lab.money")).get_json()["data"]
    assert data["items"][0]["value"] == "300000.00"
    assert data["items"][1]["value"] == "2026-01-02T03:04:05+00:00"


def test_the_desktop_api_is_in_the_tenants_openapi_document(tenant, person):
    admin = person(tenant, "root", role="admin")
    doc = admin.get("/api/v1/openapi.json").get_json()
    paths = doc["paths"]
    for path in ("/desktop/widgets", "/desktop/widgets/{key}", "/desktop/personal", "/desktop/company",
                 "/desktop/announcements", "/desktop/announcements/{announcement_id}/reads"):
        assert path in paths, sorted(paths)
    assert "put" in paths["/desktop/personal"] and "422" in paths["/desktop/personal"]["put"]["responses"]
    assert "DesktopWidget" in doc["components"]["schemas"]
