"""Hooks of the test module: an entity declared once, pages and API from the framework."""

from flask import Blueprint, render_template_string
from marshmallow import Schema, validate
from marshmallow import fields as ma

from core.api import fields
from core.api.choices import Reference, UserId
from core.contrib import EntityType, RecordTab
from core.hookspecs import hookimpl
from core.web import Resource
from core.web.charts import bars, chart_html

from .models import Gadget, Part

STATUSES = ("new", "active", "retired")


class GadgetSchema(Schema):
    id = ma.Integer(dump_only=True)
    name = ma.String(
        required=True,
        validate=validate.Length(min=1, max=200),
        metadata={"label": "Name", "label_zh": "名称"},
    )
    owner_id = UserId(allow_none=True, metadata={"label": "Owner", "label_zh": "负责人"})
    status = ma.String(
        validate=validate.OneOf(STATUSES),
        load_default="new",
        metadata={"label": "Status", "label_zh": "状态"},
    )
    amount = fields.Money(allow_none=True, metadata={"label": "Amount", "label_zh": "金额"})
    email = fields.Email(load_default="", metadata={"label": "Email", "label_zh": "邮箱"})
    phone = ma.String(
        load_default="", validate=validate.Length(max=40), metadata={"label": "Phone", "label_zh": "电话"}
    )
    profile = fields.RichText(load_default="", metadata={"label": "Profile", "label_zh": "简介"})
    active = ma.Boolean(load_default=True, metadata={"label": "Active", "label_zh": "启用"})
    due_at = fields.DateTime(allow_none=True, metadata={"label": "Due", "label_zh": "到期"})
    created_at = fields.DateTime(dump_only=True, metadata={"label": "Created", "label_zh": "创建时间"})
    updated_at = fields.DateTime(dump_only=True)
    version = ma.Integer(dump_only=True)


class PartSchema(Schema):
    id = ma.Integer(dump_only=True)
    gadget_id = Reference("gadget", required=True, metadata={"label": "Gadget", "label_zh": "小工具"})
    title = ma.String(
        required=True,
        validate=validate.Length(min=1, max=200),
        metadata={"label": "Title", "label_zh": "标题"},
    )
    quantity = ma.Integer(
        load_default=1,
        validate=validate.Range(min=0, max=10_000),
        metadata={"label": "Quantity", "label_zh": "数量"},
    )
    version = ma.Integer(dump_only=True)


class GadgetResource(Resource):
    """Stores the tenant's custom fields (``cf_<name>``) in the ``custom`` JSON column."""

    def assign(self, record, data):
        data = dict(data)
        extra = data.pop("custom", None)
        if extra:
            record.custom = {**(record.custom or {}), **extra}
        super().assign(record, data)


gadgets = GadgetResource(
    "gadget",
    Gadget,
    GadgetSchema,
    path="gadgets",
    title_field="name",
    search=("name", "email"),
    sort=("name", "amount", "created_at", "due_at", "status"),
    filters=("status", "owner_id", "active"),
    columns=("name", "status", "amount", "owner_id", "created_at"),
    header=("status", "amount", "owner_id"),
    default_sort="-created_at",
)


@gadgets.extend
def custom_fields(kernel, tenant):
    """Per-tenant fields, defined in the setting ``gadgets.custom_fields`` (what customers do)."""
    from core.settings import get_setting

    return {
        f"cf_{spec['name']}": ma.String(
            attribute=f"custom.{spec['name']}",
            load_default=None,
            allow_none=True,
            validate=validate.Length(max=100),
            metadata={"label": spec["label"], "label_zh": spec["label_zh"]},
        )
        for spec in get_setting("gadgets.custom_fields", [])
    }


parts = Resource(
    "part",
    Part,
    PartSchema,
    path="parts",
    title_field="title",
    search=("title",),
    sort=("title", "quantity"),
    filters=("gadget_id",),
    columns=("title", "quantity"),
)

extras = Blueprint("gadgets_extras", __name__, url_prefix="/gadgets-extras")


@extras.get("/<int:record_id>/chart")
def chart_tab(record_id):
    """A record tab with a chart (the shared chart helper, ECharts from local assets)."""
    from flask import g

    gadget = gadgets.get(record_id, g.user)
    option = bars(["Q1", "Q2", "Q3"], {"Amount": [1, 2, int(gadget.amount or 0)]}, title="Trend")
    return render_template_string('<div data-testid="chart-tab">{{ chart }}</div>', chart=chart_html(option))


@hookimpl
def crm_migrations(kernel):
    return "tests.web.plugins.gadgets.migrations"


@hookimpl
def crm_entity_types(kernel):
    return [
        EntityType(
            key="gadget",
            label="Gadgets",
            label_zh="小工具",
            model=Gadget,
            owner_field="owner",
            default_rights={
                "manager": ("read", "create", "write", "delete", "export"),
                "sales": ("read", "create", "write"),
            },
        ),
        EntityType(
            key="part",
            label="Parts",
            label_zh="零件",
            model=Part,
            default_rights={"sales": ("read", "create", "write")},
        ),
    ]


@hookimpl
def crm_blueprints(kernel):
    return [*gadgets.blueprints(), *parts.blueprints(), extras]


@hookimpl
def crm_menu_items(kernel, user):
    return [gadgets.menu_item(order=10), parts.menu_item(order=20)]


@hookimpl
def crm_record_tabs(kernel, entity, record, user):
    if entity != "gadget":
        return None
    return [
        parts.related_tab("parts", "Parts", "零件", "gadget_id", record, order=10, count=True),
        RecordTab(
            key="chart",
            title="Chart",
            title_zh="图表",
            endpoint="gadgets_extras.chart_tab",
            endpoint_args={"record_id": record.get_id()},
            order=20,
        ),
    ]
