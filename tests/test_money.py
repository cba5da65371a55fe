"""Money: exact Decimal in code, integer cents in storage, never a float."""

from __future__ import annotations

from decimal import Decimal

import pytest

from core.fields import MoneyField, to_decimal


@pytest.mark.parametrize(("raw", "expected"), [
    ("1234.50", Decimal("1234.50")), ("1,000.005", Decimal("1000.00")), ("0.015", Decimal("0.02")),
    (7, Decimal("7.00")), (Decimal("-3.1"), Decimal("-3.10")), (" 42 ", Decimal("42.00")),
])
def test_amounts_are_parsed_exactly_with_bankers_rounding(raw, expected):
    assert to_decimal(raw) == expected


@pytest.mark.parametrize("raw", ["abc", "", "NaN", "Infinity", "1e400", "1e16", None])
def test_bad_amounts_are_value_errors(raw):
    with pytest.raises(ValueError, match="not an amount of money"):
        to_decimal(raw)


def test_floats_are_refused():
    with pytest.raises(TypeError, match="float"):
        to_decimal(0.1)


def test_money_field_stores_cents_and_reads_decimals():
    field = MoneyField()
    assert field.db_value("1234.50") == 123450
    assert field.db_value(3) == 300
    assert field.python_value(123450) == Decimal("1234.50")
    assert field.db_value(None) is None and field.python_value(None) is None
