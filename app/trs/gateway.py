"""How the console reads TRS: one shared client, a short cache, and failures turned into readings.

The teacher page and the services never handle TRS exceptions themselves: they get a
:class:`TrsReading` that says what TRS answered (found, not found, deactivated, merged) or that it
could not be read, and they show that. The cache is per process and short (seconds), so a page that
needs the person twice, or a burst of pages for one teacher, calls TRS once.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from app.clock import Clock
from app.trs.client import TrsClient
from app.trs.errors import TrsDeactivated, TrsError, TrsMerged, TrsNotFound
from app.trs.person import TrsPerson

ReadingState = Literal["found", "not_found", "deactivated", "merged", "unavailable"]


@dataclass(frozen=True)
class TrsReading:
    """What TRS said about one TRN, and when the console asked."""

    trn: str
    state: ReadingState
    read_at: datetime
    person: TrsPerson | None = None
    merged_into: str | None = None
    problem: str | None = None
    error: TrsError | None = field(default=None, compare=False)  # why TRS could not be read

    @property
    def found(self) -> bool:
        return self.state == "found"


# Readings older than the cache's few seconds are dropped once it holds this many, so a long-lived
# worker that reads thousands of teachers keeps only the last few seconds' worth.
CACHE_PRUNE_AT = 5_000


class TrsGateway:
    def __init__(self, client: TrsClient, clock: Clock, cache_seconds: float) -> None:
        self.client = client
        self.clock = clock
        self.cache_seconds = cache_seconds
        self._cache: dict[str, tuple[float, TrsReading]] = {}
        self._lock = threading.Lock()

    @classmethod
    def from_config(cls, config: Mapping[str, Any], clock: Clock) -> TrsGateway:
        client = TrsClient(
            config["TRS_API_BASE_URL"],
            config["TRS_API_KEY"],
            api_version=config["TRS_API_VERSION"],
        )
        return cls(client, clock, float(config["TRS_CACHE_SECONDS"]))

    def read_person(self, trn: str, *, fresh: bool = False) -> TrsReading:
        """The person as TRS has them now (or within the cache's few seconds)."""
        if not fresh and self.cache_seconds > 0:
            with self._lock:
                cached = self._cache.get(trn)
            if cached and cached[0] > time.monotonic():
                return cached[1]
        reading = self._read(trn)
        if reading.state != "unavailable" and self.cache_seconds > 0:
            with self._lock:
                now = time.monotonic()
                if len(self._cache) >= CACHE_PRUNE_AT:
                    self._cache = {t: kept for t, kept in self._cache.items() if kept[0] > now}
                self._cache[trn] = (now + self.cache_seconds, reading)
        return reading

    def forget(self, trn: str) -> None:
        """Drop a cached reading, after the console has changed what TRS holds."""
        with self._lock:
            self._cache.pop(trn, None)

    def ping(self) -> dict[str, Any]:
        """Whether TRS answers at all: any HTTP answer, even a 404, means reachable."""
        started = time.monotonic()
        reading = self._read("0000000")
        return {
            "reachable": reading.state != "unavailable",
            "milliseconds": round((time.monotonic() - started) * 1000),
            **({"error": reading.problem} if reading.state == "unavailable" else {}),
        }

    def _read(self, trn: str) -> TrsReading:
        now = self.clock.now()
        try:
            person = self.client.get_person(trn)
        except TrsNotFound:
            return TrsReading(trn, "not_found", now)
        except TrsDeactivated:
            return TrsReading(trn, "deactivated", now)
        except TrsMerged as merged:
            return TrsReading(trn, "merged", now, merged_into=merged.retained_trn)
        except TrsError as error:
            return TrsReading(trn, "unavailable", now, problem=error.message, error=error)
        return TrsReading(trn, "found", now, person=person)
