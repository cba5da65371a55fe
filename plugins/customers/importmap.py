"""Which spreadsheet column feeds which customer field.

Columns are recognised by field name, English or Chinese label and common synonyms
(客户名称, 公司, 手机 …), and custom fields by ``cf_<key>``, key or label. An explicit mapping
``{column: field}`` overrides; an unknown column or field in it is a 400 saying which.
"""

from __future__ import annotations

from collections.abc import Mapping

from core.errors import ApiError
from plugins.customers import customfields

CONTACT_FIELDS = frozenset(
    {"contact_name", "contact_title", "contact_mobile", "contact_phone", "contact_email", "contact_birthday"}
)
SYNONYMS: dict[str, tuple[str, ...]] = {
    "name": (
        "name",
        "customer",
        "customer name",
        "company",
        "company name",
        "客户名称",
        "客户",
        "名称",
        "公司名称",
        "公司",
        "单位名称",
        "企业名称",
    ),
    "category": ("category", "category_id", "分类", "客户分类", "类别"),
    "owner": ("owner", "owner_id", "负责人", "业务员", "销售", "客户经理"),
    "phone": ("phone", "telephone", "tel", "电话", "公司电话", "联系电话", "座机"),
    "email": ("email", "e-mail", "mail", "邮箱", "电子邮件", "公司邮箱"),
    "address": ("address", "地址", "公司地址", "详细地址"),
    "region": ("region", "province", "area", "地区", "省份", "区域"),
    "profile": ("profile", "company profile", "公司简介", "简介"),
    "shareholders": ("shareholders", "background", "股东背景", "股东"),
    "contact_name": ("contact", "contact name", "contact_name", "联系人", "联系人姓名"),
    "contact_title": ("contact title", "contact_title", "title", "职务", "职位"),
    "contact_mobile": ("mobile", "contact mobile", "contact_mobile", "手机", "手机号", "手机号码"),
    "contact_phone": ("contact phone", "contact_phone", "联系人电话"),
    "contact_email": ("contact email", "contact_email", "联系人邮箱"),
    "contact_birthday": ("birthday", "contact birthday", "contact_birthday", "生日"),
}


def _norm(text: str) -> str:
    return " ".join(text.replace("_", " ").replace("*", "").split()).casefold()


def known_fields() -> dict[str, str]:
    """Every importable field: ``{field: label}`` (custom fields as ``cf_<key>``)."""
    fields = {name: synonyms[-1] if synonyms else name for name, synonyms in SYNONYMS.items()}
    for field in customfields.active_fields():
        fields[customfields.PREFIX + field.key] = field.label_zh or field.label
    return fields


def _lookup() -> dict[str, str]:
    table: dict[str, str] = {}
    for field, synonyms in SYNONYMS.items():
        for word in (field, *synonyms):
            table.setdefault(_norm(word), field)
    for field in customfields.active_fields():
        name = customfields.PREFIX + field.key
        for word in (name, field.key, field.label, field.label_zh):
            if word:
                table.setdefault(_norm(word), name)
    return table


def auto_mapping(header: list[str]) -> dict[str, str]:
    """``{column: field}`` for the columns recognised (each field taken once, leftmost wins)."""
    table = _lookup()
    mapping: dict[str, str] = {}
    taken: set[str] = set()
    for column in header:
        field = table.get(_norm(column))
        if field and field not in taken and column not in mapping:
            mapping[column] = field
            taken.add(field)
    return mapping


def check_mapping(header: list[str], mapping: Mapping[str, str]) -> dict[str, str]:
    """An explicit mapping, validated; an empty target skips the column."""
    fields = known_fields()
    problems: dict[str, list[str]] = {}
    result: dict[str, str] = {}
    for column, field in mapping.items():
        if column not in header:
            problems[column] = ["no such column in the file"]
        elif field and field not in fields:
            problems[column] = [f"unknown field {field!r}"]
        elif field:
            if field in result.values():
                problems[column] = [f"field {field!r} is mapped twice"]
            result[column] = field
    if problems:
        raise ApiError(
            400, "the mapping does not fit the file", fields={f"mapping.{k}": v for k, v in problems.items()}
        )
    return result
