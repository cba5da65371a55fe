"""Pages generated from a resource: list, record with tabs, forms, bulk actions, languages."""

from __future__ import annotations

import re

import pytest

from tests.web.conftest import GADGETS, create_gadget, in_tenant, sign_in

pytestmark = pytest.mark.xietong_plugins(GADGETS)


def switch(site, csrf, lang):
    response = site.client.post(
        f"{site.web}/language", data={"lang": lang, "csrf_token": csrf, "next": "//evil.example/x"}
    )
    assert response.status_code == 302 and response.location == f"/t/{site.slug}/"  # no open redirect


def test_every_page_renders_in_both_languages(site):
    item = create_gadget(site, name="Bilingual", amount="1234.5", due_at="2024-05-01T01:30:00Z")
    csrf = sign_in(site)
    pages = [
        "/",
        "/gadgets/",
        f"/gadgets/{item['id']}",
        "/gadgets/new",
        f"/gadgets/{item['id']}/edit",
        f"/parts/embed?gadget_id={item['id']}",
        "/admin/webhooks/",
        "/api/v1/docs",
        "/parts/",
        "/nope",
    ]
    expected = {
        "en": [
            "Home",
            "Search",
            "Details",
            "Save",
            "Nothing here yet.",
            "Registered webhooks",
            "API reference",
            "Nothing found.",
            "This page does not exist",
        ],
        "zh_CN": [
            "首页",
            "搜索",
            "详情",
            "保存",
            "暂无内容。",
            "已登记的 Webhook",
            "API 参考",
            "没有找到记录。",
            "页面不存在",
        ],
    }
    for lang in ("en", "zh_CN"):
        switch(site, csrf, lang)
        texts = []
        for path in pages:
            response = site.client.get(site.web + path)
            assert response.status_code == (404 if path == "/nope" else 200), (lang, path)
            texts.append(response.text)
        joined = "\n".join(texts)
        for word in expected[lang]:
            assert word in joined, (lang, word)
    assert 'lang="zh-CN"' in texts[0]


def test_language_choice_is_remembered_on_the_user_and_tenant_default_applies(site):
    csrf = sign_in(site)
    assert "搜索" in site.client.get(f"{site.web}/gadgets/").text  # the tenant's default is zh_CN
    switch(site, csrf, "en")
    with in_tenant(site):
        from core.identity.models import User

        assert User.get_by_id(site.users["admin"].id).language == "en"
    site.client.cookie_jar.clear() if hasattr(site.client, "cookie_jar") else None
    fresh = site.app.test_client()
    from core.web.testing import login

    login(fresh, site.slug, site.users["admin"])
    assert "Search" in fresh.get(f"{site.web}/gadgets/").text  # a new session still speaks English


def test_money_and_times_are_formatted_for_the_locale_and_time_zone(site):
    item = create_gadget(site, name="Fmt", amount="1234567.5", due_at="2024-05-01T23:30:00Z")
    csrf = sign_in(site)
    switch(site, csrf, "en")
    page = site.client.get(f"{site.web}/gadgets/{item['id']}").text
    assert "1,234,567.50" in page
    assert "May 2, 2024" in page and "7:30:00" in page  # Asia/Shanghai is UTC+8
    switch(site, csrf, "zh_CN")
    page = site.client.get(f"{site.web}/gadgets/{item['id']}").text
    assert "2024年5月2日" in page and "1,234,567.50" in page


def test_list_searches_sorts_pages_and_remembers_columns(site):
    for number in range(55):
        create_gadget(site, name=f"item {number:02d}", amount=str(number))
    csrf = sign_in(site)
    switch(site, csrf, "en")
    first = site.client.get(f"{site.web}/gadgets/?sort=name").text
    names = re.findall(r">item (\d\d)<", first)
    assert names == [f"{n:02d}" for n in range(50)] and "50 of many" in first
    next_link = re.search(r'rel="next" href="([^"]+)"', first).group(1).replace("&amp;", "&")
    second = site.client.get(next_link).text
    assert (
        re.findall(r">item (\d\d)<", second) == [f"{n:02d}" for n in range(50, 55)] and "5 records" in second
    )
    assert re.findall(r">item (\d\d)<", site.client.get(f"{site.web}/gadgets/?q=item 1&sort=-name").text) == [
        "19",
        "18",
        "17",
        "16",
        "15",
        "14",
        "13",
        "12",
        "11",
        "10",
    ]
    saved = site.client.post(
        f"{site.web}/gadgets/columns", data={"csrf_token": csrf, "columns": ["name", "email"]}
    )
    assert saved.status_code == 302
    head = site.client.get(f"{site.web}/gadgets/").text.split("<thead>")[1].split("</thead>")[0]
    assert "Email" in head and "Amount" not in head
    sign_in(site, "manager")
    head = site.client.get(f"{site.web}/gadgets/").text.split("<thead>")[1].split("</thead>")[0]
    assert "Amount" in head  # the choice is per user


def test_record_page_has_a_header_and_lazy_tabs_from_the_modules(site):
    item = create_gadget(site, name="Tabbed", amount="5")
    site.client.post(
        f"{site.api}/parts", json={"gadget_id": item["id"], "title": "Bolt"}, headers=site.headers["admin"]
    )
    csrf = sign_in(site)
    switch(site, csrf, "en")
    page = site.client.get(f"{site.web}/gadgets/{item['id']}").text
    assert 'data-testid="record-header"' in page and "5.00" in page
    assert f'hx-get="/t/{site.slug}/parts/embed?gadget_id={item["id"]}"' in page
    assert f'hx-get="/t/{site.slug}/gadgets-extras/{item["id"]}/chart"' in page
    assert "Bolt" not in page  # tabs are loaded lazily
    assert "Bolt" in site.client.get(f"/t/{site.slug}/parts/embed?gadget_id={item['id']}").text
    deep = site.client.get(f"{site.web}/gadgets/{item['id']}?tab=chart").text
    assert 'hx-trigger="load"' in deep
    chart = site.client.get(f"/t/{site.slug}/gadgets-extras/{item['id']}/chart").text
    assert "data-echarts=" in chart and "&#34;bar&#34;" in chart


def test_form_shows_errors_next_to_fields_and_then_saves(site):
    csrf = sign_in(site)
    switch(site, csrf, "en")
    bad = site.client.post(
        f"{site.web}/gadgets/new",
        data={"csrf_token": csrf, "name": "", "amount": "abc", "status": "new", "email": "nope"},
    )
    assert bad.status_code == 422
    for field in ("name", "amount", "email"):
        assert f'data-testid="error-{field}"' in bad.text, field
    assert 'value="abc"' in bad.text  # what was typed is shown again
    good = site.client.post(
        f"{site.web}/gadgets/new",
        data={
            "csrf_token": csrf,
            "name": "Formed",
            "amount": "12.5",
            "status": "active",
            "email": "A@B.CN",
            "due_at": "2024-05-01T09:30",
            "active": "on",
            "profile": "<p>ok<script>x()</script></p>",
        },
    )
    assert good.status_code == 302
    api = site.client.get(good.location.replace(site.web, site.api), headers=site.headers["admin"]).json
    assert api["amount"] == "12.50" and api["email"] == "a@b.cn" and api["profile"] == "<p>ok</p>"
    assert api["due_at"] == "2024-05-01T01:30:00+00:00"  # read in the tenant's time zone
    page = site.client.get(good.location).text
    assert "<p>ok</p>" in page and "<script>x()" not in page


def test_a_stale_edit_is_refused_with_the_current_version_offered(site):
    item = create_gadget(site, name="Edited")
    csrf = sign_in(site)
    site.client.patch(
        f"{site.api}/gadgets/{item['id']}", json={"name": "by a colleague"}, headers=site.headers["admin"]
    )
    stale = site.client.post(
        f"{site.web}/gadgets/{item['id']}/edit",
        data={"csrf_token": csrf, "name": "mine", "status": "new", "version": "1"},
    )
    assert stale.status_code == 409 and 'name="version" value="2"' in stale.text
    again = site.client.post(
        f"{site.web}/gadgets/{item['id']}/edit",
        data={"csrf_token": csrf, "name": "mine", "status": "new", "version": "2"},
    )
    assert again.status_code == 302


def test_bulk_reassign_and_delete_check_each_record(site):
    mine = create_gadget(site, "sales", name="mine")
    theirs = create_gadget(site, "sales2", name="theirs")
    csrf = sign_in(site, "manager")
    response = site.client.post(
        f"{site.web}/gadgets/bulk",
        data={
            "csrf_token": csrf,
            "action": "reassign",
            "owner": str(site.users["sales2"].id),
            "ids": [mine["id"]],
        },
    )
    assert response.status_code == 302
    assert site.client.get(f"{site.api}/gadgets/{mine['id']}", headers=site.headers["admin"]).json[
        "owner_id"
    ] == (site.users["sales2"].id)
    csrf = sign_in(site, "sales")
    site.client.post(
        f"{site.web}/gadgets/bulk",
        data={"csrf_token": csrf, "action": "delete", "ids": [mine["id"], theirs["id"]]},
    )
    for item in (mine, theirs):  # sales may not delete at all: both skipped
        assert (
            site.client.get(f"{site.api}/gadgets/{item['id']}", headers=site.headers["admin"]).status_code
            == 200
        )
    csrf = sign_in(site, "manager")
    site.client.post(
        f"{site.web}/gadgets/bulk", data={"csrf_token": csrf, "action": "delete", "ids": [theirs["id"]]}
    )
    assert (
        site.client.get(f"{site.api}/gadgets/{theirs['id']}", headers=site.headers["admin"]).status_code
        == 404
    )


def test_navigation_follows_rights_and_pages_need_sign_in(site):
    anonymous = site.app.test_client()
    response = anonymous.get(f"{site.web}/gadgets/")
    assert response.status_code == 302 and "/login" in response.location
    with in_tenant(site):
        from core.identity.rules import set_right

        set_right("sales", "part", "read", None)
    sign_in(site, "sales")
    nav = site.client.get(f"{site.web}/").text.split('data-testid="nav"')[1].split("</ul>")[0]
    assert "/gadgets/" in nav and "/parts/" not in nav and "/admin/webhooks/" not in nav
    assert site.client.get(f"{site.web}/parts/").status_code == 403


def test_plural_forms_follow_the_language(site):
    create_gadget(site, name="one")
    create_gadget(site, name="two")
    csrf = sign_in(site)
    switch(site, csrf, "zh_CN")
    assert "2 条记录" in site.client.get(f"{site.web}/gadgets/").text
    switch(site, csrf, "en")
    assert "2 records" in site.client.get(f"{site.web}/gadgets/").text
