"""Activities: types per tenant, validation, permissions, last activity and overdue follow-ups."""

from __future__ import annotations

import datetime as dt

import pytest

from core.errors import ApiError
from core.identity.permissions import can, visible
from core.settings import set_setting
from plugins.customers import activities
from plugins.customers import network_testing as nt
from plugins.customers.activities_models import Activity, ActivityAttachment, ActivityType
from plugins.customers.models import Attachment, Contact, Customer

pytestmark = pytest.mark.xietong_plugins("plugins.customers:plugin")


def base(**extra):
    return {"type": "presales", "title": "方案交流", "date": "2026-03-02T10:00:00+08:00", **extra}


def test_builtin_activity_types_are_seeded(kernel, tenant):
    with kernel.tenant_context(tenant):
        keys = [t.key for t in activities.activity_types()]
        assert keys == ["presales", "implementation", "progress", "acceptance", "after_sales", "campaign",
                        "revisit"]
        activities.seed_activity_types()
        assert ActivityType.select().count() == 7


def test_create_activity_with_people_outcome_attachments(kernel, tenant):
    with kernel.tenant_context(tenant):
        admin = nt.act_as(nt.user("boss", "admin"))
        helper = nt.user("helper", "sales")
        customer = nt.customer("华新科技")
        contact = Contact.create(customer=customer, name="王经理")
        contract = Attachment.create(customer=customer, filename="合同.pdf", content_type="application/pdf",
                                     size=10, sha256="0" * 64, storage_key="k1")
        activity = activities.create_activity(admin, customer, base(
            user_ids=[helper.id], contact_id=contact.id, people="对方CTO", outcome="同意试点",
            deal_id=7, attachment_ids=[contract.id]))
        data = activities.activity_dict(activity, dt.UTC)
        assert data["date"] == "2026-03-02T02:00:00+00:00"
        assert data["user_ids"] == [helper.id] and data["contact_id"] == contact.id
        assert data["attachment_ids"] == [contract.id] and data["deal_id"] == 7
        assert data["outcome"] == "同意试点" and data["author_id"] == admin.id
        # the customer's last activity moved to the activity's date
        assert Customer.get_by_id(customer.id).last_activity_at == dt.datetime(2026, 3, 2, 2, 0)


def test_date_without_offset_is_in_the_tenant_zone(kernel, tenant):
    with kernel.tenant_context(tenant):
        admin = nt.act_as(nt.user("boss", "admin"))
        activity = activities.create_activity(admin, nt.customer("A"), base(date="2026-03-02T10:00"))
        assert activity.date == dt.datetime(2026, 3, 2, 2, 0)  # Asia/Shanghai is the default zone
        day = activities.create_activity(admin, nt.customer("B"), base(date="2026-03-02"))
        assert day.date == dt.datetime(2026, 3, 1, 16, 0)


@pytest.mark.parametrize("bad, field", [
    ({"type": "party"}, "type"),
    ({"title": ""}, "title"),
    ({"date": "next tuesday"}, "date"),
    ({"date": "2026-02-30T10:00"}, "date"),
    ({"user_ids": [99999]}, "user_ids"),
    ({"contact_id": 99999}, "contact_id"),
    ({"attachment_ids": [99999]}, "attachment_ids"),
    ({"deal_id": 0}, "deal_id"),
    ({"author_id": 1}, "author_id"),  # no mass assignment
    ({"customer_id": 5}, "customer_id"),
])
def test_bad_activity_input_is_422(kernel, tenant, bad, field):
    with kernel.tenant_context(tenant):
        admin = nt.act_as(nt.user("boss", "admin"))
        with pytest.raises(ApiError) as err:
            activities.create_activity(admin, nt.customer("A"), base(**bad))
        assert err.value.status == 422 and field in err.value.fields
        assert Activity.select().count() == 0


def test_contacts_and_attachments_of_another_customer_are_refused(kernel, tenant):
    with kernel.tenant_context(tenant):
        admin = nt.act_as(nt.user("boss", "admin"))
        mine, other = nt.customer("Mine"), nt.customer("Other")
        stranger = Contact.create(customer=other, name="外人")
        with pytest.raises(ApiError) as err:
            activities.create_activity(admin, mine, base(contact_id=stranger.id))
        assert "contact_id" in err.value.fields


def test_retired_type_cannot_be_used_but_keeps_activities(kernel, tenant):
    with kernel.tenant_context(tenant):
        admin = nt.act_as(nt.user("boss", "admin"))
        training = activities.create_activity_type({"key": "training", "name": "Training", "name_zh": "培训"})
        customer = nt.customer("A")
        kept = activities.create_activity(admin, customer, base(type="training"))
        with pytest.raises(ApiError) as err:
            activities.delete_activity_type(training)
        assert err.value.status == 409
        activities.update_activity_type(training, {"retired": True})
        with pytest.raises(ApiError):
            activities.create_activity(admin, customer, base(type="training"))
        # editing an old activity without touching its type still works
        activities.update_activity(kept, {"outcome": "done"})
        with pytest.raises(ApiError) as err:
            activities.create_activity_type({"key": "training", "name": "Again"})
        assert err.value.status == 422
        with pytest.raises(ApiError) as err:
            activities.delete_activity_type(ActivityType.get(ActivityType.key == "presales"))
        assert err.value.status == 409
        unused = activities.create_activity_type({"key": "fair", "name": "Trade fair"})
        activities.delete_activity_type(unused)
        assert not ActivityType.select().where(ActivityType.key == "fair").exists()


def test_list_is_newest_first_with_keyset_pages(kernel, tenant):
    with kernel.tenant_context(tenant):
        admin = nt.act_as(nt.user("boss", "admin"))
        customer = nt.customer("A")
        for day in (5, 1, 9, 3, 7):
            activities.create_activity(admin, customer, base(date=f"2026-01-0{day}T09:00:00+08:00",
                                                             title=f"day {day}"))
        seen, cursor = [], None
        while True:
            rows, cursor = activities.list_activities(customer, limit=2, cursor=cursor)
            seen += [r.title for r in rows]
            if cursor is None:
                break
        assert seen == ["day 9", "day 7", "day 5", "day 3", "day 1"]
        only = activities.list_activities(customer, type_key="revisit")[0]
        assert only == []
        with pytest.raises(ApiError):
            activities.list_activities(customer, cursor="garbage")


def test_update_and_delete(kernel, tenant):
    with kernel.tenant_context(tenant):
        admin = nt.act_as(nt.user("boss", "admin"))
        customer = nt.customer("A")
        activity = activities.create_activity(admin, customer, base())
        activities.update_activity(activity, {"outcome": "签约", "attachment_ids": []})
        assert Activity.get_by_id(activity.id).outcome == "签约" and activity.version == 2
        with pytest.raises(ApiError):
            activities.update_activity(activity, {"title": ""})
        activities.delete_activity(activity)
        assert activities.get_activity(customer, activity.id) is None
        assert ActivityAttachment.select().count() == 0


def test_activities_follow_their_customers_visibility(kernel, tenant):
    with kernel.tenant_context(tenant):
        admin = nt.act_as(nt.user("boss", "admin"))
        nt.grant("sales", "customer", "own")
        nt.grant("sales", "activity", "all")
        alice, bob = nt.user("alice"), nt.user("bob")
        hers, his = nt.customer("Hers", owner=alice), nt.customer("His", owner=bob)
        a1 = activities.create_activity(admin, hers, base())
        a2 = activities.create_activity(admin, his, base())
        nt.act_as(alice)
        assert can(alice, "read", "activity", a1) and not can(alice, "read", "activity", a2)
        listed = visible(Activity.select(), alice, "activity", Activity)
        assert [a.id for a in listed] == [a1.id]


def test_overdue_followups_on_the_owners_list(kernel, tenant):
    with kernel.tenant_context(tenant):
        nt.grant("sales", "customer", "own")
        alice, bob = nt.user("alice"), nt.user("bob")
        old = dt.datetime(2020, 1, 1)
        silent = nt.customer("Silent", owner=alice, created_at=old)
        busy = nt.customer("Busy", owner=alice, created_at=old)
        nt.customer("Fresh", owner=alice)  # created today: not overdue yet
        nt.customer("Bob's", owner=bob, created_at=old)
        nt.act_as(alice)
        activities.create_activity(alice, busy, base(date=dt.datetime.now(dt.UTC).isoformat()))
        overdue = activities.overdue_customers(alice)
        assert [c["id"] for c in overdue] == [silent.id]
        assert overdue[0]["silent_days"] > 365
        # the tenant decides N; 10 years is too long for anyone here to be overdue
        set_setting(activities.OVERDUE_SETTING, 3650)
        assert activities.overdue_customers(alice) == []
        set_setting(activities.OVERDUE_SETTING, "bad value")
        assert activities.overdue_days() == activities.DEFAULT_OVERDUE_DAYS
        # someone else's list shows only what the asker may see
        assert activities.overdue_customers(alice, owner_id=bob.id) == []


def test_overdue_list_order_never_touched_first_then_longest_silent(kernel, tenant):
    """Read in two index ranges (never touched, then by last activity), the list is what one
    ``ORDER BY last_activity_at NULLS FIRST, id`` query gives, cut anywhere."""
    with kernel.tenant_context(tenant):
        nt.grant("sales", "customer", "own")
        nt.grant("manager", "customer", "all")
        alice, bob, boss = nt.user("alice"), nt.user("bob"), nt.user("boss2", "manager")
        old, now = dt.datetime(2020, 1, 1), dt.datetime.now(dt.UTC).replace(tzinfo=None)
        made = []
        for n, last in enumerate([None, old + dt.timedelta(days=9), None, old, old + dt.timedelta(days=3),
                                  None, old + dt.timedelta(days=3), now - dt.timedelta(days=1)]):
            made.append(nt.customer(f"c{n}", owner=alice, created_at=old, last_activity_at=last))
        nt.customer("new, never touched", owner=alice)  # created today: not overdue
        trashed = nt.customer("trashed", owner=alice, created_at=old)
        Customer.update(deleted_at=now).where(Customer.id == trashed.id).execute()
        nt.customer("bob's", owner=bob, created_at=old)
        expected = [made[0].id, made[2].id, made[5].id, made[3].id, made[4].id, made[6].id, made[1].id]
        last = Customer.last_activity_at
        cutoff = now - dt.timedelta(days=activities.DEFAULT_OVERDUE_DAYS)
        one_query = (Customer.select(Customer.id)
                     .where((Customer.owner == alice.id) & Customer.deleted_at.is_null()
                            & ((last < cutoff) | (last.is_null() & (Customer.created_at < cutoff))))
                     .order_by(last.asc(nulls="first"), Customer.id))
        assert [c.id for c in one_query] == expected
        for who, owner in ((alice, None), (boss, alice.id)):
            nt.act_as(who)
            for limit in range(1, 9):
                found = activities.overdue_customers(who, owner_id=owner, limit=limit)
                assert [c["id"] for c in found] == expected[:limit]
        nt.act_as(bob)  # another owner's list: only what bob may read
        assert activities.overdue_customers(bob, owner_id=alice.id) == []
