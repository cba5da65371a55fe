"""The import's fast lane reads a valid row exactly as the general path does, and steps aside
for every row it is not sure of; the import pauses Python's collector only while it runs.
Names that end the way Latin legal forms cannot keep the key the full search gives."""

from __future__ import annotations

import gc
import random

import pytest

CUSTOM = (
    ("industry", "choice", {"choices": ["制造", "贸易", " 留白 "]}),
    ("staff", "number", {}),
    ("revenue", "decimal", {}),
    ("founded", "date", {}),
    ("site", "url", {}),
    ("hotline", "phone", {}),
    ("mail2", "email", {}),
    ("rep", "user", {}),
    ("tags", "multi", {"choices": ["VIP", "展会"]}),
    ("motto", "text", {"required": True}),
)
CONTACT = ["联系人", "职务", "手机", "联系人电话", "联系人邮箱", "生日"]
HEADER = ["客户名称", "分类", "负责人", "电话", "邮箱", "地址", "地区", "简介", "股东背景",
          *(f"cf_{key}" for key, _, _ in CUSTOM), *CONTACT]
# Per column: values the schema takes and values it refuses (or the fast lane must not take).
GOOD = {
    "客户名称": ["华为技术有限公司", "Acme Co., Ltd.", "  空格  ", "x" * 200, "多行\n名称"],
    "分类": ["", "重点客户", "重点客户/华东", "重点客户 / 华东".replace(" ", "")],
    "负责人": ["", "sam", "Sue", "BOSS"],
    "电话": ["", "0571-88886666", "+86 138 0013 8000", "４００８００８８８８"],
    "邮箱": ["", "info@example.com"],
    "地址": ["", "杭州市西湖区", "a" * 300],
    "地区": ["", "浙江"],
    "简介": ["", "<p>好公司</p>", "<script>x</script>text"],
    "股东背景": ["", "国资"],
    "cf_industry": ["", "制造", "贸易"],
    "cf_staff": ["", "12", "0"],
    "cf_revenue": ["", "1234.56", "1e3"],
    "cf_founded": ["", "2001-09-30"],
    "cf_site": ["", "https://example.com"],
    "cf_hotline": ["", "400-800-8888"],
    "cf_mail2": ["", "a@example.com"],
    "cf_rep": ["", "2"],
    "cf_tags": ["", "VIP", "VIP;展会"],
    "cf_motto": ["诚信", "天道酬勤"],
    "联系人": ["陈晨", "Li Lei"],  # a contact has a name (rows without any contact: see _row)
    "职务": ["", "经理"],
    "手机": ["", "13588889999"],
    "联系人电话": ["", "021-5000 1111"],
    "联系人邮箱": ["", "chen@example.com"],
    "生日": ["", "1988-08-08"],
}
BAD = {
    "客户名称": ["", "x" * 201, "控制\x07字符", "'=SUM(A1)"],
    "分类": ["没有的分类", "'=x"],
    "负责人": ["nobody"],
    "电话": ["abc", "1", "'+86 21"],
    "邮箱": ["not-an-email", "a@b"],
    "地址": ["a" * 301],
    "地区": ["r" * 300],
    "cf_industry": ["医疗", "留白"],
    "cf_staff": ["many", "1.5"],
    "cf_revenue": ["lots"],
    "cf_founded": ["2001-13-01", "yesterday"],
    "cf_site": ["javascript:alert(1)"],
    "cf_hotline": ["call me"],
    "cf_mail2": ["@"],
    "cf_rep": ["999"],
    "cf_tags": ["金牌"],
    "cf_motto": [""],
    "联系人": ["", "'@x"],  # contact details without the contact's name, or a formula
    "手机": ["phone"],
    "联系人邮箱": ["x@"],
    "生日": ["1988-02-30", "soon"],
}


@pytest.fixture
def fields(world):
    """Categories 重点客户 and 重点客户/华东, and a custom field of every type."""
    parent = world.client.post(world.url("/categories"), json={"name": "重点客户"}, headers=world.h["boss"])
    world.client.post(
        world.url("/categories"),
        json={"name": "华东", "parent_id": parent.get_json()["id"]},
        headers=world.h["boss"],
    )
    for key, kind, extra in CUSTOM:
        made = world.client.post(
            world.url("/custom-fields"), json={"key": key, "label": key.title(), "type": kind, **extra},
            headers=world.h["boss"],
        )
        assert made.status_code == 201, made.get_json()
    return world


@pytest.fixture
def importer(fields):
    from plugins.customers.importexport import Importer

    with fields.acting("boss") as boss:
        yield Importer(boss, HEADER, None, "skip", dry_run=True)


def _row(rng: random.Random, bad_columns: int) -> list[str]:
    cells = [rng.choice(GOOD[column]) for column in HEADER]
    if rng.random() < 0.3:  # a row without a contact
        cells[HEADER.index("联系人") :] = [""] * len(CONTACT)
    for _ in range(bad_columns):
        column = rng.choice(list(BAD))
        cells[HEADER.index(column)] = rng.choice(BAD[column])
    if bad_columns and rng.random() < 0.2:
        cells = cells[: rng.randrange(1, len(cells))]  # a short row
    return cells


def test_every_valid_row_takes_the_fast_lane_with_the_general_paths_values(importer):
    assert len(importer.columns) == len(HEADER)  # every column is mapped
    rng = random.Random(7)
    for number in range(2, 1500):
        cells = _row(rng, 0)
        fast = importer.fast(cells)
        assert fast is not None, cells
        errors_before = len(importer.report.errors)
        general = importer._parse(number, cells)
        assert len(importer.report.errors) == errors_before
        assert fast == general, cells


def test_rows_with_a_problem_step_aside_and_the_general_path_names_it(importer):
    from plugins.customers.importexport import Report

    rng = random.Random(11)
    fast_taken = refused = 0
    for number in range(2, 1500):
        cells = _row(rng, rng.randint(1, 3))
        importer.report = Report()
        fast = importer.fast(cells)
        general = importer._parse(number, cells)
        if fast is not None:  # the "bad" cell happened to be one the schema accepts
            fast_taken += 1
            assert fast == general, cells
        if general is None:
            refused += 1
            assert fast is None, cells
            assert importer.report.errors and {e["row"] for e in importer.report.errors} == {number}
    assert fast_taken < 300 and refused > 1000  # most of these rows carry a refused cell


def test_an_import_through_the_fast_lane_stores_what_the_schema_gave(fields):
    """End to end: decimal, date, multi-choice and user values arrive as the schema loads them."""
    import csv
    import io

    from plugins.customers import importexport

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    writer.writerow(["快车道有限公司", "重点客户/华东", "sam", "0571-88886666", "kd@example.com", "", "浙江",
                     "", "", "制造", "12", "1234.50", "2001-09-30", "https://example.com", "400-800-8888",
                     "a@example.com", str(fields.users["sue"].id), "VIP;展会", "诚信", "陈晨", "经理",
                     "13588889999", "", "", "1988-08-08"])
    with fields.acting("boss") as boss:
        report, status = importexport.import_file(boss, io.BytesIO(out.getvalue().encode()), "x.csv")
    assert status == 200, report["errors"]
    found = fields.client.get(
        fields.url("/customers"), query_string={"q": "快车道"}, headers=fields.h["boss"]
    ).get_json()["items"]
    assert len(found) == 1 and found[0]["owner_id"] == fields.users["sam"].id
    custom = found[0]["custom"]
    assert custom["revenue"] == "1234.50" and custom["founded"] == "2001-09-30"
    assert custom["tags"] == ["VIP", "展会"] and custom["rep"] == fields.users["sue"].id


def test_the_collector_runs_again_after_an_import_even_one_that_fails(importer):
    from plugins.customers import import_rows

    assert gc.isenabled()
    with import_rows.collector_paused():
        assert not gc.isenabled()
        with import_rows.collector_paused():  # a second import at the same time
            pass
        assert not gc.isenabled()
    assert gc.isenabled()

    def broken_rows():
        yield 2, ["半途而废有限公司", *[""] * (len(HEADER) - 1)]
        assert not gc.isenabled()
        raise RuntimeError("the upload broke off")

    with pytest.raises(RuntimeError):
        importer.run(broken_rows())
    assert gc.isenabled()


def test_name_keys_skip_the_latin_legal_form_search_only_where_it_cannot_match(monkeypatch):
    from plugins.customers import normalize

    names = ["华为技术有限公司123", "Acme Co., Ltd.", "ACME LTD", "Disco", "Ｃｏ．", "北京 Inc", "3M中国",
             "Foo GmbH\u3000", "Bar S.A.", "Baz B.V", "公司", "a,", "x Co-", "K", "华为 co", "Zeta Corp 2"]
    quick = [normalize.name_key(n) for n in names]
    monkeypatch.setattr(normalize, "_may_end_in_latin_form", lambda text: True)
    assert quick == [normalize.name_key(n) for n in names]
    assert quick[:4] == ["华为技术有限公司123", "acme", "acme", "disco"]
