"""Marshmallow schemas of leads (the resource's wire shape and forms) and their conversion."""

from __future__ import annotations

from marshmallow import RAISE, Schema, fields, validate

from core.api.choices import UserId
from core.api.fields import DateTime
from plugins.customers.leads_models import LEAD_SOURCES
from plugins.customers.pool_schemas import ID, Trimmed
from plugins.customers.schemas import EmailText, Phone, Text

EDITABLE_STATUSES = ("new", "following", "invalid")
SOURCE_LABELS = {
    "website": "Website", "referral": "Referral", "exhibition": "Exhibition", "cold_call": "Cold call",
    "advertising": "Advertising", "social": "Social media", "other": "Other",
}
STATUS_LABELS = {"new": "New", "following": "Following up", "converted": "Converted", "invalid": "Invalid"}


def _label(en: str, zh: str, **extra: object) -> dict[str, object]:
    return {"label": en, "label_zh": zh, **extra}


class LeadSchema(Schema):
    """A lead: ``id, name, contact_name, title, mobile, phone, email, wechat, region, address,
    source, status, note, owner_id, customer_id, converted_at, created_at, updated_at``.
    ``owner_id`` changes only by claim, assign and release; ``in_pool`` on create puts the new
    lead straight into the lead pool."""

    class Meta:
        unknown = RAISE
        ordered = True

    id = fields.Integer(dump_only=True)
    name = Text(required=True, validate=validate.Length(min=1, max=200),
                metadata=_label("Company", "公司名称"))
    contact_name = Text(max_length=100, metadata=_label("Contact person", "联系人"))
    title = Text(max_length=100, metadata=_label("Job title", "职务"))
    mobile = Phone(metadata=_label("Mobile", "手机"))
    phone = Phone(metadata=_label("Phone", "电话"))
    email = EmailText(metadata=_label("E-mail", "电子邮件"))
    wechat = Text(max_length=100, metadata=_label("WeChat", "微信"))
    region = Text(max_length=100, metadata=_label("Region", "地区"))
    address = Text(max_length=300, metadata=_label("Address", "地址"))
    source = fields.String(load_default="other", validate=validate.OneOf(LEAD_SOURCES),
                           metadata=_label("Source", "来源", choice_labels=SOURCE_LABELS))
    status = fields.String(load_default="new", validate=validate.OneOf(EDITABLE_STATUSES),
                           metadata=_label("Status", "状态", choice_labels=STATUS_LABELS))
    note = Text(max_length=5000, metadata=_label("Note", "备注", widget="textarea"))
    in_pool = fields.Boolean(load_only=True, load_default=False,
                             metadata=_label("Put into the lead pool", "放入线索池"))
    owner_id = UserId(dump_only=True, allow_none=True, metadata=_label("Owner", "负责人"))
    customer_id = fields.Integer(dump_only=True, allow_none=True, metadata=_label("Customer", "转化客户"))
    converted_at = DateTime(dump_only=True, allow_none=True, metadata=_label("Converted", "转化时间"))
    created_at = DateTime(dump_only=True, metadata=_label("Created", "创建时间"))
    updated_at = DateTime(dump_only=True, metadata=_label("Updated", "更新时间"))
    version = fields.Integer(dump_only=True)


class DealSchema(Schema):
    title = Trimmed(required=True, validate=validate.Length(min=1, max=200))
    amount = fields.String(load_default="0", validate=validate.Length(max=32))


class LeadConvertSchema(Schema):
    """Convert a lead in one step. ``customer`` overrides what is copied from the lead (name,
    phone, email, address, region, category_id); ``contact`` makes the lead's contact person
    a contact; ``deal`` also opens a deal when the funnel module is enabled; ``merge_into``
    adds the lead to an existing customer instead; ``force`` creates the customer although
    likely duplicates exist."""

    customer = fields.Dict(load_default=dict)
    contact = fields.Boolean(load_default=True)
    deal = fields.Nested(DealSchema, load_default=None, allow_none=True)
    merge_into = fields.Integer(load_default=None, allow_none=True, strict=True, validate=ID)
    force = fields.Boolean(load_default=False)


class CustomerOverrides(Schema):
    name = Trimmed(validate=validate.Length(min=1, max=200))
    phone = Trimmed(validate=validate.Length(max=50))
    email = Trimmed(validate=validate.Length(max=254))
    address = Trimmed(validate=validate.Length(max=300))
    region = Trimmed(validate=validate.Length(max=100))
    category_id = fields.Integer(allow_none=True, strict=True, validate=ID)
