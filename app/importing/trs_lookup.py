"""Reading TRS for the file's teachers: through the console's gateway, with the outbox's backoff.

Each TRN is read fresh (the gateway without its page cache), a merge is followed to the record TRS
keeps, and an answer TRS says is worth retrying (5xx, 429, timeouts) is asked again after the same
exponential backoff with jitter that delivery uses, never sooner than TRS's `Retry-After`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor, wait
from typing import NamedTuple

from app.trs.errors import CONSOLE_REFUSED
from app.trs.gateway import TrsGateway, TrsReading
from app.trs.outbox import Backoff

LOOKUP_CHUNK = 1000  # teachers read from TRS together, before their turn to be written
# Asks after the first one, when TRS says trying again may help: waits of half to all of 1, 2 and
# 4 seconds, or TRS's Retry-After, but never more than MAX_RETRY_WAIT (a person is waiting).
RETRIES = 3
RETRY_BACKOFF = Backoff(base_seconds=1.0, cap_seconds=30.0)
MAX_RETRY_WAIT = 30.0
MERGE_HOPS = 5


class ImportAborted(Exception):
    """TRS refused the console itself (its API key), so no teacher can be checked."""


class TrsLookup(NamedTuple):
    """What TRS holds for a file's TRN: the reading of the record TRS keeps, and that record's
    TRN when TRS merged the file's TRN into it."""

    reading: TrsReading
    retained_trn: str | None


def read_trs(gateway: TrsGateway, trn: str) -> TrsLookup:
    """Read TRS for one TRN, following merges to the retained record. Raises ImportAborted when
    TRS refuses the console itself: then no teacher can be checked, and the person running the
    import must know at once."""
    retained = None
    for _hop in range(MERGE_HOPS):
        current = retained or trn
        reading = _read_retrying(gateway, current)
        if reading.state != "merged":
            return TrsLookup(reading, retained)
        if reading.merged_into is None:
            problem = f"TRS says TRN {current} was merged but not into which record."
            return TrsLookup(_unavailable(reading, problem), None)
        retained = reading.merged_into
    problem = f"TRS merged TRN {trn} more than {MERGE_HOPS} times over."
    return TrsLookup(_unavailable(reading, problem), None)


def _read_retrying(gateway: TrsGateway, trn: str) -> TrsReading:
    for attempt in range(1, RETRIES + 2):
        reading = gateway.read_person(trn, fresh=True)
        error = reading.error
        if isinstance(error, CONSOLE_REFUSED):
            raise ImportAborted(error.message)
        if error is None or not error.retryable or attempt > RETRIES:
            return reading
        wait_for = RETRY_BACKOFF.delay(attempt, error.retry_after).total_seconds()
        time.sleep(min(wait_for, MAX_RETRY_WAIT))
    raise AssertionError("unreachable: the last attempt returns")


def _unavailable(reading: TrsReading, problem: str) -> TrsReading:
    return TrsReading(reading.trn, "unavailable", reading.read_at, problem=problem)


def lookups(
    trns: list[str], read: Callable[[str], TrsLookup], concurrency: int
) -> Iterator[TrsLookup]:
    """TRS readings in the order of `trns`, read `concurrency` at a time, LOOKUP_CHUNK at once.

    A chunk is read while the caller waits, then handed over while the threads rest: reading
    while the database writes made the two fight over the GIL (sqlite3 and psycopg give it up on
    every statement) and was slower than taking turns. Only one chunk is held in memory.
    """
    with ThreadPoolExecutor(concurrency, thread_name_prefix="import-trs") as pool:
        for start in range(0, len(trns), LOOKUP_CHUNK):
            chunk = [pool.submit(read, trn) for trn in trns[start : start + LOOKUP_CHUNK]]
            wait(chunk)
            try:
                for future in chunk:
                    yield future.result()
            finally:
                for future in chunk:
                    future.cancel()
