"""Periods: months a period covers (with the share of each), elapsed time, UTC bounds."""

from __future__ import annotations

import calendar
import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

from flask import g


def month_weights(start: dt.date, end: dt.date) -> list[tuple[int, Decimal]]:
    """``[(YYYYMM, weight)]`` for each month the period touches; a whole month weighs 1, a
    partial one the share of its days inside the period (so a quarter splits evenly)."""
    result = []
    year, month = start.year, start.month
    while (year, month) <= (end.year, end.month):
        days = calendar.monthrange(year, month)[1]
        first = max(start, dt.date(year, month, 1))
        last = min(end, dt.date(year, month, days))
        result.append((year * 100 + month, Decimal((last - first).days + 1) / Decimal(days)))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return result


def month_label(month: int) -> str:
    return f"{month // 100:04d}-{month % 100:02d}"


def tenant_zone() -> ZoneInfo:
    tenant = g.get("tenant")
    try:
        return ZoneInfo(getattr(tenant, "timezone", "") or "UTC")
    except (KeyError, ValueError):
        return ZoneInfo("UTC")


def today() -> dt.date:
    """Today in the tenant's time zone."""
    return dt.datetime.now(tenant_zone()).date()


def utc_bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """Naive UTC ``[from, to)`` covering the local days ``start`` … ``end`` in the tenant's zone."""
    zone = tenant_zone()

    def to_utc(day: dt.date) -> dt.datetime:
        local = dt.datetime.combine(day, dt.time.min, tzinfo=zone)
        return local.astimezone(dt.UTC).replace(tzinfo=None)

    return to_utc(start), to_utc(end + dt.timedelta(days=1))


def elapsed_share(start: dt.date, end: dt.date, on: dt.date) -> Decimal:
    """How much of the period has passed by the end of day ``on`` (0 … 1)."""
    total = (end - start).days + 1
    done = min(max((on - start).days + 1, 0), total)
    return (Decimal(done) / Decimal(total)).quantize(Decimal("0.0001"))


def month_start(month: int) -> dt.datetime:
    return dt.datetime(month // 100, month % 100, 1)


def next_month(month: int) -> int:
    year, m = divmod(month, 100)
    return (year + 1) * 100 + 1 if m == 12 else month + 1
