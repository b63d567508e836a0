"""One reading of numbers for the forms, the query string and the policy API: ASCII digits only.

Python reads more than a person types: `int("١")` is 1 (Arabic-Indic), `"²".isdigit()` is True but
`int("²")` fails, `Decimal("1_0")` is 10, and `Decimal("1e999999999")` is a number no sum can
use. A number here is what a UK keyboard types, of a bounded length, so nothing downstream can
be surprised by it.
"""

from __future__ import annotations

import re
from decimal import Decimal

MAX_DIGITS = 9  # a whole number, or each side of a decimal point
WHOLE = re.compile(rf"[0-9]{{1,{MAX_DIGITS}}}")
DECIMAL = re.compile(rf"-?[0-9]{{1,{MAX_DIGITS}}}(\.[0-9]{{1,{MAX_DIGITS}}})?")


def read_whole_number(raw: object) -> int | None:
    """0 or more, from a JSON integer or ASCII digits; None for anything else ("²", "١", 1.0)."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw if raw >= 0 else None
    if isinstance(raw, str) and WHOLE.fullmatch(raw):
        return int(raw)
    return None


def read_decimal(raw: object) -> Decimal | None:
    """A finite number from a JSON number or typed text ("3", "2.5", "-1"); None otherwise.

    A float is read as it prints (2.5, not 2.49999...); a huge one (1e308) is still a number,
    for the caller's range check to refuse before any arithmetic.
    """
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int | Decimal):
        number = Decimal(raw)
    elif isinstance(raw, float):
        number = Decimal(repr(raw))
    elif isinstance(raw, str) and DECIMAL.fullmatch(raw):
        number = Decimal(raw)
    else:
        return None
    return number if number.is_finite() else None


def has_one_decimal_place_at_most(number: Decimal) -> bool:
    """3, 2.5 and 2.50, not 2.25; without quantize, which overflows on a huge number."""
    return number.is_zero() or number.normalize().as_tuple().exponent >= -1
