"""Pages in Chinese and English: the customer list and record with its tabs, the tab
fragments, import, handover, categories and fields pages; XSS payloads render inert."""

from __future__ import annotations

import io

from core.web.testing import login

XSS = '"><svg onload=alert(1)>'


def test_record_page_tabs_and_xss_render_inert(world):
    customer = world.make(
        "sam",
        f"恶意{XSS}名称",
        address=XSS,
        region=XSS,
        profile='<p>简介<a href="javascript:alert(1)">点我</a><img src=x onerror=alert(1)></p>'
        "<script>alert(2)</script>",
    )
    c = world.client
    c.post(
        world.url(f"/customers/{customer.id}/contacts"),
        json={"name": XSS, "hobbies": XSS},
        headers=world.h["sam"],
    )
    c.post(world.url(f"/customers/{customer.id}/notes"), json={"body": XSS}, headers=world.h["sam"])
    c.post(
        world.url(f"/customers/{customer.id}/transactions"),
        json={"date": "2025-01-01", "memo": XSS},
        headers=world.h["sam"],
    )
    c.post(
        world.url(f"/customers/{customer.id}/attachments"),
        data={"file": (io.BytesIO(b"hello"), f"{XSS}.txt")},
        headers=world.h["sam"],
    )
    stored = c.get(world.url(f"/customers/{customer.id}"), headers=world.h["sam"]).get_json()["profile"]
    assert "javascript:" not in stored and "onerror" not in stored and "<script" not in stored
    login(c, world.tenant, world.users["sam"])
    pages = [
        world.page(f"/customers/{customer.id}"),
        world.page("/customers/"),
        world.page(f"/customers/{customer.id}/tab/notes"),
        world.page(f"/customers/{customer.id}/tab/transactions"),
        world.page(f"/customers/{customer.id}/tab/attachments"),
        world.page(f"/contacts/embed?customer_id={customer.id}"),
        world.page("/contacts/"),
        world.page(f"/customers/?q={XSS}"),
    ]
    for url in pages:
        response = c.get(url)
        assert response.status_code == 200, url
        html = response.get_data(as_text=True)
        assert "<svg onload" not in html and "javascript:alert" not in html and "<script>alert" not in html, (
            url
        )
    record = c.get(world.page(f"/customers/{customer.id}")).get_data(as_text=True)
    for tab in ("tab/notes", "tab/transactions", "tab/attachments", "contacts/embed"):
        assert tab in record
    assert c.get(world.page(f"/customers/{customer.id}/tab/notes")).status_code == 200
    login(c, world.tenant, world.users["sue"])
    assert c.get(world.page(f"/customers/{customer.id}")).status_code == 404
    assert c.get(world.page(f"/customers/{customer.id}/tab/notes")).status_code == 404
    assert c.get(world.page(f"/customers/{customer.id}/tab/attachments")).status_code == 404


def test_forms_post_notes_transactions_and_files(world):
    customer = world.make("sam", "表单客户")
    c = world.client
    csrf = login(c, world.tenant, world.users["sam"])
    base = world.page(f"/customers/{customer.id}")
    assert c.post(f"{base}/notes", data={"body": "表单里写的", "csrf_token": csrf}).status_code == 302
    assert c.post(f"{base}/notes", data={"body": "没有令牌"}).status_code in (400, 403)
    assert (
        c.post(
            f"{base}/transactions",
            data={
                "date": "2025-05-05",
                "kind": "invoice",
                "memo": "开票",
                "amount": "88.80",
                "csrf_token": csrf,
            },
        ).status_code
        == 302
    )
    assert (
        c.post(
            f"{base}/attachments",
            data={"file": (io.BytesIO(b"%PDF-1.4 x"), "a.pdf"), "csrf_token": csrf},
            content_type="multipart/form-data",
        ).status_code
        == 302
    )
    api = world.h["sam"]
    assert [
        n["body"]
        for n in c.get(world.url(f"/customers/{customer.id}/notes"), headers=api).get_json()["items"]
    ] == ["表单里写的"]
    assert (
        c.get(world.url(f"/customers/{customer.id}/transactions"), headers=api).get_json()["items"][0][
            "amount"
        ]
        == "88.80"
    )
    assert (
        len(c.get(world.url(f"/customers/{customer.id}/attachments"), headers=api).get_json()["items"]) == 1
    )
    tabs = {
        t["key"]: t["count"]
        for t in c.get(world.url(f"/customers/{customer.id}/tabs"), headers=api).get_json()["items"]
    }
    assert (tabs["notes"], tabs["transactions"], tabs["attachments"], tabs["contacts"]) == (1, 1, 1, 0)


def test_admin_pages_in_both_languages(world):
    c = world.client
    csrf = login(c, world.tenant, world.users["boss"])
    for lang, words in (
        ("zh_CN", ("可见角色", "停用字段会隐藏它", "试运行：检查每一行", "移交人")),
        (
            "en",
            (
                "Visible to roles",
                "Retiring a field hides it",
                "Dry run: check every row",
                "When a salesperson leaves",
            ),
        ),
    ):
        with c.session_transaction() as session:
            session["lang"] = lang
        for url, word in zip(
            ("/customers/categories", "/customers/fields", "/customers/import", "/customers/handover"),
            words,
            strict=True,
        ):
            response = c.get(world.page(url))
            assert response.status_code == 200, url
            assert word in response.get_data(as_text=True), (lang, url)
    assert (
        c.post(
            world.page("/customers/categories"),
            data={"action": "create", "name": "页面建的", "csrf_token": csrf},
        ).status_code
        == 302
    )
    assert (
        c.post(
            world.page("/customers/fields"),
            data={
                "action": "create",
                "key": "grade",
                "label": "Grade",
                "type": "choice",
                "choices": "A，B",
                "csrf_token": csrf,
            },
        ).status_code
        == 302
    )
    fields = c.get(world.url("/custom-fields"), headers=world.h["boss"]).get_json()["items"]
    assert fields[0]["choices"] == ["A", "B"]
    world.make("sam", "页面交接")
    handed = c.post(
        world.page("/customers/handover"),
        data={"from_user": world.users["sam"].id, "to_user": world.users["sue"].id, "csrf_token": csrf},
    )
    assert handed.status_code == 200
    assert "1 customer(s) handed over." in handed.text or "已移交 1 个客户。" in handed.text
    assert "planned follow-ups: 0" in handed.text or "跟进计划: 0" in handed.text
    login(c, world.tenant, world.users["sam"])
    for url in ("/customers/categories", "/customers/fields", "/customers/handover"):
        assert c.get(world.page(url)).status_code == 403, url
    assert c.get(world.page("/customers/import")).status_code == 200
    assert c.get(world.page("/customers/notifications")).status_code == 200
