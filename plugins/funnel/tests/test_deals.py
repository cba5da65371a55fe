"""Deals through the services: creation, bad input, stage moves and their history, signals,
co-owners' shared visibility, trash and restore."""

from __future__ import annotations

from decimal import Decimal

import pytest

from core.errors import ApiError
from core.identity import permissions
from plugins.funnel import services, signals
from plugins.funnel.models import Deal, StageChange
from plugins.funnel.stages import create_pipeline, stages_of
from plugins.funnel.tests.helpers import deal, fresh


def test_default_stages_are_nine_from_10_to_100_plus_lost(world, kernel):
    with kernel.tenant_context(world.tenant):
        found = [(s.key, s.probability, s.kind) for s in stages_of()]
    assert len([s for s in found if s[2] != "lost"]) == 9
    assert found[0][1] == 10 and found[-2] == ("won", 100, "won") and found[-1] == ("lost", 0, "lost")
    probabilities = [p for _, p, kind in found if kind != "lost"]
    assert probabilities == sorted(probabilities)
    assert {50, 70} <= set(probabilities)  # the seed's "prefers us" and "negotiating terms"


def test_create_starts_in_first_stage_with_history_and_decimal_amount(world, kernel):
    with kernel.tenant_context(world.tenant):
        created = deal(world.sam, world.customers["sam1"], "12345.67", co_owner_ids=[world.sue.id])
        again = Deal.get_by_id(created.id)
        history = services.history(again)
        assert again.amount == Decimal("12345.67") and isinstance(again.amount, Decimal)
        assert again.stage.key == "interest" and again.owner_id == world.sam.id
        assert again.territory == "广东"  # from the customer's region
        assert [(h.from_stage_id, h.to_stage.key, h.user_id) for h in history] == [
            (None, "interest", world.sam.id)]
        assert services.co_owner_ids(again) == [world.sue.id]


def test_several_open_deals_per_customer(world, kernel):
    with kernel.tenant_context(world.tenant):
        for n in range(3):
            deal(world.sam, world.customers["sam1"], title=f"Deal {n}")
        assert Deal.live().where(Deal.customer == world.customers["sam1"].id).count() == 3


@pytest.mark.parametrize("amount", ["-1", "abc", "", None, "1e400", "NaN", 12.5, True])
def test_bad_amounts_are_422(world, kernel, amount):
    with kernel.tenant_context(world.tenant), pytest.raises(ApiError) as caught:
        deal(world.sam, world.customers["sam1"], amount)
    assert caught.value.status == 422 and "amount" in caught.value.fields


def test_customer_the_user_cannot_see_is_404(world, kernel):
    with kernel.tenant_context(world.tenant):
        with pytest.raises(ApiError) as caught:
            deal(world.sam, world.customers["cal1"])  # cal's customer: sam cannot see it
        assert caught.value.status == 404
        with pytest.raises(ApiError) as missing:
            deal(world.sam, world.customers["sam1"], customer_id=999999)
        assert missing.value.status == 404
        assert Deal.select().count() == 0


def test_unknown_fields_and_foreign_owner_are_422(world, kernel):
    with kernel.tenant_context(world.tenant):
        with pytest.raises(ApiError) as unknown:
            deal(world.sam, world.customers["sam1"], version=5)
        assert unknown.value.status == 422 and "version" in unknown.value.fields
        with pytest.raises(ApiError) as owner:
            deal(world.sam, world.customers["sam1"], owner_id=world.sue.id)
        assert owner.value.status == 422 and "owner_id" in owner.value.fields
        given = deal(world.mia, world.customers["sam1"], owner_id=world.sam.id)  # a manager may
        assert given.owner_id == world.sam.id


def test_stage_of_another_pipeline_is_422(world, kernel):
    with kernel.tenant_context(world.tenant):
        create_pipeline("channel", "Channel sales", "渠道")
        created = deal(world.sam, world.customers["sam1"])
        with pytest.raises(ApiError) as caught:
            services.move_stage(fresh(world.sam), created, "channel_preferred")
        assert caught.value.status == 422 and "stage" in caught.value.fields
        with pytest.raises(ApiError) as on_create:
            deal(world.sam, world.customers["sam1"], pipeline="direct", stage="channel_interest")
        assert on_create.value.status == 422
        with pytest.raises(ApiError) as unknown:
            services.move_stage(fresh(world.sam), created, "nowhere")
        assert unknown.value.status == 422
        assert len(services.history(Deal.get_by_id(created.id))) == 1
        in_channel = deal(world.sam, world.customers["sam1"], stage="channel_preferred")
        assert in_channel.pipeline.key == "channel"


def test_moves_record_who_when_from_to_and_send_signals(world, kernel):
    heard = []
    receivers = {name: (lambda sender, name=name, **kw: heard.append((name, kw.get("from_stage"),
                                                                        kw.get("to_stage"))))
                 for name in ("created", "changed", "won", "lost")}
    signals.deal_created.connect(receivers["created"])
    signals.deal_stage_changed.connect(receivers["changed"])
    signals.deal_won.connect(receivers["won"])
    signals.deal_lost.connect(receivers["lost"])
    try:
        with kernel.tenant_context(world.tenant):
            created = deal(world.sam, world.customers["sam1"])
            sam = fresh(world.sam)
            moved = services.move_stage(sam, created, "preferred")
            moved = services.move_stage(sam, moved, "won")
            other = deal(world.sam, world.customers["sam2"])
            services.move_stage(sam, other, "lost")
            history = services.history(Deal.get_by_id(created.id))
            assert [(h.from_stage.key if h.from_stage_id else None, h.to_stage.key) for h in history] == [
                (None, "interest"), ("interest", "preferred"), ("preferred", "won")]
            assert all(h.user_id == world.sam.id for h in history)
            won = Deal.get_by_id(created.id)
            assert won.status == "won" and won.closed_at is not None and won.max_stage.key == "won"
            assert won.version == 3
    finally:
        for receiver in receivers.values():
            for signal in (signals.deal_created, signals.deal_stage_changed, signals.deal_won,
                           signals.deal_lost):
                signal.disconnect(receiver)
    assert heard == [("created", None, None), ("changed", "interest", "preferred"),
                     ("changed", "preferred", "won"), ("won", None, None), ("created", None, None),
                     ("changed", "interest", "lost"), ("lost", None, None)]


def test_stale_version_is_409_and_changes_nothing(world, kernel):
    with kernel.tenant_context(world.tenant):
        created = deal(world.sam, world.customers["sam1"])
        services.move_stage(fresh(world.sam), created, "qualified", expected_version=1)
        with pytest.raises(ApiError) as caught:
            services.move_stage(fresh(world.sam), Deal.get_by_id(created.id), "contract", expected_version=1)
        assert caught.value.status == 409
        assert Deal.get_by_id(created.id).stage.key == "qualified"
        assert StageChange.select().where(StageChange.deal == created.id).count() == 2


def test_co_owners_share_visibility_on_check_and_filter(world, kernel):
    with kernel.tenant_context(world.tenant):
        shared = deal(world.sam, world.customers["sam1"], co_owner_ids=[world.cal.id])
        private = deal(world.sam, world.customers["sam2"])
        cal, sue = fresh(world.cal), fresh(world.sue)
        assert permissions.can(cal, "read", "deal", shared) and permissions.can(cal, "write", "deal", shared)
        assert not permissions.can(cal, "delete", "deal", shared)  # sales have no delete right at all
        assert not permissions.can(cal, "read", "deal", private)
        assert not permissions.can(sue, "read", "deal", shared)
        listed = [d.id for d in permissions.visible(Deal.live(), cal, "deal", Deal)]
        assert listed == [shared.id]
        services.move_stage(cal, shared, "qualified")  # a co-owner works on the deal
        with pytest.raises(ApiError) as caught:
            services.get_deal(cal, private.id)
        assert caught.value.status == 404


def test_manager_sees_team_and_finance_reads_all_but_cannot_write(world, kernel):
    with kernel.tenant_context(world.tenant):
        sams = deal(world.sam, world.customers["sam1"])
        cals = deal(world.cal, world.customers["cal1"])
        mia, fin = fresh(world.mia), fresh(world.fin)
        assert permissions.can(mia, "read", "deal", sams) and not permissions.can(mia, "read", "deal", cals)
        assert permissions.can(fin, "read", "deal", cals)
        with pytest.raises(ApiError) as caught:
            services.move_stage(fin, cals, "qualified")
        assert caught.value.status == 403


def test_trash_and_restore(world, kernel):
    with kernel.tenant_context(world.tenant):
        created = deal(world.sam, world.customers["sam1"])
        with pytest.raises(ApiError) as forbidden:
            services.delete_deal(fresh(world.sam), created)  # sales may not delete
        assert forbidden.value.status == 403
        services.delete_deal(fresh(world.mia), created)
        with pytest.raises(ApiError) as gone:
            services.get_deal(fresh(world.sam), created.id)
        assert gone.value.status == 404
        assert not Deal.get_by_id(created.id).counted
        restored = services.restore_deal(fresh(world.boss), created.id)
        assert restored.deleted_at is None and restored.counted
