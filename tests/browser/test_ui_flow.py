"""A person's path through the UI in real Chromium: sign in, switch language, list, search,
sort, open a record, switch tabs, submit a form with an error and fix it; then a phone."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import PASSWORD
from tests.web.conftest import GADGETS

pytestmark = [pytest.mark.browser, pytest.mark.xietong_plugins(GADGETS)]


@pytest.fixture
def shop(kernel, tenant):
    """A tenant with a signed-up admin and a few gadgets (one with a part)."""
    from core.identity.services import create_user
    from tests.web.plugins.gadgets.models import Gadget, Part

    with kernel.tenant_context(tenant):
        boss = create_user("boss", password=PASSWORD, role="admin", display_name="Boss Wang")
        for number, name in enumerate(["Anvil", "Bellows", "Chisel", "Drill", "Lathe 车床"]):
            gadget = Gadget.create(
                name=name,
                owner=boss,
                amount=f"{(number + 1) * 1000}.50",
                status=("new", "active")[number % 2],
                email=f"g{number}@example.com",
            )
        Part.create(gadget=gadget, title="Spindle", quantity=2)
    return tenant


def test_a_person_works_through_the_ui(live_server, browser, shop, shots):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    base = f"{live_server}/t/{shop}"

    # sign in (the tenant speaks Chinese by default)
    page.goto(f"{base}/gadgets/")
    assert "/login" in page.url
    page.fill("#f-username", "boss")
    page.fill("#f-password", PASSWORD)
    page.click("[data-testid=login-form] button[type=submit]")
    page.wait_for_url(re.compile(r".*/gadgets/$"))
    assert page.locator("label[for=q]").inner_text() == "搜索"
    shots.take(page, "list-zh")

    # switch language
    page.click("[data-testid=language-switch] button[value=en]")
    page.wait_for_load_state()
    assert page.locator("label[for=q]").inner_text() == "Search"
    assert page.locator("[data-testid=current-user]").inner_text() == "Boss Wang"

    # search
    page.fill("#q", "EL")
    page.click("[data-testid=list-search] button[type=submit]")
    page.wait_for_load_state()
    names = page.locator("[data-testid=list-table] tbody tr td:nth-child(2)").all_inner_texts()
    assert sorted(names) == ["Bellows", "Chisel"]  # case-insensitive substring

    # sort by name, then descending
    page.goto(f"{base}/gadgets/")
    page.click("thead a.xt-sort:has-text('Name')")
    page.wait_for_load_state()
    names = page.locator("[data-testid=list-table] tbody tr td:nth-child(2)").all_inner_texts()
    assert names == ["Anvil", "Bellows", "Chisel", "Drill", "Lathe 车床"]
    page.click("thead a.xt-sort:has-text('Name')")
    page.wait_for_load_state()
    assert (
        page.locator("[data-testid=list-table] tbody tr td:nth-child(2)").first.inner_text() == "Lathe 车床"
    )
    shots.take(page, "list-sorted-en")

    # open a record: header facts, details
    page.click("text=Lathe 车床")
    page.wait_for_load_state()
    assert "5,000.50" in page.locator("[data-testid=record-header]").inner_text()
    shots.take(page, "record")

    # switch tabs: the parts tab loads lazily, the chart tab draws with ECharts
    page.click("[data-xt-tab=parts]")
    page.wait_for_selector("[data-testid=embed-parts] >> text=Spindle")
    assert "Spindle" in page.locator("#xt-tab-panel").inner_text()
    page.click("[data-xt-tab=chart]")
    page.wait_for_selector("[data-testid=chart-tab] [data-echarts-ready] svg")
    shots.take(page, "record-chart-tab")
    page.click("[data-xt-tab=details]")
    assert "g4@example.com" in page.locator("#xt-tab-panel").inner_text()

    # a form with an error, then fixed
    page.click("[data-testid=edit-record]")
    page.wait_for_load_state()
    page.fill("#f-name", "")
    page.fill("#f-amount", "99999999999999999")  # over the money limit
    page.click("[data-testid=record-form] button[type=submit]")
    page.wait_for_load_state()
    assert page.locator("[data-testid=error-name]").is_visible()
    assert page.locator("[data-testid=error-amount]").is_visible()
    shots.take(page, "form-errors")
    page.fill("#f-name", "Lathe Pro")
    page.fill("#f-amount", "7000")
    page.click("[data-testid=record-form] button[type=submit]")
    page.wait_for_url(re.compile(r".*/gadgets/\d+$"))
    assert "Lathe Pro" in page.locator("h1").inner_text()
    assert "7,000.00" in page.locator("[data-testid=record-header]").inner_text()
    assert page.locator(".alert-success").is_visible()

    # the API page renders from local assets
    page.goto(f"{base}/api/v1/docs")
    page.wait_for_selector(".swagger-ui .opblock")
    shots.take(page, "api-docs")
    assert errors == []


def test_the_layout_works_on_a_phone(live_server, browser, shop, shots):
    phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = phone.new_page()
    page.goto(f"{live_server}/t/{shop}/login")
    page.fill("#f-username", "boss")
    page.fill("#f-password", PASSWORD)
    page.click("[data-testid=login-form] button[type=submit]")
    page.goto(f"{live_server}/t/{shop}/gadgets/")
    assert not page.locator("[data-testid=nav]").is_visible()  # folded behind the menu button
    page.click(".navbar-toggler")
    page.wait_for_selector("[data-testid=nav] a >> nth=0", state="visible")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390 + 1  # nothing overflows sideways; wide tables scroll inside their card
    shots.take(page, "phone-list")
