"""Field types plugins share. Money is exact: integer minor units in storage, Decimal in code."""

from __future__ import annotations

import json
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from typing import Any

import peewee

CENT = Decimal("0.01")


def to_decimal(value: Any) -> Decimal:
    """Parse money from a string, int or Decimal — never from a float (that would be lossy)."""
    if isinstance(value, float):
        raise TypeError("money must not be a float; pass a string or Decimal")
    try:
        result = Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, AttributeError) as exc:
        raise ValueError(f"not an amount of money: {value!r}") from exc
    if not result.is_finite() or result.adjusted() > 15:  # 10^15: beyond any real amount
        raise ValueError(f"not an amount of money: {value!r}")
    return result.quantize(CENT, rounding=ROUND_HALF_EVEN)


class MoneyField(peewee.BigIntegerField):
    """A money amount stored as integer cents (exact on SQLite and PostgreSQL alike)."""

    def db_value(self, value: Any) -> int | None:
        if value is None:
            return None
        if isinstance(value, int) and not isinstance(value, bool):
            value = Decimal(value)
        return int(to_decimal(value) * 100)

    def python_value(self, value: Any) -> Decimal | None:
        if value is None:
            return None
        return (Decimal(int(value)) / 100).quantize(CENT)


class JSONField(peewee.TextField):
    """JSON kept as text: portable across SQLite and PostgreSQL."""

    def db_value(self, value: Any) -> str | None:
        return None if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)

    def python_value(self, value: Any) -> Any:
        return None if value is None else json.loads(value)
