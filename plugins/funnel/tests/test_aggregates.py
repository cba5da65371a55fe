"""The aggregates stay right: after a random sequence of creates, moves, amount and owner
changes, deletes, restores (through the funnel and through the identity trash) and
handovers, the maintained tables equal a recomputation from scratch — in Python and in SQL.
Also: two users moving one deal at the same moment, one wins and the other gets 409."""

from __future__ import annotations

import random
import threading

import pytest

from core.errors import ApiError
from core.identity.trash import restore
from plugins.funnel import aggregates, services
from plugins.funnel.models import Deal, StageChange
from plugins.funnel.stages import stages_of
from plugins.funnel.tests.helpers import deal, fresh


def _step(rng: random.Random, world, keys: list[str]) -> str:
    live = list(Deal.live().order_by(Deal.id))
    trashed = list(Deal.select().where(Deal.deleted_at.is_null(False)))
    roll = rng.random()
    owner = rng.choice([world.sam, world.sue])
    if roll < 0.25 or not live:
        customer = world.customers["sam1" if owner is world.sam else "sue1"]
        deal(owner, customer, str(rng.randrange(0, 500000)) + ".5" * rng.randrange(2),
             stage=rng.choice(keys))
        return "create"
    target = rng.choice(live)
    if roll < 0.6:
        services.move_stage(fresh(world.boss), target, rng.choice(keys))
        return "move"
    if roll < 0.7:
        services.update_deal(fresh(world.boss), target, {"amount": str(rng.randrange(1, 90000))})
        return "amount"
    if roll < 0.78:
        services.delete_deal(fresh(world.boss), target)
        return "delete"
    if roll < 0.86 and trashed:
        victim = rng.choice(trashed)
        if rng.random() < 0.5:
            services.restore_deal(fresh(world.boss), victim.id)
        else:  # the admin trash page: identity's restore, the funnel hears the signal
            restore("deal", victim.id, fresh(world.boss))
        return "restore"
    if roll < 0.93:
        services.hand_over_open_deals(None, world.sam.id, world.sue.id, fresh(world.boss))
        return "handover"
    services.update_deal(fresh(world.boss), target, {"owner_id": rng.choice([world.sam.id, world.mia.id])})
    return "owner"


def test_random_changes_keep_aggregates_equal_to_a_recount(world, kernel):
    rng = random.Random(20240607)
    with kernel.tenant_context(world.tenant):
        keys = [s.key for s in stages_of()]
        done = [_step(rng, world, keys) for _ in range(160)]
        assert {"create", "move", "amount", "delete", "restore", "handover", "owner"} <= set(done)
        maintained = aggregates.stored()
        assert maintained == aggregates.from_scratch()
        assert maintained["total"] and maintained["month"] and maintained["reach"]
        assert all(d.counted == (d.deleted_at is None) for d in Deal.select())
        aggregates.rebuild()  # the SQL recount agrees with the Python one
        assert aggregates.stored() == maintained


def test_history_matches_each_deals_stage(world, kernel):
    rng = random.Random(3)
    with kernel.tenant_context(world.tenant):
        keys = [s.key for s in stages_of()]
        for _ in range(60):
            _step(rng, world, keys)
        for item in Deal.select():
            history = list(StageChange.select().where(StageChange.deal == item.id).order_by(StageChange.id))
            assert history[-1].to_stage_id == item.stage_id
            assert all(a.to_stage_id == b.from_stage_id for a, b in zip(history, history[1:], strict=False))


@pytest.mark.parametrize("rounds", [4])
def test_two_users_moving_one_deal_at_once(world, kernel, rounds):
    """Both read version v, both send their move: exactly one wins, the other is 409."""
    with kernel.tenant_context(world.tenant):
        target = deal(world.sam, world.customers["sam1"], co_owner_ids=[world.sue.id])
    for number in range(rounds):
        barrier = threading.Barrier(2)
        outcomes: list[str] = []

        def move(person, stage: str, barrier=barrier, outcomes=outcomes) -> None:
            with kernel.tenant_context(world.tenant):
                mover = fresh(person)
                loaded = Deal.get_by_id(target.id)
                barrier.wait()
                try:
                    services.move_stage(mover, loaded, stage, expected_version=loaded.version)
                    outcomes.append("won")
                except ApiError as exc:
                    outcomes.append(str(exc.status))

        stages = ("solution", "negotiation") if number % 2 else ("preferred", "contract")
        threads = [threading.Thread(target=move, args=(p, s)) for p, s in zip((world.sam, world.sue), stages,
                                                                             strict=True)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        assert sorted(outcomes) == ["409", "won"], outcomes
    with kernel.tenant_context(world.tenant):
        final = Deal.get_by_id(target.id)
        history = services.history(final)
        assert len(history) == 1 + rounds and final.version == 1 + rounds
        assert history[-1].to_stage_id == final.stage_id
        assert all(a.to_stage_id == b.from_stage_id for a, b in zip(history, history[1:], strict=False))
        assert aggregates.stored() == aggregates.from_scratch()


def test_changed_between_any_range_equals_a_direct_count(world, kernel):
    """Whole months from the aggregate plus or minus the partial months' deals, on either
    side, give exactly what filtering the deals gives — for ranges of every shape."""
    import datetime as dt

    from plugins.funnel.stats import changed_between

    rng = random.Random(11)
    base = dt.datetime(2025, 1, 1)
    with kernel.tenant_context(world.tenant):
        for n in range(80):
            made = deal(world.sam if n % 2 else world.sue, world.customers["sam1" if n % 2 else "sue1"],
                        str(rng.randrange(1, 9000)), stage=rng.choice(["interest", "won", "preferred"]))
            at = base + dt.timedelta(days=rng.randrange(0, 400), hours=rng.randrange(24))
            Deal.update(stage_changed_at=at).where(Deal.id == made.id).execute()
        aggregates.rebuild()
        chosen = [s for s in stages_of() if s.key in ("won", "preferred")]
        deals = list(Deal.live().where(Deal.stage.in_([s.id for s in chosen])))
        for _ in range(40):
            lo = base + dt.timedelta(days=rng.randrange(-20, 420), hours=rng.randrange(24))
            hi = lo + dt.timedelta(days=rng.randrange(0, 200), hours=rng.randrange(24))
            if rng.random() < 0.3:
                lo = lo.replace(day=1, hour=0)
            expected: dict = {}
            for d in deals:
                if lo <= d.stage_changed_at < hi:
                    cell = expected.setdefault((d.owner_id, d.stage_id), [0, 0])
                    cell[0] += 1
                    cell[1] += aggregates.cents(d.amount)
            assert changed_between(lo, hi, chosen) == expected, (lo, hi)
            assert changed_between(lo, hi, chosen, [world.sam.id]) == {
                k: v for k, v in expected.items() if k[0] == world.sam.id}
