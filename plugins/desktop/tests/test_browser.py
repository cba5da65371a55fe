"""The desktop in real headless Chromium: boxes load on their own, a failing one shows its
error while the rest render, and drag-and-drop ordering is kept for the user."""

from __future__ import annotations

from pathlib import Path

import pytest

from plugins.desktop.tests.conftest import LAB

pytestmark = [pytest.mark.xietong_plugins(*LAB), pytest.mark.browser]
ARTEFACTS = Path(__file__).resolve().parents[3] / "test-artefacts"


def sign_in(page, base: str, tenant: str, username: str) -> None:
    page.goto(f"{base}/t/{tenant}/login")
    page.fill("#f-username", username)
    page.fill("#f-password", "correct horse battery")
    page.click("[data-testid=login-form] button[type=submit]")
    page.wait_for_load_state()


def box(page, key: str):
    return page.locator(f'.xt-widget[data-key="{key}"]')


def test_boxes_load_alone_failures_stay_in_their_box_and_order_is_kept(
        live_server, chromium, tenant, person, db_backend):
    seller = person(tenant, "li")
    seller.put("/api/v1/desktop/personal", json={"widgets": ["lab.boom", "lab.count", "lab.money"]})
    page = chromium.new_page(viewport={"width": 1280, "height": 900})
    sign_in(page, live_server, tenant, "li")
    page.goto(f"{live_server}/t/{tenant}/desktop/")

    box(page, "lab.count").locator(".xt-widget-body", has_text="items for li").wait_for()
    box(page, "lab.money").locator(".xt-widget-body", has_text="300000.00").wait_for()
    box(page, "lab.boom").locator(".xt-widget-error").wait_for()
    assert "exploded" not in box(page, "lab.boom").inner_text()
    ARTEFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTEFACTS / f"desktop-personal-{db_backend}.png"), full_page=True)

    with page.expect_response(lambda r: r.url.endswith("/api/v1/desktop/personal")
                              and r.request.method == "PUT") as saved:
        box(page, "lab.money").locator(".xt-handle").drag_to(box(page, "lab.boom").locator(".card-header"))
    assert saved.value.status == 200
    order = seller.get("/api/v1/desktop/personal").get_json()["widgets"]
    assert order[0] == "lab.money" and sorted(order) == ["lab.boom", "lab.count", "lab.money"]

    page.reload()
    keys = page.locator(".xt-widget").evaluate_all("boxes => boxes.map(b => b.dataset.key)")
    assert keys == order

    with page.expect_response(lambda r: r.request.method == "PUT"):
        box(page, "lab.boom").locator(".xt-remove").click()
    page.wait_for_load_state()
    assert "lab.boom" not in seller.get("/api/v1/desktop/personal").get_json()["widgets"]


def test_arranging_the_company_desktop(live_server, chromium, tenant, person):
    admin = person(tenant, "root", role="admin")
    page = chromium.new_page(viewport={"width": 1280, "height": 900})
    sign_in(page, live_server, tenant, "root")
    page.goto(f"{live_server}/t/{tenant}/desktop/company/arrange")
    # nothing arranged yet: the editor starts from the default, one column per module
    columns = page.locator("#xt-columns .xt-column")
    columns.first.wait_for()
    titles = columns.locator("input[name=title]").evaluate_all("inputs => inputs.map(i => i.value)")
    assert titles == ["Desktop", "Widget lab", "otherlab"]

    chip = page.locator('#xt-columns .xt-chip[data-key="lab.count"]')
    chip.drag_to(page.locator("#xt-palette"))
    assert page.locator('#xt-columns .xt-chip[data-key="lab.count"]').count() == 0
    columns.nth(0).locator("input[name=title]").fill("Office")
    with page.expect_response(lambda r: r.url.endswith("/api/v1/desktop/company")
                              and r.request.method == "PUT") as saved:
        page.click("#xt-save")
    assert saved.value.status == 200
    stored = admin.get("/api/v1/desktop/company", query_string={"role": ""}).get_json()
    assert stored["columns"][0]["title"] == "Office"
    keys = [k for c in stored["columns"] for k in c["widgets"]]
    assert "lab.count" not in keys and "lab.money" in keys
