"""How the customer record itself (categories, custom fields, contacts, notes, attachments,
transactions, search, import, handover) plugs into the kernel.

``hooks.py`` (shared with the network and pool parts of this plugin) delegates to these
functions, so each hook implementation there stays one line per part.
"""

from __future__ import annotations

from typing import Any

from flask import g, request, url_for

from core.contrib import EntityType, MenuItem, PeriodicTask, RecordTab, Task, Widget
from core.signals import record_deleted, record_restored
from plugins.customers.models import Attachment, Note, Transaction

SUB_RIGHTS = {
    "manager": ("read", "create", "write", "delete"),
    "sales": ("read", "create", "write", "delete"),
    "finance": ("read",),
}


def entity_types(kernel: Any) -> list[EntityType]:
    """Notes, attachments and transactions: rights per role, and the trash; each is further
    limited to what the user may do with the customer it belongs to."""
    return [
        EntityType(
            key="customer_note",
            label="Team note",
            label_zh="团队讨论",
            model=Note,
            actions=("read", "create", "delete"),
            default_rights={r: tuple(a for a in acts if a != "write") for r, acts in SUB_RIGHTS.items()},
        ),
        EntityType(
            key="customer_attachment",
            label="Attachment",
            label_zh="附件",
            model=Attachment,
            actions=("read", "create", "delete"),
            default_rights={r: tuple(a for a in acts if a != "write") for r, acts in SUB_RIGHTS.items()},
        ),
        EntityType(
            key="customer_transaction",
            label="Transaction record",
            label_zh="交易记录",
            model=Transaction,
            default_rights=SUB_RIGHTS,
        ),
    ]


def blueprints(kernel: Any) -> list[Any]:
    from plugins.customers.api import api
    from plugins.customers.pages import pages
    from plugins.customers.resources import contacts, customers

    contact_bps = contacts.blueprints()
    for bp in contact_bps:
        if bp.name.endswith("_api") or bp.name.endswith("_pages"):
            bp.before_request(_vcard_export)
    return [api, pages, *customers.blueprints(), *contact_bps]


def _vcard_export() -> Any:
    """``/contacts/export?format=vcf``: vCards instead of the framework's CSV/XLSX."""
    if request.endpoint and request.endpoint.endswith(".export") and request.args.get("format") == "vcf":
        from plugins.customers.vcard import export_response

        return export_response(g.user)
    return None


def menu_items(kernel: Any, user: Any) -> list[MenuItem]:
    from plugins.customers.resources import contacts, customers

    items = [
        customers.menu_item(order=10, title="Customers", title_zh="客户"),
        contacts.menu_item(order=11, title="Contacts", title_zh="联系人"),
        MenuItem(
            key="customers.import",
            title="Import customers",
            title_zh="导入客户",
            endpoint="customers_more.import_page",
            order=12,
            icon="upload",
            permission=("customer", "create"),
        ),
    ]
    if user is not None and user.role.key in ("admin", "manager"):
        items.append(
            MenuItem(
                key="customers.handover",
                title="Handover",
                title_zh="业务交接",
                endpoint="customers_more.handover_page",
                order=13,
                icon="arrow-left-right",
            )
        )
    if user is not None and user.is_admin:
        items += [
            MenuItem(
                key="customers.categories",
                title="Customer categories",
                title_zh="客户分类",
                endpoint="customers_more.categories_page",
                order=880,
                icon="diagram-3",
            ),
            MenuItem(
                key="customers.fields",
                title="Custom fields",
                title_zh="自定义字段",
                endpoint="customers_more.fields_page",
                order=881,
                icon="ui-checks",
            ),
        ]
    return items


def record_tabs(kernel: Any, entity: str, record: Any, user: Any) -> list[RecordTab]:
    if entity != "customer":
        return []
    from plugins.customers.resources import contacts

    counts = _tab_counts(record.id)
    tab = [contacts.related_tab("contacts", "Contacts", "联系人", "customer_id", record, order=10)]
    tab = [
        RecordTab(
            key=t.key,
            title=t.title,
            title_zh=t.title_zh,
            endpoint=t.endpoint,
            endpoint_args=t.endpoint_args,
            order=t.order,
            count=counts["contacts"],
            permission=t.permission,
        )
        for t in tab
    ]
    for key, title, title_zh, order, entity_key in (
        ("notes", "Team notes", "团队讨论", 15, "customer_note"),
        ("transactions", "Transactions", "交易记录", 40, "customer_transaction"),
        ("attachments", "Attachments", "附件", 70, "customer_attachment"),
    ):
        tab.append(
            RecordTab(
                key=key,
                title=title,
                title_zh=title_zh,
                endpoint=f"customers_more.{key}_tab",
                endpoint_args={"customer_id": record.id},
                order=order,
                count=counts[key],
                permission=(entity_key, "read"),
            )
        )
    return tab


def _tab_counts(customer_id: int) -> dict[str, int]:
    """The four badges in one query (what hangs on a visible customer is visible with it)."""
    from core.db import tenant_db

    names = ("contacts", "notes", "transactions", "attachments")
    tables = ("customers_contact", "customers_note", "customers_transaction", "customers_attachment")
    param = tenant_db.obj.param
    sql = "SELECT " + ", ".join(
        f"(SELECT COUNT(*) FROM {t} WHERE customer_id = {param} AND deleted_at IS NULL)" for t in tables
    )
    row = tenant_db.obj.execute_sql(sql, [customer_id] * len(tables)).fetchone()
    return dict(zip(names, row, strict=True))


def field_rules(kernel: Any, user: Any, entity: str) -> dict[str, str] | None:
    """A rule on the customer's ``custom`` field reaches every ``cf_<key>`` column."""
    if entity != "customer" or user is None:
        return None
    from core.identity.permissions import stored_field_rules
    from plugins.customers.customfields import PREFIX, all_fields

    mode = stored_field_rules(user, "customer").get("custom")
    if mode is None:
        return None
    return {PREFIX + f.key: mode for f in all_fields()}


def _reindex_contact(sender: Any, **kwargs: Any) -> None:
    if kwargs.get("entity") != "contact":
        return
    record = kwargs.get("record")
    if record is not None:
        from plugins.customers.search import reindex

        reindex([record.customer_id])


def signal_receivers(kernel: Any) -> list[tuple[Any, Any]]:
    from plugins.customers.handover_moves import on_handed_over
    from plugins.customers.signals import customers_handed_over

    return [(record_deleted, _reindex_contact), (record_restored, _reindex_contact),
            (customers_handed_over, on_handed_over)]


def dashboard_widgets(kernel: Any, user: Any) -> list[Widget]:
    from plugins.customers import widgets

    return widgets.widgets()


def cli_commands(kernel: Any) -> list[Any]:
    from plugins.customers.cli import customers

    return [customers]


def periodic_tasks(kernel: Any) -> list[PeriodicTask]:
    from plugins.customers.attachments import collect_garbage
    from plugins.customers.search_backlog import TASK, drain_task

    return [
        PeriodicTask(
            name="customers.attachment-gc",
            func=lambda kernel, **kw: collect_garbage(),
            schedule={"minute": "17", "hour": "3"},
        ),
        # a safety net: big imports queue their own drain
        PeriodicTask(name=TASK, func=drain_task, schedule={"minute": "*/5"}),
    ]


def tasks(kernel: Any) -> list[Task]:
    from plugins.customers.search_backlog import TASK, drain_task

    return [Task(name=TASK, func=drain_task, retries=3, retry_delay=30)]


def demo_data(kernel: Any, tenant: str, counts: dict[str, int], progress: Any) -> str | None:
    from plugins.customers.demo import make_demo

    return make_demo(counts.get("customers", 0), progress)


def customer_url(customer_id: int) -> str:
    return url_for("customers_pages.record", record_id=customer_id)
