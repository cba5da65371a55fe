"""Importing customers from CSV and XLSX: mapping, dry run, all-or-nothing with a row-by-row
report, duplicate modes, BOM and GBK, ragged rows, formulas, bombs."""

from __future__ import annotations

import csv
import io
import json
import zipfile

from .conftest import names


def post(world, content: bytes, filename: str = "customers.csv", user: str = "boss", **form):
    data = {
        "file": (io.BytesIO(content), filename),
        **{k: (json.dumps(v) if k == "mapping" else v) for k, v in form.items()},
    }
    return world.client.post(world.url("/customers/import"), data=data, headers=world.h[user])


def table(rows: list[list[str]]) -> str:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue()


def test_a_chinese_spreadsheet_imports_with_a_dry_run_first(world):
    world.client.post(world.url("/categories"), json={"name": "重点客户"}, headers=world.h["boss"])
    world.client.post(
        world.url("/custom-fields"),
        json={
            "key": "industry",
            "label": "Industry",
            "label_zh": "行业",
            "type": "choice",
            "choices": ["制造", "贸易"],
        },
        headers=world.h["boss"],
    )
    text = table(
        [
            [
                "客户名称",
                "分类",
                "负责人",
                "电话",
                "邮箱",
                "地区",
                "行业",
                "联系人",
                "手机",
                "生日",
                "备注列",
            ],
            [
                "杭州西湖电子有限公司",
                "重点客户",
                "sam",
                "0571-88886666",
                "info@xihu.example.com",
                "浙江",
                "制造",
                "陈晨",
                "13588889999",
                "1988-08-08",
                "忽略我",
            ],
            ["宁波港贸易有限公司", "", "Sue", "", "", "浙江", "贸易", "", "", "", ""],
            ["", "", "", "", "", "", "", "", "", "", ""],
            ['=HYPERLINK("http://x")', "", "", "", "", "", "", "", "", "", ""],
        ]
    )
    data = ("\ufeff" + text).encode("utf-8")
    dry = post(world, data, dry_run="1")
    assert dry.status_code == 200, dry.get_json()["errors"]
    report = dry.get_json()
    assert (report["created"], report["updated"], report["skipped"], report["errors"]) == (3, 0, 0, [])
    assert report["dry_run"] is True and "备注列" not in report["columns"]
    assert names(world.client.get(world.url("/customers"), headers=world.h["boss"])) == []
    done = post(world, data)
    assert done.status_code == 200 and done.get_json()["created"] == 3
    rows = {
        c["name"]: c
        for c in world.client.get(world.url("/customers"), headers=world.h["boss"]).get_json()["items"]
    }
    first = rows["杭州西湖电子有限公司"]
    assert first["owner_id"] == world.users["sam"].id and first["custom"] == {"industry": "制造"}
    assert rows["宁波港贸易有限公司"]["owner_id"] == world.users["sue"].id
    assert '=HYPERLINK("http://x")' in rows  # kept as text; exports neutralise it again
    contacts = world.client.get(
        world.url(f"/customers/{first['id']}/contacts"), headers=world.h["sam"]
    ).get_json()
    assert (
        contacts["items"][0]["mobile"] == "13588889999" and contacts["items"][0]["birthday"] == "1988-08-08"
    )
    # imported rows are searchable at once
    assert names(
        world.client.get(world.url("/customers/search"), query_string={"q": "xihu"}, headers=world.h["sam"])
    ) == ["杭州西湖电子有限公司"]
    assert names(
        world.client.get(
            world.url("/customers/search"), query_string={"q": "88889999"}, headers=world.h["sam"]
        )
    ) == ["杭州西湖电子有限公司"]
    export = world.client.get(
        world.url("/customers/export"), query_string={"format": "csv"}, headers=world.h["boss"]
    )
    assert "'=HYPERLINK" in export.get_data(as_text=True)


def test_gbk_semicolons_ragged_rows_and_our_own_neutralised_cells(world):
    text = "名称;电话;地址\n广州白云实业有限公司;020-12345678\n'=深圳南山;;南山区\n"
    response = post(world, text.encode("gbk"))
    assert response.status_code == 200, response.get_json()
    assert set(names(world.client.get(world.url("/customers"), headers=world.h["boss"]))) == {
        "广州白云实业有限公司",
        "=深圳南山",
    }
    too_long = "名称,电话\n甲公司,010-1,多出来的\n乙公司,010-2,\n"
    response = post(world, too_long.encode())
    assert response.status_code == 422
    assert response.get_json()["errors"][0]["row"] == 2 and response.get_json()["created"] == 1
    assert "甲公司" not in names(world.client.get(world.url("/customers"), headers=world.h["boss"]))


def test_any_bad_row_means_nothing_is_written_and_every_problem_is_listed(world):
    world.client.post(
        world.url("/custom-fields"),
        json={"key": "staff", "label": "Staff", "type": "number"},
        headers=world.h["boss"],
    )
    text = table(
        [
            ["name", "email", "category", "owner", "staff", "contact_mobile", "contact_name"],
            ["好公司", "ok@example.com", "", "", "12", "", ""],
            ["坏邮箱", "not-an-email", "", "", "", "", ""],
            ["无此分类", "", "不存在的分类", "", "", "", ""],
            ["无此人", "", "", "ghost", "", "", ""],
            ["人数不对", "", "", "", "很多", "", ""],
            ["", "x@example.com", "", "", "", "", ""],
            ["联系人电话错", "", "", "", "", "call me", "小王"],
        ]
    )
    response = post(world, text.encode())
    assert response.status_code == 422
    got = {(e["row"], e["field"]) for e in response.get_json()["errors"]}
    assert got == {
        (3, "email"),
        (4, "category"),
        (5, "owner"),
        (6, "cf_staff"),
        (7, "name"),
        (8, "contact_mobile"),
    }
    assert names(world.client.get(world.url("/customers"), headers=world.h["boss"])) == []


def test_duplicate_modes(world):
    existing = world.make("sam", "上海浦东发展有限公司", phone="021-50001111")
    theirs = world.make("sue", "苏州园区科技有限公司")
    rows = [
        ["名称", "电话", "地区"],
        ["上海浦东发展股份有限公司", "", "上海"],  # same name but for the legal form
        ["另一个名字", "+86 21 5000 1111", "上海"],  # same phone
        ["全新客户有限公司", "", "江苏"],
        ["全新客户 有限公司", "", "江苏"],
    ]  # a duplicate within the file
    data = table(rows).encode()
    skip = post(world, data, user="sam", mode="skip")
    assert skip.status_code == 200
    assert (skip.get_json()["created"], skip.get_json()["skipped"]) == (1, 3)
    assert {d["row"] for d in skip.get_json()["duplicates"]} == {2, 3, 5}
    created = post(
        world, table([["名称"], ["复制一份有限公司"], ["复制一份有限公司"]]).encode(), mode="create"
    )
    assert created.get_json()["created"] == 2
    update = post(
        world, table([["名称", "地区"], ["上海浦东发展有限公司", "上海"]]).encode(), user="sam", mode="update"
    )
    assert update.status_code == 200 and update.get_json()["updated"] == 1
    body = world.client.get(world.url(f"/customers/{existing.id}"), headers=world.h["sam"]).get_json()
    assert body["region"] == "上海" and body["phone"] == "021-50001111"  # empty cells do not erase
    # a duplicate the importer may not change is a row error in update mode (and skipped in skip mode)
    refused = post(world, table([["名称"], ["苏州园区科技有限公司"]]).encode(), user="sam", mode="update")
    assert refused.status_code == 422 and refused.get_json()["errors"][0]["row"] == 2
    hidden = post(world, table([["名称"], ["苏州园区科技"]]).encode(), user="sam", mode="skip").get_json()
    assert hidden["skipped"] == 1 and hidden["duplicates"] == [{"row": 2, "id": None}]  # not revealed
    assert theirs.id != existing.id


def test_xlsx_mapping_and_bad_requests(world):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["Company", "Tel", "Joined"])
    sheet.append(["Excel Imports Ltd.", 13800138000, None])
    sheet.append(["=1+1", "021-1", None])
    out = io.BytesIO()
    book.save(out)
    mapping = {"Company": "name", "Tel": "phone", "Joined": ""}
    response = post(world, out.getvalue(), "list.xlsx", mapping=mapping)
    # a formula is never evaluated: its cached value is read, and this one has none
    assert response.status_code == 422
    assert [(e["row"], e["field"]) for e in response.get_json()["errors"]] == [(3, "name")]
    sheet.delete_rows(3)
    out = io.BytesIO()
    book.save(out)
    response = post(world, out.getvalue(), "list.xlsx", mapping=mapping)
    assert response.status_code == 200, response.get_json()
    rows = {
        c["name"]: c
        for c in world.client.get(world.url("/customers"), headers=world.h["boss"]).get_json()["items"]
    }
    assert rows["Excel Imports Ltd."]["phone"] == "13800138000"
    bad = [
        (post(world, out.getvalue(), "list.xlsx", mapping={"Nope": "name"}), 400),
        (post(world, out.getvalue(), "list.xlsx", mapping={"Company": "salary"}), 400),
        (post(world, b"name\nx\n", mode="merge"), 400),
        (post(world, b"\x00\x01\x02binary\xff\xfe\x00", "x.csv"), 400),
        (post(world, b"", "x.csv"), 400),
        (post(world, b"phone\n123\n", "x.csv"), 400),  # nothing maps to the name
        (post(world, b"name\nx\n", user="fin"), 403),
        (world.client.post(world.url("/customers/import"), data={}, headers=world.h["boss"]), 400),
    ]
    for response, status in bad:
        assert response.status_code == status, response.get_json()
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b" " * (300 * 1024 * 1024))
    response = post(world, bomb.getvalue(), "bomb.xlsx")
    assert response.status_code == 400 and "expands" in response.get_json()["error"]["message"]


def test_sales_import_for_themselves_only(world):
    text = table([["名称", "负责人"], ["我自己的", ""], ["给苏的", "sue"]])
    response = post(world, text.encode(), user="sam")
    assert response.status_code == 422
    assert response.get_json()["errors"] == [
        {"row": 3, "field": "owner", "message": "you may not create customers for this owner or category"}
    ]
    response = post(world, table([["名称"], ["我自己的"]]).encode(), user="sam")
    assert response.status_code == 200
    assert names(world.client.get(world.url("/customers"), headers=world.h["sam"])) == ["我自己的"]


def _big_import(world, monkeypatch, rows: int = 6):
    """An import above the size that is indexed at once (lowered for the test)."""
    from plugins.customers import search_backlog

    monkeypatch.setattr(search_backlog, "INDEX_NOW_MAX", 3)
    body = [["客户名称", "电话", "联系人", "手机"]] + [
        [f"延迟索引{n}号贸易有限公司", f"0571-8800{n:04d}", f"联系人{n}", f"1390000{n:04d}"]
        for n in range(rows)
    ]
    return post(world, table(body).encode())


def _quick_search(world, q: str) -> list[str]:
    found = world.client.get(world.url("/customers/search"), query_string={"q": q}, headers=world.h["boss"])
    assert found.status_code == 200, found.get_json()
    return [item["name"] for item in found.get_json()["items"]]


def test_a_big_import_is_listed_at_once_and_found_by_search_once_the_worker_indexed_it(world, monkeypatch):
    from plugins.customers.search_backlog import TASK

    queue = world.kernel.app.extensions["xietong.queue"]
    queue.run_pending()  # whatever earlier work is waiting
    answer = _big_import(world, monkeypatch)
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["created"] == 6 and answer.get_json()["search_backlog"] == 6
    listed = world.client.get(world.url("/customers"), query_string={"limit": 50}, headers=world.h["boss"])
    assert sum(n.startswith("延迟索引") for n in names(listed)) == 6  # in every list at once
    assert _quick_search(world, "延迟索引") == []  # not yet searchable…
    assert queue.run_pending() >= 1  # …until the queued task ran
    found = _quick_search(world, "延迟索引")
    assert len(found) == 6 and "延迟索引5号贸易有限公司" in found
    assert _quick_search(world, "联系人4") == ["延迟索引4号贸易有限公司"]  # contacts are indexed too
    assert _quick_search(world, "yanchi") and _quick_search(world, "13900000003")
    with world.acting("boss"):
        from plugins.customers.search_backlog import pending

        assert pending() == 0
    assert TASK in world.kernel.tasks


def test_the_periodic_drain_catches_up_and_indexing_twice_is_harmless(world, monkeypatch):
    from plugins.customers import search_backlog

    queue = world.kernel.app.extensions["xietong.queue"]
    queue.run_pending()
    assert _big_import(world, monkeypatch).status_code == 200
    queue.huey.flush()  # the task is lost (the queue was wiped, the worker was down …)
    listed = world.client.get(world.url("/customers"), query_string={"q": "延迟索引0"},
                              headers=world.h["boss"])
    assert listed.get_json()["items"] == []  # the list's search uses the same index: not yet
    with world.acting("boss"):
        from plugins.customers.models import Customer

        renamed = Customer.get(Customer.name == "延迟索引0号贸易有限公司")
    patched = world.client.patch(world.url(f"/customers/{renamed.id}"), json={"name": "改名后的客户"},
                                 headers=world.h["boss"])
    assert patched.status_code == 200  # an edit writes its document at once, backlog or not
    periodic = next(p for _plugin, p in world.kernel.periodic_tasks if p.name == search_backlog.TASK)
    with world.acting("boss"):
        assert search_backlog.pending() == 6
        assert periodic.func(world.kernel) == 6
        assert search_backlog.drain() == 0  # nothing left; a second drain writes nothing
        search_backlog.defer([renamed.id])
        assert search_backlog.drain() == 1  # indexing again is harmless
    assert _quick_search(world, "改名后") == ["改名后的客户"]
    assert _quick_search(world, "延迟索引0号") == []  # the old name is gone from the index
    assert len(_quick_search(world, "延迟索引")) == 5


def test_a_bad_row_in_a_big_import_leaves_no_backlog(world, monkeypatch):
    from plugins.customers import search_backlog

    monkeypatch.setattr(search_backlog, "INDEX_NOW_MAX", 1)
    body = [["客户名称", "邮箱"], ["好客户一", "a@example.com"], ["好客户二", "b@example.com"],
            ["坏客户", "not-mail"]]
    answer = post(world, table(body).encode())
    assert answer.status_code == 422 and answer.get_json()["errors"][0]["row"] == 4
    with world.acting("boss"):
        assert search_backlog.pending() == 0
