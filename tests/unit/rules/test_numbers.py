"""The one reading of numbers: ASCII digits, bounded, never an exception."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.rules.numbers import has_one_decimal_place_at_most, read_decimal, read_whole_number


@pytest.mark.parametrize(
    ("raw", "number"),
    [("0", 0), ("7", 7), ("000000012", 12), (5, 5), (0, 0), ("999999999", 999_999_999)],
)
def test_whole_numbers_read(raw, number):
    assert read_whole_number(raw) == number


@pytest.mark.parametrize(
    "raw",
    ["", "²", "١", "３", "1.0", 1.0, "-1", -1, True, " 1", "1\n", "0x1", "1_0", "1" * 10, None, []],
)
def test_anything_else_is_not_a_whole_number(raw):
    assert read_whole_number(raw) is None


@pytest.mark.parametrize(
    ("raw", "number"),
    [("3", "3"), ("2.5", "2.5"), ("-1", "-1"), (2.5, "2.5"), (16, "16"), (1e308, "1E+308"),
     (10**33, "1" + "0" * 33), (0.1, "0.1"), (Decimal("4.50"), "4.50")],
)  # fmt: skip
def test_decimals_read(raw, number):
    assert read_decimal(raw) == Decimal(number)


@pytest.mark.parametrize(
    "raw",
    ["١", "٣.٥", "²", "1e999999999", "1e1", "3_0", " 3", "3.", ".5", "NaN", "Infinity", "",
     "1" * 10, True, None, [], Decimal("NaN"), Decimal("Infinity"), float("inf")],
)  # fmt: skip
def test_anything_else_is_not_a_decimal(raw):
    assert read_decimal(raw) is None


@pytest.mark.parametrize(
    ("number", "fits"),
    [("3", True), ("2.5", True), ("2.50", True), ("0", True), ("0.00", True), ("2.25", False),
     ("1E+308", True), ("1E-300", False)],
)  # fmt: skip
def test_one_decimal_place_even_for_huge_numbers(number, fits):
    assert has_one_decimal_place_at_most(Decimal(number)) is fits


@given(st.text(max_size=25) | st.integers() | st.floats() | st.decimals())
def test_reading_never_raises(raw):
    number = read_decimal(raw)
    if number is not None:
        has_one_decimal_place_at_most(number)
    read_whole_number(raw)
