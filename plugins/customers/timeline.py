"""The customer's timeline: every department's dealings with a customer, "like beads on a string".

The customers plugin itself contributes activities, notes, transactions and schedule items.
Other modules contribute through one blinker signal, :data:`timeline_entries`, connected from
their ``crm_signal_receivers`` hook: the kernel scopes those receivers, so only modules the
tenant has enabled answer, and the customers plugin never imports another module's internals.

A receiver is called as ``receiver(sender, tenant=slug, customer=Customer, user=User,
kinds=set | None, before=datetime | None, limit=int)`` and returns a list of
:class:`TimelineEntry` (or None): the customer's entries the user may see, newest first,
older than ``before`` (naive UTC) when given, at most ``limit`` of them. The funnel's stage
changes, and later mail and expenses, arrive this way::

    from plugins.customers.timeline import TimelineEntry, timeline_entries

    def stage_changes(sender, customer, user, kinds, before, limit, **kw):
        if kinds is not None and "stage_change" not in kinds:
            return None
        ...  # the customer's stage changes of deals the user may read
        return [TimelineEntry(kind="stage_change", key=f"stage:{row.id}", at=row.at, title=...)]

    @hookimpl
    def crm_signal_receivers(kernel):
        return [(timeline_entries, stage_changes)]
"""

from __future__ import annotations

import datetime as dt
import heapq
import logging
from dataclasses import dataclass, field
from typing import Any

from blinker import Namespace
from flask import current_app, g

from core.errors import ApiError
from core.identity.models import User
from core.identity.permissions import can, visible
from plugins.customers import schedule_time as times
from plugins.customers.activities_models import Activity
from plugins.customers.models import Customer, Note, Transaction
from plugins.customers.schedule_models import ScheduleItem

log = logging.getLogger(__name__)
timeline_signals = Namespace()
timeline_entries = timeline_signals.signal("customers.timeline-entries")

BUILTIN_KINDS = ("activity", "note", "transaction", "schedule")
KNOWN_KINDS = (*BUILTIN_KINDS, "stage_change", "mail", "expense")
MAX_LIMIT = 200


@dataclass(order=False)
class TimelineEntry:
    """One bead: ``at`` is naive UTC; ``key`` is unique across kinds (``"note:12"``)."""

    kind: str
    key: str
    at: dt.datetime
    title: str
    body: str = ""
    url: str = ""
    author_id: int | None = None
    source: str = "customers"
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self, tz: Any) -> dict[str, Any]:
        return {"kind": self.kind, "key": self.key, "at": times.show(self.at, tz), "title": self.title,
                "body": self.body, "url": self.url, "author_id": self.author_id, "source": self.source,
                **({"extra": self.extra} if self.extra else {})}


def _older(query: Any, column: Any, before: dt.datetime | None) -> Any:
    return query if before is None else query.where(column <= before)


def _own_entries(user: User, customer: Customer, kinds: set[str] | None, before: dt.datetime | None,
                 limit: int) -> list[TimelineEntry]:
    wanted = set(BUILTIN_KINDS) if kinds is None else kinds & set(BUILTIN_KINDS)
    entries: list[TimelineEntry] = []
    if "activity" in wanted and can(user, "read", "activity"):
        query = _older(Activity.live().where(Activity.customer == customer.id), Activity.date, before)
        for a in query.order_by(Activity.date.desc(), Activity.id.desc()).limit(limit):
            body = "\n".join(part for part in (a.outcome, a.description) if part)
            entries.append(TimelineEntry("activity", f"activity:{a.id}", a.date, a.title, body,
                                         author_id=a.author_id, extra={"type": a.type, "id": a.id,
                                                                       "deal_id": a.deal_id}))
    if "note" in wanted:
        query = _older(Note.live().where(Note.customer == customer.id), Note.created_at, before)
        for n in query.order_by(Note.created_at.desc(), Note.id.desc()).limit(limit):
            entries.append(TimelineEntry("note", f"note:{n.id}", n.created_at, n.body[:80], n.body,
                                         author_id=n.author_id))
    if "transaction" in wanted:
        at = Transaction.created_at
        query = _older(Transaction.live().where(Transaction.customer == customer.id), at, before)
        for t in query.order_by(at.desc(), Transaction.id.desc()).limit(limit):
            amount = f" {t.amount}" if t.amount is not None else ""
            entries.append(TimelineEntry("transaction", f"transaction:{t.id}", t.created_at,
                                         f"{t.kind}{amount}", t.memo, author_id=t.author_id,
                                         extra={"date": t.date.isoformat(), "kind": t.kind}))
    if "schedule" in wanted and can(user, "read", "schedule_item"):
        query = ScheduleItem.live().where(ScheduleItem.customer == customer.id)
        query = _older(visible(query, user, "schedule_item", ScheduleItem), ScheduleItem.start, before)
        for s in query.order_by(ScheduleItem.start.desc(), ScheduleItem.id.desc()).limit(limit):
            entries.append(TimelineEntry("schedule", f"schedule:{s.id}", s.start, s.title,
                                         s.outcome or s.description, author_id=s.owner_id,
                                         extra={"kind": s.kind, "status": s.status, "id": s.id}))
    return entries


def _contributed(user: User, customer: Customer, kinds: set[str] | None, before: dt.datetime | None,
                 limit: int) -> list[TimelineEntry]:
    entries: list[TimelineEntry] = []
    kernel = current_app.extensions["xietong"]
    for receiver, result in timeline_entries.send(kernel, tenant=g.tenant.slug, customer=customer, user=user,
                                                  kinds=kinds, before=before, limit=limit):
        for entry in result or ():
            if isinstance(entry, TimelineEntry):
                entries.append(entry)
            else:
                log.warning("timeline receiver %r returned %r, not a TimelineEntry", receiver, entry)
    return entries


def customer_timeline(user: User, customer: Customer, kinds: list[str] | None = None, limit: int = 50,
                      cursor: str | None = None) -> tuple[list[TimelineEntry], str | None]:
    """The customer's merged timeline, newest first; ``cursor`` is the ``next`` of the page
    before. The caller has checked that ``user`` may read ``customer``."""
    if not 1 <= limit <= MAX_LIMIT:
        raise ApiError(400, f"limit must be from 1 to {MAX_LIMIT}")
    wanted = set(kinds) if kinds else None
    before, after_key = _parse_cursor(cursor)
    fetch = limit + 1 + (1 if cursor else 0)
    entries = _own_entries(user, customer, wanted, before, fetch)
    entries += _contributed(user, customer, wanted, before, fetch)
    if wanted is not None:
        entries = [e for e in entries if e.kind in wanted]
    ordered = heapq.nlargest(len(entries), entries, key=lambda e: (e.at, e.key))
    if before is not None:
        ordered = [e for e in ordered if (e.at, e.key) < (before, after_key)]
    page = ordered[:limit]
    more = len(ordered) > limit
    return page, (f"{page[-1].at.isoformat()}|{page[-1].key}" if more and page else None)


def _parse_cursor(cursor: str | None) -> tuple[dt.datetime | None, str]:
    if not cursor:
        return None, ""
    at, _, key = cursor.partition("|")
    try:
        return dt.datetime.fromisoformat(at), key
    except ValueError as exc:
        raise ApiError(400, "bad cursor") from exc
