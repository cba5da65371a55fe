"""Migration 0034: the widgets' indexes, and the repair of ``customers_notification`` in tenants
that ran 0022 while the schedule's reminders were stored under that name (the mentions widget
answered 500 there: no ``customer_id``)."""

from __future__ import annotations

import importlib

import peewee
import pytest

from core.db import TenantModel
from core.identity.models import User, utcnow
from core.migrations import MigrationContext

step = importlib.import_module("plugins.customers.migrations.0034_desktop_widgets")


class OldReminder(TenantModel):
    """The schedule's reminders as 0022 stored them before 9fd9393."""

    user = peewee.ForeignKeyField(User, on_delete="CASCADE")
    kind = peewee.CharField(max_length=32, default="reminder")
    key = peewee.CharField(max_length=200, unique=True)
    title = peewee.CharField(max_length=300)
    body = peewee.TextField(default="")
    url = peewee.CharField(max_length=500, default="")
    created_at = peewee.DateTimeField(default=utcnow)
    read_at = peewee.DateTimeField(null=True)

    class Meta:
        table_name = "customers_notification"
        indexes = ((("user", "read_at", "created_at"), False),)


def _context(world):
    return MigrationContext(db=world.kernel.tenant_database(world.tenant), tenant=world.tenant,
                            plugin="customers", kernel=world.kernel)


def _indexes(ctx, table):
    return {index.name for index in ctx.db.get_indexes(table, step._schema(ctx))}


def test_a_new_tenant_has_the_widgets_indexes_and_not_the_replaced_one(world):
    with world.kernel.tenant_context(world.tenant):
        ctx = _context(world)
        customer_indexes = _indexes(ctx, "customers_customer")
        assert "customers_customer_owner_id_last_activity_at" in customer_indexes
        assert "customers_customer_last_activity_at" not in customer_indexes
        assert "customers_pool_state_customer_id_locked_warn_due" in _indexes(ctx, "customers_pool_state")
        before = customer_indexes, _indexes(ctx, "customers_pool_state")
        step.upgrade(ctx)  # again: nothing changes
        assert (_indexes(ctx, "customers_customer"), _indexes(ctx, "customers_pool_state")) == before


@pytest.mark.parametrize("reminders_table_too", [False, True])
def test_the_reminders_table_gets_its_name_and_mentions_work_again(world, reminders_table_too):
    from plugins.customers import notes
    from plugins.customers.models import Notification
    from plugins.customers.schedule_models import ScheduleNotification

    boss = world.users["boss"]
    with world.kernel.tenant_context(world.tenant):
        ctx = _context(world)
        ctx.db.drop_tables([Notification, ScheduleNotification])
        ctx.db.create_tables([OldReminder])
        OldReminder.create(user=boss.id, key="item-1@2026-01-01", title="拜访", url="/x")
        if reminders_table_too:
            ctx.db.create_tables([ScheduleNotification])
        assert "customer_id" not in step._columns(ctx, "customers_notification")
    customer = world.make("sam", "提到我的客户")
    with world.acting("boss") as user, pytest.raises(peewee.DatabaseError):  # what the widget met
        with ctx.db.atomic():
            notes.notifications_for(user)
    with world.kernel.tenant_context(world.tenant):
        with ctx.db.atomic():
            step.upgrade(ctx)
        assert {"customer_id", "note_id", "text"} <= step._columns(ctx, "customers_notification")
        [kept] = list(ScheduleNotification.select())
        assert (kept.key, kept.title, kept.user_id) == ("item-1@2026-01-01", "拜访", boss.id)
        reminders = _indexes(ctx, "customers_schedule_notification")
        assert {"customers_schedule_notification_key",
                "customers_schedule_notification_user_id_read_at_created_at"} <= reminders
        assert "customers_notification_user_id_read_at_id" in _indexes(ctx, "customers_notification")
        step.upgrade(ctx)  # again: nothing changes
        assert len(list(ScheduleNotification.select())) == 1
    response = world.client.post(world.url(f"/customers/{customer.id}/notes"), json={"body": "@boss 再看看"},
                                 headers=world.h["sam"])
    assert response.status_code == 201, response.get_json()
    widget = world.client.get(world.url("/desktop/widgets/customers.mentions"), headers=world.h["boss"])
    assert widget.status_code == 200
    assert [item["text"] for item in widget.get_json()["data"]["items"]] == ["@boss 再看看"]
