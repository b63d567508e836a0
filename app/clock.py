"""The one source of "now" and "today".

Every part of the console that needs the date asks a :class:`Clock`, so tests can travel in time by
installing a :class:`FixedClock`. Days are calendar dates in Europe/London (docs/domain.md, time windows); instants
are UTC-aware datetimes.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")


class Clock:
    """The real clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def today(self) -> date:
        return self.now().astimezone(LONDON).date()


class FixedClock(Clock):
    """A clock that stands still until moved; for tests and demos of deadlines."""

    def __init__(self, at: datetime | date) -> None:
        self.set(at)

    def set(self, at: datetime | date) -> None:
        if not isinstance(at, datetime):
            at = datetime(at.year, at.month, at.day, 12, 0, tzinfo=LONDON)
        if at.tzinfo is None:
            raise ValueError("FixedClock needs a timezone-aware datetime")
        self._now = at.astimezone(UTC)

    def advance(self, delta: timedelta) -> None:
        self._now += delta

    def now(self) -> datetime:
        return self._now
