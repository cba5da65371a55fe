"""What the schedule and the follow-up to-do list give up in a handover (业务交接).

Receivers of :data:`plugins.customers.signals.customers_handed_over`, run inside the
handover's transaction. Open work passes to the receiving user; finished work stays with the
leaver, so the history still says who did it:

- **schedule items** (meetings, calls, visits, tasks) still ``planned`` and owned by the
  leaver: the receiver becomes their owner, and takes the leaver's seat where the leaver was
  an attendee. Their iCalendar ``SEQUENCE`` goes up, so subscribed calendars replace them;
  done and cancelled items keep their owner;
- **planned follow-ups** not yet done or cancelled move to the receiver's to-do list
  (a reminder already sent is not sent again).

A handover of selected customers moves what hangs on those customers; a handover of
*everything* (``customer_ids`` None) also moves the leaver's open items on other people's
customers. Items on no customer (private appointments) are the leaver's own and stay.
"""

from __future__ import annotations

from typing import Any

from core.identity.models import utcnow
from plugins.customers.followups_models import FollowupPlan
from plugins.customers.schedule_models import ScheduleAttendee, ScheduleItem

CHUNK = 500


def _chunks(ids: list[int]) -> list[list[int]]:
    return [ids[start : start + CHUNK] for start in range(0, len(ids), CHUNK)]


def _scope(column: Any, customer_ids: list[int] | None) -> list[Any]:
    """One condition per chunk of customers, or one for every customer (``None``)."""
    if customer_ids is None:
        return [column.is_null(False)]
    return [column.in_(chunk) for chunk in _chunks(sorted(set(customer_ids)))]


def move_schedule(from_id: int, to_id: int, customer_ids: list[int] | None) -> int:
    """Give ``from_id``'s planned items on these customers to ``to_id``; returns how many."""
    now, moved = utcnow(), 0
    for on_customers in _scope(ScheduleItem.customer, customer_ids):
        open_items = (ScheduleItem.status == "planned") & ScheduleItem.deleted_at.is_null() & on_customers
        item_ids = [i for (i,) in ScheduleItem.select(ScheduleItem.id).where(
            open_items & (ScheduleItem.owner == from_id)).tuples()]
        seats = [i for (i,) in ScheduleAttendee.select(ScheduleAttendee.item).join(ScheduleItem).where(
            open_items & (ScheduleAttendee.user == from_id)).tuples()]
        for chunk in _chunks(item_ids):
            moved += ScheduleItem.update(
                owner=to_id, version=ScheduleItem.version + 1, sequence=ScheduleItem.sequence + 1,
                updated_at=now,
            ).where(ScheduleItem.id.in_(chunk)).execute()
        _pass_seats(seats, from_id, to_id)
    return moved


def _pass_seats(item_ids: list[int], from_id: int, to_id: int) -> None:
    """The receiver attends where the leaver did (once, if they were invited already)."""
    for chunk in _chunks(item_ids):
        taken = {i for (i,) in ScheduleAttendee.select(ScheduleAttendee.item).where(
            ScheduleAttendee.item.in_(chunk) & (ScheduleAttendee.user == to_id)).tuples()}
        ScheduleAttendee.delete().where(
            ScheduleAttendee.item.in_(chunk) & (ScheduleAttendee.user == from_id)).execute()
        fresh = [{"item": i, "user": to_id} for i in chunk if i not in taken]
        if fresh:
            ScheduleAttendee.insert_many(fresh).execute()


def move_followup_plans(from_id: int, to_id: int, customer_ids: list[int] | None) -> int:
    """Put ``from_id``'s open planned follow-ups of these customers on ``to_id``'s list."""
    moved = 0
    for on_customers in _scope(FollowupPlan.customer, customer_ids):
        moved += FollowupPlan.update(user=to_id).where(
            on_customers & (FollowupPlan.user == from_id)
            & FollowupPlan.done_at.is_null() & FollowupPlan.cancelled_at.is_null()
        ).execute()
    return moved


def on_handed_over(sender: Any, **kwargs: Any) -> dict[str, int]:
    """The receiver of ``customers_handed_over``: returns what it moved, by kind."""
    from_id = getattr(kwargs["from_user"], "id", kwargs["from_user"])
    to_id = getattr(kwargs["to_user"], "id", kwargs["to_user"])
    customer_ids = kwargs.get("customer_ids")
    return {
        "schedule_items": move_schedule(from_id, to_id, customer_ids),
        "followup_plans": move_followup_plans(from_id, to_id, customer_ids),
    }
