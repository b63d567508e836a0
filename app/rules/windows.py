"""The four named time windows (docs/domain.md) and the day arithmetic behind them.

Each window is one value in `WINDOWS`; the rules, the published rules page and the policy API all
read it from there at call time, so changing a value here changes all three together.

Counting (docs/domain.md, time windows) (a window includes its last day):

- working days: the fail is taken as received the day after its date; the last day is the Nth
  working day after that. Working days exclude Saturdays, Sundays and England and Wales bank
  holidays (the `holidays` package, GB subdivision ENG; Wales has the same bank holidays).
- calendar days: the last day is the start date plus N days (recorded 3 March -> closed 2 April).
- years: the window runs until the day before the Nth anniversary ("less than 7 years ago").
  A 29 February start has its anniversary on 28 February.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

import holidays

ONE_DAY = timedelta(days=1)

UNIT_WORDS = {"working_days": "working days", "calendar_days": "calendar days", "years": "years"}


@dataclass(frozen=True, slots=True)
class Window:
    """A named time window: its length, its unit and what it is counted from."""

    name: str
    title: str
    length: int
    unit: str  # "working_days" | "calendar_days" | "years"
    counted_from: str
    source: str

    @property
    def words(self) -> str:
        """The length in words, for reasons: "20 working days"."""
        return f"{self.length} {UNIT_WORDS[self.unit]}"

    @property
    def in_words(self) -> str:
        """The whole window in words, for the rules page."""
        days = self.words
        if self.unit == "working_days":
            days += " (not counting weekends or England and Wales bank holidays)"
        return f"{days}, counted from {self.counted_from}"

    def last_day(self, start: date) -> date:
        """The last day inside the window that starts from `start`."""
        if self.unit == "calendar_days":
            return start + timedelta(days=self.length)
        if self.unit == "working_days":
            return _working_days_last_day(self.length, start)
        if self.unit == "years":
            return add_years(start, self.length) - ONE_DAY
        raise ValueError(f"unknown window unit {self.unit!r}")

    def is_open(self, start: date, today: date) -> bool:
        """Whether `today` is inside the window: on or before its last day."""
        return today <= self.last_day(start)

    def starts_closing_between(self, first: date, last: date) -> tuple[date, date]:
        """The first and last start dates whose window's last day falls from `first` to `last`.

        What a query over the column a window counts from needs (the deadlines list); the range is
        empty (first start after the last) when no start qualifies.
        """
        return self._earliest_start(first), self._earliest_start(last + ONE_DAY) - ONE_DAY

    def _earliest_start(self, day: date) -> date:
        """The earliest start whose last day is on or after `day` (last_day never decreases)."""
        low, high = day - timedelta(days=self._longest_span_days()), day
        while low < high:
            middle = low + (high - low) // 2
            if self.last_day(middle) >= day:
                high = middle
            else:
                low = middle + ONE_DAY
        return low

    def _longest_span_days(self) -> int:
        """More calendar days than the window can span (weeks of bank holidays included)."""
        per_unit = {"calendar_days": 1, "working_days": 2, "years": 366}[self.unit]
        return self.length * per_unit + 14


APPEAL_LODGING = Window(
    name="APPEAL_LODGING",
    title="Appeal lodging",
    length=20,
    unit="working_days",
    counted_from=(
        "the day the fail is taken as received, which is the day after the fail outcome's date: "
        "working day 1 is the first working day after the day of receipt"
    ),
    source="Statutory appeals guidance",
)
APPEAL_DECISION = Window(
    name="APPEAL_DECISION",
    title="Appeal decision",
    length=180,
    unit="calendar_days",
    counted_from="the date the appeal was lodged",
    source="Team decision: the appeal outcome may take a little longer",
)
OUTCOME_CORRECTION = Window(
    name="OUTCOME_CORRECTION",
    title="Outcome correction",
    length=30,
    unit="calendar_days",
    counted_from="the date the outcome was recorded in CPD (not the outcome's own date)",
    source="Team decision: corrections should happen quite soon after an outcome is recorded",
)
MANAGED_BY_CPD = Window(
    name="MANAGED_BY_CPD",
    title="Managed by CPD",
    length=7,
    unit="years",
    counted_from="the induction's completed date",
    source="TRS",
)

# The one place the rules read window values from (tests may swap an entry).
WINDOWS: dict[str, Window] = {
    window.name: window
    for window in (APPEAL_LODGING, APPEAL_DECISION, OUTCOME_CORRECTION, MANAGED_BY_CPD)
}


def window(name: str) -> Window:
    """The window in force under `name` (read at call time, so a change takes effect at once)."""
    return WINDOWS[name]


@lru_cache(maxsize=256)
def bank_holidays(year: int) -> frozenset[date]:
    """England and Wales bank holidays in `year`, from the maintained `holidays` package."""
    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=year))


def is_working_day(day: date) -> bool:
    """Monday to Friday and not an England and Wales bank holiday."""
    return day.weekday() < 5 and day not in bank_holidays(day.year)


def add_working_days(start: date, count: int) -> date:
    """The `count`th working day after `start` (`start` itself is not counted)."""
    day = start
    remaining = count
    while remaining > 0:
        day += ONE_DAY
        if is_working_day(day):
            remaining -= 1
    return day


def add_years(start: date, years: int) -> date:
    """The same day `years` later; 29 February becomes 28 February in a common year."""
    try:
        return start.replace(year=start.year + years)
    except ValueError:
        return start.replace(year=start.year + years, day=28)


_WORKING_DAYS_CACHE: dict[tuple[int, date], date] = {}


def _working_days_last_day(length: int, start: date) -> date:
    """The fail is received the day after `start`; the last day is `length` working days on."""
    key = (length, start)
    last = _WORKING_DAYS_CACHE.get(key)
    if last is None:
        if len(_WORKING_DAYS_CACHE) > 65536:  # a bound, not a policy: drop and refill
            _WORKING_DAYS_CACHE.clear()
        last = _WORKING_DAYS_CACHE[key] = add_working_days(start + ONE_DAY, length)
    return last
