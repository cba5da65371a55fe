"""Attachments: size limit (413), sniffed content, safe names, SVG/HTML only as downloads,
outside the web root, per-tenant quota, zip bombs, the customer's permissions, trash."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def upload(world, customer, content: bytes, filename: str, user: str = "sam"):
    return world.client.post(
        world.url(f"/customers/{customer.id}/attachments"),
        data={"file": (io.BytesIO(content), filename)},
        headers=world.h[user],
    )


@pytest.mark.xietong_config(
    CUSTOMERS_ATTACHMENT_MAX_BYTES=64 * 1024,
    CUSTOMERS_ATTACHMENT_QUOTA_BYTES=150 * 1024,
    CUSTOMERS_ARCHIVE_MAX_EXPANDED=1024 * 1024,
)
def test_uploads_are_checked(world, xietong_config):
    customer = world.make("sam", "附件客户有限公司")
    ok = upload(world, customer, PDF, "合同.pdf")
    assert ok.status_code == 201 and ok.get_json()["content_type"] == "application/pdf"
    # nothing of the browser's word is kept: the type comes from the bytes
    sniffed = world.client.post(
        world.url(f"/customers/{customer.id}/attachments"),
        data={"file": (io.BytesIO(PNG), "logo.png", "application/x-evil")},
        headers=world.h["sam"],
    )
    assert sniffed.get_json()["content_type"] == "image/png"
    cases = [
        (b"", "empty.txt", 422, "empty_file"),
        (b"x" * (64 * 1024 + 1), "big.txt", 413, "too_large"),
        (b"<html><script>alert(1)</script></html>", "invoice.pdf", 422, "mislabelled"),
        (PNG, "photo.jpg", 422, "mislabelled"),
        (b"MZ\x90\x00" + b"\x00" * 60, "setup.exe", 422, "mislabelled"),
    ]
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("zeros.bin", b"\x00" * (4 * 1024 * 1024))
    cases.append((bomb.getvalue(), "report.zip", 422, "archive_bomb"))
    xlsx_bomb = io.BytesIO()
    with zipfile.ZipFile(xlsx_bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"<x/>" * (1024 * 1024))
    cases.append((xlsx_bomb.getvalue(), "numbers.xlsx", 422, "archive_bomb"))
    for content, name, status, code in cases:
        response = upload(world, customer, content, name)
        assert response.status_code == status, (name, response.get_json())
        assert response.get_json()["error"]["code"] == code, name
    # the quota counts every stored byte of the tenant
    assert upload(world, customer, b"a" * 60 * 1024, "one.txt").status_code == 201
    assert upload(world, customer, b"b" * 60 * 1024, "two.txt").status_code == 201
    over = upload(world, customer, b"c" * 60 * 1024, "three.txt")
    assert over.status_code == 413 and over.get_json()["error"]["code"] == "quota_exceeded"
    files = world.client.get(
        world.url(f"/customers/{customer.id}/attachments"), headers=world.h["sam"]
    ).get_json()
    assert len(files["items"]) == 4 and files["used"] <= files["quota"]
    # nothing left behind by the refused uploads
    root = Path(xietong_config["XIETONG_DATA"]) / "files" / world.tenant / "customers"
    assert sorted(p.stat().st_size for p in root.glob("*/*")) == sorted(i["size"] for i in files["items"])


def test_names_are_sanitised_and_active_content_is_only_downloaded(world, xietong_config):
    customer = world.make("sam", "下载客户")
    evil = "..\\..\\<svg onload=alert(1)>\x01.svg"  # (a quote would break the test client's header)
    svg = upload(world, customer, b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', evil)
    assert svg.status_code == 201
    name = svg.get_json()["filename"]
    assert name == "_svg onload=alert(1)__.svg"
    html = upload(world, customer, b"<!doctype html><h1>hi</h1><script>alert(1)</script>", "page.html")
    pdf = upload(world, customer, PDF, "报价单.pdf")
    for item, inline in ((svg, False), (html, False), (pdf, True)):
        body = item.get_json()
        got = world.client.get(
            world.url(f"/customers/{customer.id}/attachments/{body['id']}"), headers=world.h["sam"]
        )
        assert got.status_code == 200
        assert got.headers["X-Content-Type-Options"] == "nosniff"
        assert "sandbox" in got.headers["Content-Security-Policy"]
        disposition = got.headers["Content-Disposition"]
        assert disposition.startswith("inline" if inline else "attachment"), disposition
        if not inline:
            assert got.mimetype == "application/octet-stream"
    # stored outside anything served: under the data folder, by a random key, not by name
    root = Path(xietong_config["XIETONG_DATA"]) / "files" / world.tenant / "customers"
    stored = [p for p in root.glob("*/*")]
    assert len(stored) == 3 and all(".svg" not in p.name and ".pdf" not in p.name for p in stored)
    # the page shows the name escaped
    from core.web.testing import login

    login(world.client, world.tenant, world.users["sam"])
    page = world.client.get(world.page(f"/customers/{customer.id}/tab/attachments")).get_data(as_text=True)
    assert "<svg onload" not in page and "onload=alert(1)" in page.replace("&gt;", ">").replace("&#34;", '"')


def test_attachments_follow_the_customers_permissions_and_the_trash(world):
    customer = world.make("sam", "权限附件")
    item = upload(world, customer, PDF, "a.pdf").get_json()
    url = world.url(f"/customers/{customer.id}/attachments/{item['id']}")
    assert world.client.get(url, headers=world.h["sue"]).status_code == 404
    assert upload(world, customer, PDF, "b.pdf", user="sue").status_code == 404
    assert world.client.get(url, headers=world.h["fin"]).status_code == 200
    assert upload(world, customer, PDF, "c.pdf", user="fin").status_code == 403
    assert world.client.delete(url, headers=world.h["fin"]).status_code == 403
    # another customer's id in the URL does not reach this file
    other = world.make("sam", "另一个")
    assert (
        world.client.get(
            world.url(f"/customers/{other.id}/attachments/{item['id']}"), headers=world.h["sam"]
        ).status_code
        == 404
    )
    assert world.client.delete(url, headers=world.h["sam"]).status_code == 204
    assert world.client.get(url, headers=world.h["sam"]).status_code == 404
    with world.acting("boss") as boss:
        from core.identity.trash import purge, restore

        restore("customer_attachment", item["id"], boss)
    assert world.client.get(url, headers=world.h["sam"]).status_code == 200
    assert world.client.delete(url, headers=world.h["sam"]).status_code == 204
    with world.acting("boss") as boss:
        from plugins.customers.attachments import collect_garbage

        purge("customer_attachment", item["id"], boss)
        assert collect_garbage() == 1
        assert collect_garbage() == 0
