"""Marshmallow schemas of leads and their conversion."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from plugins.customers.leads_models import LEAD_SOURCES
from plugins.customers.pool_schemas import Trimmed

EDITABLE_STATUSES = ("new", "following", "invalid")


class LeadSchema(Schema):
    name = Trimmed(required=True, validate=validate.Length(min=1, max=200))
    contact_name = Trimmed(load_default="", validate=validate.Length(max=100))
    title = Trimmed(load_default="", validate=validate.Length(max=100))
    mobile = Trimmed(load_default="", validate=validate.Length(max=50))
    phone = Trimmed(load_default="", validate=validate.Length(max=50))
    email = Trimmed(load_default="", validate=validate.Length(max=254))
    wechat = Trimmed(load_default="", validate=validate.Length(max=100))
    region = Trimmed(load_default="", validate=validate.Length(max=100))
    address = Trimmed(load_default="", validate=validate.Length(max=300))
    source = fields.String(load_default="other", validate=validate.OneOf(LEAD_SOURCES))
    status = fields.String(load_default="new", validate=validate.OneOf(EDITABLE_STATUSES))
    note = fields.String(load_default="", validate=validate.Length(max=5000))
    in_pool = fields.Boolean(load_default=False, load_only=True)


class LeadUpdateSchema(LeadSchema):
    class Meta:
        exclude = ("in_pool",)


class DealSchema(Schema):
    title = Trimmed(required=True, validate=validate.Length(min=1, max=200))
    amount = fields.Raw(load_default="0")


class ConvertSchema(Schema):
    """Convert a lead in one step. ``customer`` overrides what is copied from the lead (name,
    phone, email, address, region, category_id); ``contact`` makes the lead's contact person
    a contact; ``deal`` also opens a deal when the funnel module is enabled; ``merge_into``
    adds the lead to an existing customer instead; ``force`` creates the customer although
    likely duplicates exist."""

    customer = fields.Dict(load_default=dict)
    contact = fields.Boolean(load_default=True)
    deal = fields.Nested(DealSchema, load_default=None, allow_none=True)
    merge_into = fields.Integer(load_default=None, allow_none=True, strict=True)
    force = fields.Boolean(load_default=False)


class CustomerOverrides(Schema):
    name = Trimmed(validate=validate.Length(min=1, max=200))
    phone = Trimmed(validate=validate.Length(max=50))
    email = Trimmed(validate=validate.Length(max=254))
    address = Trimmed(validate=validate.Length(max=300))
    region = Trimmed(validate=validate.Length(max=100))
    category_id = fields.Integer(allow_none=True, strict=True)
