"""The pure parts: folding, pinyin, name keys, phone keys, file names and sniffing, CSV
decoding — and duplicate warnings through the API."""

from __future__ import annotations

import pytest

from plugins.customers import filecheck, normalize, tabular


def test_name_keys_ignore_legal_forms_spacing_and_full_width():
    same = [
        "深圳市华为技术有限公司",
        "深圳市 华为技术股份有限公司",
        "深圳市华为技术",
        "深圳市华为技术有限责任公司",
        "ＳＨＥＮＺＨＥＮ"[:0] + "深圳市华为技术 有限公司",
    ]
    assert {normalize.name_key(n) for n in same} == {"深圳市华为技术"}
    assert {
        normalize.name_key(n)
        for n in ("Acme Co., Ltd.", "ACME Ltd", "Ａｃｍｅ", "acme  inc.", "Acme Company Limited")
    } == {"acme"}
    assert normalize.name_key("Disco") == "disco" and normalize.name_key("Disco Co.") == "disco"
    assert normalize.name_key("Acme Group Co., Ltd.") == "acmegroup"
    assert normalize.name_key("公司") == "公司"  # a name that is only a legal form keeps it


def test_pinyin_and_initials():
    assert normalize.pinyin("华为") == ("huawei", "hw")
    assert normalize.pinyin("重庆银行") == ("chongqingyinhang", "cqyh")
    assert normalize.pinyin("绿地") == ("lvdi", "ld")
    assert normalize.pinyin("3M中国") == ("3mzhongguo", "3mzg")
    assert normalize.pinyin("Apple") == ("", "")
    assert normalize.fold("  Ｈｅｌｌｏ, 世界! ") == "hello世界"


@pytest.mark.parametrize(
    ("given", "key"),
    [
        ("+86 138-0013-8000", "13800138000"),
        ("021 5000 1111", "02150001111"),
        ("+86 21 5000 1111", "02150001111"),
        ("0086 755 2878 0808", "075528780808"),
        ("８６１２３４５６", "86123456"),
    ],
)
def test_phone_keys(given, key):
    assert normalize.phone_key(given) == key


def test_file_names_and_sniffing(tmp_path):
    assert filecheck.clean_filename('../../"><svg onload=alert(1)>\x00.svg') == "___svg onload=alert(1)__.svg"
    assert filecheck.clean_filename("C:\\Users\\x\\报价.xlsx") == "报价.xlsx"
    assert filecheck.clean_filename("...") == "file"
    assert filecheck.clean_filename(".htaccess") == "htaccess"
    long = filecheck.clean_filename("长" * 300 + ".pdf")
    assert len(long) <= 180 and long.endswith(".pdf")
    cases = {
        b"%PDF-1.7": "application/pdf",
        b"<svg xmlns='x'/>": "image/svg+xml",
        b"  <!DOCTYPE html><p>": "text/html",
        "普通文本".encode("gbk"): "text/plain",
        b"\x00\x01binary": "application/octet-stream",
        b"MZ\x90": "application/x-msdownload",
    }
    for content, kind in cases.items():
        path = tmp_path / "f"
        path.write_bytes(content)
        assert filecheck.sniff(path) == kind, content
    assert filecheck.served_type("image/svg+xml") == ("application/octet-stream", False)
    assert filecheck.served_type("image/png") == ("image/png", True)


def test_csv_decoding():
    assert tabular.decode("\ufeff名称".encode()) == "名称"
    assert tabular.decode("名称".encode("gbk")) == "名称"
    assert tabular.decode("名称".encode("utf-16")) == "名称"
    with pytest.raises(tabular.TableError):
        tabular.decode(b"\xff\x00\xfe\x81\x30")


def test_duplicate_warnings_name_what_is_visible_and_count_the_rest(world):
    world.make("sam", "北京百度网讯科技有限公司", phone="010-59928888", email="Ir@Baidu.example.com")
    world.make("sue", "北京百度网讯科技股份有限公司")
    c = world.client
    found = c.get(
        world.url("/customers/duplicates"), query_string={"name": "北京 百度网讯科技"}, headers=world.h["sam"]
    ).get_json()
    assert [i["name"] for i in found["items"]] == ["北京百度网讯科技有限公司"] and found["hidden"] == 1
    by_contact = c.get(
        world.url("/customers/duplicates"),
        query_string={"phone": "+86 10 5992 8888"},
        headers=world.h["boss"],
    ).get_json()
    assert by_contact["items"][0]["reasons"] == ["phone"]
    by_mail = c.get(
        world.url("/customers/duplicates"),
        query_string={"email": "ir@baidu.EXAMPLE.com"},
        headers=world.h["boss"],
    ).get_json()
    assert by_mail["items"][0]["reasons"] == ["email"]
    created = c.post(
        world.url("/customers"), json={"name": "北京百度网讯科技 Co., Ltd."}, headers=world.h["sam"]
    )
    assert created.status_code == 201
    assert created.get_json()["duplicates"] == {
        "items": [
            {
                "id": 1,
                "name": "北京百度网讯科技有限公司",
                "owner_id": world.users["sam"].id,
                "reasons": ["name"],
            }
        ],
        "hidden": 1,
    }


QUICK_SAMPLES = [
    "杭州西湖电子有限公司", "  padded  ", "line one\nline two  ", "", " ", "x" * 200, "x" * 201, "x" * 2001,
    "bad\x00nul", "tab\there", "bell\x07", "+86 138-0013-8000", "010-6552 8888 转 123", "12", "call me",
    "１３８００１３８０００", "sam@example.com", "sam@example", "a b@example.com", "<a@b.cn>",
    "=1+1", "'=1+1", "ok", "é" * 50, "制造", "贸易 ", " padded ",
]


def test_quick_text_checks_agree_with_the_fields_they_stand_in_for():
    """The import's fast path accepts exactly what the schema accepts, with the same value; for
    anything else it steps aside so that the field raises its own message."""
    from marshmallow import ValidationError, fields, validate

    from plugins.customers.schemas import ContactSchema, CustomerSchema, EmailText, Phone, Text, quick_text

    candidates = [*CustomerSchema().load_fields.values(), *ContactSchema().load_fields.values(),
                  Text(), Phone(), EmailText(), Text(max_length=5, required=True),
                  fields.String(validate=validate.Length(max=2000)),
                  fields.String(validate=validate.Length(min=2, max=10)),
                  fields.String(validate=validate.OneOf(["制造", "贸易", "ok", " padded "]))]
    checked = 0
    for field in candidates:
        check = quick_text(field)
        if check is None:
            continue
        for value in QUICK_SAMPLES:
            try:
                expected = field.deserialize(value)
            except ValidationError:
                expected = None
            assert check(value) == expected, (field, value)
            checked += 1
    assert checked >= 10 * len(QUICK_SAMPLES)
    assert quick_text(fields.Integer()) is None and quick_text(fields.String(validate=lambda v: True)) is None
