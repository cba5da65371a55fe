"""The pages: personal desktop, company desktop, arranging, widget boxes, announcements."""

from __future__ import annotations

import re

import pytest

from plugins.desktop.tests.conftest import LAB, browser

pytestmark = pytest.mark.xietong_plugins(*LAB)


def text(response) -> str:
    return response.get_data(as_text=True)


def test_personal_page_draws_one_lazy_box_per_widget(kernel, client, tenant, person):
    li = person(tenant, "li")
    browser(client, kernel, li)
    li.put("/api/v1/desktop/personal", json={"widgets": ["lab.boom", "lab.count"]})
    page = client.get(f"/t/{tenant}/desktop/")
    assert page.status_code == 200
    html = text(page)
    assert re.findall(r'data-key="([^"]+)" data-src', html) == ["lab.boom", "lab.count"]
    assert f'data-src="/t/{tenant}/desktop/w/lab.count"' in html
    assert 'data-key="lab.money"' in html  # offered under "Add widgets"
    assert "desktop.js" in html and "the lab exploded" not in html


def test_a_failing_box_shows_an_error_and_the_others_render(kernel, client, tenant, person):
    li = person(tenant, "li")
    browser(client, kernel, li)
    boom = client.get(f"/t/{tenant}/desktop/w/lab.boom")
    assert boom.status_code == 500 and "xt-widget-error" in text(boom)
    assert "exploded" not in text(boom)
    count = client.get(f"/t/{tenant}/desktop/w/lab.count")
    assert count.status_code == 200 and "items for li" in text(count)
    assert client.get(f"/t/{tenant}/desktop/w/lab.secret").status_code == 404


def test_box_html_is_escaped_and_links_are_safe(kernel, client, tenant, person):
    boss = person(tenant, "boss", role="manager")
    browser(client, kernel, boss)
    secret = text(client.get(f"/t/{tenant}/desktop/w/lab.secret"))
    assert "javascript:" not in secret and 'href="#"' in secret
    chart = text(client.get(f"/t/{tenant}/desktop/w/lab.chart"))
    assert "data-echarts=" in chart and "<script>" not in chart


def test_company_page_shows_columns_and_arrange_link_for_admins(kernel, client, tenant, person):
    admin = person(tenant, "root", role="admin")
    admin.put("/api/v1/desktop/company", json={"columns": [
        {"title": "Office", "title_zh": "办公", "widgets": ["desktop.announcements"]},
        {"title": "Numbers", "widgets": ["lab.count", "lab.money"]}]})
    browser(client, kernel, admin)
    html = text(client.get(f"/t/{tenant}/desktop/company"))
    assert "Office" in html or "办公" in html
    boxes = re.findall(r'data-key="([^"]+)" data-src', html)
    assert boxes == ["desktop.announcements", "lab.count", "lab.money"]
    assert f"/t/{tenant}/desktop/company/arrange" in html
    assert "xt-pinned" not in html  # nothing pinned yet
    admin.post("/api/v1/desktop/announcements", json={"title": "Office closed Friday", "pinned": True})
    admin.post("/api/v1/desktop/announcements", json={"title": "Not pinned"})
    html = text(client.get(f"/t/{tenant}/desktop/company"))
    strip = html.split('class="list-group mb-3 xt-pinned"')[1].split("</div>")[0]
    assert "Office closed Friday" in strip and "Not pinned" not in strip
    assert client.get(f"/t/{tenant}/desktop/company/arrange").status_code == 200


def test_sellers_may_not_arrange(kernel, client, tenant, person):
    seller = person(tenant, "s")
    browser(client, kernel, seller)
    assert "company/arrange" not in text(client.get(f"/t/{tenant}/desktop/company"))
    assert client.get(f"/t/{tenant}/desktop/company/arrange").status_code == 403


def test_pages_in_both_languages(kernel, client, tenant, person):
    li = person(tenant, "li")
    csrf = browser(client, kernel, li)
    client.post(f"/t/{tenant}/language", data={"lang": "zh_CN", "csrf_token": csrf, "next": "/"})
    zh = text(client.get(f"/t/{tenant}/desktop/"))
    assert "个人桌面" in zh and "实验品数" in zh and "拖动" in zh
    client.post(f"/t/{tenant}/language", data={"lang": "en", "csrf_token": csrf, "next": "/"})
    en = text(client.get(f"/t/{tenant}/desktop/"))
    assert "My desktop" in en and "Lab items" in en and "个人桌面" not in en


def test_anonymous_visitors_are_sent_to_login(client, tenant):
    response = client.get(f"/t/{tenant}/desktop/")
    assert response.status_code in (302, 303) and "/login" in response.headers["Location"]


def test_publishing_through_the_form_and_reading_records_a_receipt(kernel, client, app, tenant, person):
    admin, li = person(tenant, "root", role="admin"), person(tenant, "li")
    csrf = browser(client, kernel, admin)
    new = client.get(f"/t/{tenant}/desktop/announcements/new")
    assert new.status_code == 200
    bad = client.post(f"/t/{tenant}/desktop/announcements/new", data={"title": "", "csrf_token": csrf})
    assert bad.status_code == 422 and "is-invalid" in text(bad)
    done = client.post(f"/t/{tenant}/desktop/announcements/new", data={
        "title": "Rules", "body": '<p>Be kind</p><script>alert(1)</script>', "kind": "policy",
        "pinned": "1", "csrf_token": csrf})
    assert done.status_code in (302, 303)
    detail_url = done.headers["Location"]
    no_csrf = client.post(f"/t/{tenant}/desktop/announcements/new", data={"title": "x"})
    assert no_csrf.status_code == 400

    other = app.test_client()
    browser(other, kernel, li)
    page = text(other.get(detail_url))
    assert "Be kind" in page and "<script>alert(1)</script>" not in page
    assert "Read receipts" not in page and "已读" not in page  # sellers see no receipts
    receipts = text(client.get(detail_url))
    assert re.search(r'id="xt-read">\s*<li>li ', receipts)
    listing = text(other.get(f"/t/{tenant}/desktop/announcements/?kind=policy"))
    assert "Rules" in listing


def test_editing_and_deleting_through_the_pages(kernel, client, tenant, person):
    admin = person(tenant, "root", role="admin")
    item = admin.post("/api/v1/desktop/announcements", json={"title": "Old"}).get_json()
    csrf = browser(client, kernel, admin)
    base = f"/t/{tenant}/desktop/announcements/{item['id']}"
    assert client.get(f"{base}/edit").status_code == 200
    client.post(f"{base}/edit", data={"title": "New", "body": "<p>x</p>", "csrf_token": csrf})
    assert admin.get(f"/api/v1/desktop/announcements/{item['id']}").get_json()["title"] == "New"
    assert client.post(f"{base}/delete", data={"csrf_token": csrf}).status_code in (302, 303)
    assert client.get(base).status_code == 404


def test_static_assets_are_served(kernel, client, tenant, person):
    browser(client, kernel, person(tenant, "li"))
    assert client.get(f"/t/{tenant}/desktop/static/desktop/desktop.js").status_code == 200
