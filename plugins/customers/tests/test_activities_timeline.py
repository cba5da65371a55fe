"""The merged timeline: own sources, a contributing module via the signal, filters, pages."""

from __future__ import annotations

import datetime as dt

import pytest

from core.contrib import RecordTab  # noqa: F401  (the facade a contributing plugin uses)
from core.errors import ApiError
from core.hookspecs import hookimpl
from core.plugins import PluginMeta
from plugins.customers import activities, schedule, timeline
from plugins.customers import network_testing as nt
from plugins.customers.models import Note, Transaction

# A real plugin (registered through the marker below) contributing "stage_change" entries the
# way the funnel module does: a receiver on timeline.timeline_entries.
stages_plugin = PluginMeta(name="stagesource", version="1.0.0", depends={"customers": ">=1"},
                           hooks=__name__, title="Stage source", title_zh="阶段来源")
CALLS: list[dict] = []


def stage_changes(sender, customer, user, kinds, before, limit, **kwargs):
    CALLS.append({"customer": customer.id, "kinds": kinds, "tenant": kwargs.get("tenant")})
    if kinds is not None and "stage_change" not in kinds:
        return None
    moments = [dt.datetime(2026, 1, 10, 8, 0), dt.datetime(2026, 2, 20, 8, 0)]
    return [timeline.TimelineEntry("stage_change", f"stage:{i}", at, f"→ {50 + i * 20}%",
                                   source="stagesource")
            for i, at in enumerate(moments) if before is None or at <= before][:limit]


@hookimpl
def crm_signal_receivers(kernel):
    return [(timeline.timeline_entries, stage_changes)]


pytestmark = pytest.mark.xietong_plugins("plugins.customers:plugin", f"{__name__}:stages_plugin")


def fill(admin, customer):
    activities.create_activity(admin, customer, {"type": "revisit", "title": "回访",
                                                 "date": "2026-03-01T09:00:00+08:00"})
    note = Note.create(customer=customer, author=admin, body="客户提到预算增加")
    note.created_at = dt.datetime(2026, 1, 5, 3, 0)
    note.save()
    deal = Transaction.create(customer=customer, date=dt.date(2026, 2, 1), kind="payment", memo="首付款",
                              amount="30000.00", author=admin)
    deal.created_at = dt.datetime(2026, 2, 1, 6, 0)
    deal.save()
    schedule.create_item(admin, {"title": "拜访", "start": "2026-02-10T14:00:00+08:00", "kind": "visit",
                                 "status": "done", "outcome": "见到了总经理"}, customer=customer)


def test_timeline_merges_every_source_in_time_order(kernel, tenant):
    with kernel.tenant_context(tenant):
        admin = nt.act_as(nt.user("boss", "admin"))
        customer = nt.customer("华新科技")
        fill(admin, customer)
        entries, cursor = timeline.customer_timeline(admin, customer)
        assert [e.kind for e in entries] == ["activity", "stage_change", "schedule", "transaction",
                                             "stage_change", "note"]
        assert cursor is None
        assert entries[2].body == "见到了总经理" and entries[3].title == "payment 30000.00"
        assert entries[1].source == "stagesource"
        data = entries[0].to_dict(dt.UTC)
        assert data["at"] == "2026-03-01T01:00:00+00:00" and data["extra"]["type"] == "revisit"


def test_timeline_filters_and_pages(kernel, tenant):
    with kernel.tenant_context(tenant):
        admin = nt.act_as(nt.user("boss", "admin"))
        customer = nt.customer("华新科技")
        fill(admin, customer)
        only, _ = timeline.customer_timeline(admin, customer, kinds=["stage_change", "note"])
        assert [e.kind for e in only] == ["stage_change", "stage_change", "note"]
        keys, cursor = [], None
        while True:
            page, cursor = timeline.customer_timeline(admin, customer, limit=2, cursor=cursor)
            assert len(page) <= 2
            keys += [e.key for e in page]
            if cursor is None:
                break
        everything, _ = timeline.customer_timeline(admin, customer)
        assert keys == [e.key for e in everything]
        with pytest.raises(ApiError):
            timeline.customer_timeline(admin, customer, cursor="not-a-date|x")
        with pytest.raises(ApiError):
            timeline.customer_timeline(admin, customer, limit=500)


def test_contributors_of_disabled_modules_do_not_answer(kernel, tenant):
    kernel.disable_modules(tenant, ["stagesource"])
    with kernel.tenant_context(tenant):
        admin = nt.act_as(nt.user("boss", "admin"))
        customer = nt.customer("A")
        CALLS.clear()
        entries, _ = timeline.customer_timeline(admin, customer)
        assert entries == [] and CALLS == []


def test_timeline_respects_rights_on_activities(kernel, tenant):
    with kernel.tenant_context(tenant):
        admin = nt.act_as(nt.user("boss", "admin"))
        customer = nt.customer("A")
        fill(admin, customer)
        nt.grant("sales", "customer", "all")
        nt.grant("sales", "schedule_item", "own", ("read",))
        from core.identity.models import AccessRight

        AccessRight.delete().where(AccessRight.entity == "activity").execute()
        reader = nt.act_as(nt.user("reader"))
        kinds = {e.kind for e in timeline.customer_timeline(reader, customer)[0]}
        assert "activity" not in kinds and "schedule" in kinds  # the customer's history is shared
