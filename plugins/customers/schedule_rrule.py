"""Recurrence (RFC 5545 RRULE through python-dateutil), always expanded within a window.

A rule that never ends is fine: nothing ever lists all its occurrences, only those inside the
window asked for, and at most :data:`MAX_PER_WINDOW` of them. Rules firing more often than
hourly are refused. Occurrences are computed in the item's own zone, so wall-clock time stays
put across daylight-saving changes there.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Iterator
from zoneinfo import ZoneInfo

from dateutil.rrule import rrule, rrulestr

MAX_PER_WINDOW = 1000
MAX_COUNTED = 5000  # beyond this many occurrences a series counts as open-ended
FORBIDDEN_FREQ = ("SECONDLY", "MINUTELY")
UNTIL_RE = re.compile(r"UNTIL=([0-9TZ]+)", re.IGNORECASE)


class RecurrenceError(ValueError):
    """The rule cannot be used; the message says why."""


def normalise(text: str, tz: ZoneInfo) -> str:
    """The rule without an ``RRULE:`` prefix, with UNTIL in UTC (as RFC 5545 wants when the
    start has a zone; clients often send a local or date-only UNTIL)."""
    text = (text or "").strip()
    if text.upper().startswith("RRULE:"):
        text = text[6:]
    if not text:
        return ""
    if "\n" in text or "DTSTART" in text.upper():
        raise RecurrenceError("give only the RRULE value, e.g. FREQ=WEEKLY;COUNT=10")
    match = UNTIL_RE.search(text)
    if match and not match.group(1).upper().endswith("Z"):
        raw = match.group(1)
        try:
            local = (dt.datetime.strptime(raw, "%Y%m%dT%H%M%S") if "T" in raw.upper()
                     else dt.datetime.strptime(raw, "%Y%m%d").replace(hour=23, minute=59, second=59))
        except ValueError as exc:
            raise RecurrenceError(f"bad UNTIL {raw!r}") from exc
        utc = local.replace(tzinfo=tz).astimezone(dt.UTC)
        text = text[:match.start(1)] + utc.strftime("%Y%m%dT%H%M%SZ") + text[match.end(1):]
    return text.upper()


def build(text: str, start_local: dt.datetime) -> rrule:
    """The dateutil rule for ``text`` starting at ``start_local`` (aware, in the item's zone)."""
    if any(f"FREQ={freq}" in text for freq in FORBIDDEN_FREQ):
        raise RecurrenceError("recurrence more often than hourly is not supported")
    try:
        rule = rrulestr(text, dtstart=start_local)
    except (ValueError, TypeError, KeyError, IndexError) as exc:
        raise RecurrenceError(f"not a valid recurrence rule: {exc}") from exc
    if not isinstance(rule, rrule):
        raise RecurrenceError("give one RRULE, not a set")
    return rule


def last_start(rule: rrule) -> dt.datetime | None:
    """The start of the last occurrence, or None when the series never ends (or is huge)."""
    text = str(rule)
    if "UNTIL=" not in text and "COUNT=" not in text:
        return None
    last = None
    for count, moment in enumerate(itertools.islice(rule, MAX_COUNTED + 1)):
        if count >= MAX_COUNTED:
            return None
        last = moment
    return last


def starts_between(rule: rrule, after: dt.datetime, before: dt.datetime) -> Iterator[dt.datetime]:
    """Occurrence starts with ``after <= start < before``, at most MAX_PER_WINDOW."""
    for moment in rule.xafter(after, count=MAX_PER_WINDOW, inc=True):
        if moment >= before:
            return
        yield moment
