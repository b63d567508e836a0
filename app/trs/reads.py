"""How reconciliation reads TRS a chunk of teachers at a time: threads here, or reading processes.

A Python process spends about a third of a millisecond of CPU on each HTTP read (building the
request, parsing the answer), under one interpreter lock, so one process's reads set the pace of a
national run long before TRS does. `ReadsInProcesses` splits the same bounded concurrency over a
few child processes, each with its own TRS client and threads; CPD's side stays in the caller's
process. `ReadsInThreads` keeps everything in this process (tests, "Check TRS now", one core).

Either way a failure to read is a reading ("unavailable"), never an exception that ends the run.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from typing import Any, Protocol

from app.clock import Clock
from app.trs.gateway import TrsGateway, TrsReading

Read = Callable[[str], TrsReading]
Readings = dict[str, TrsReading]


class ChunkReads(Protocol):
    """Starts reading a chunk's TRNs; `depth` chunks are kept reading ahead of CPD's side."""

    depth: int

    def start(self, trns: Sequence[str]) -> Callable[[], Readings]: ...

    def close(self) -> None: ...


class ReadsInThreads:
    """Threads in this process sharing `read` (and its pooled HTTP client)."""

    depth = 1

    def __init__(self, read: Read, clock: Clock, threads: ThreadPoolExecutor) -> None:
        self._read, self._clock, self._threads = read, clock, threads

    @classmethod
    def at_once(cls, read: Read, concurrency: int, clock: Clock) -> ReadsInThreads:
        return cls(read, clock, ThreadPoolExecutor(concurrency, thread_name_prefix="trs-read"))

    def start(self, trns: Sequence[str]) -> Callable[[], Readings]:
        futures = [(trn, self._threads.submit(self._read, trn)) for trn in trns]
        return lambda: {trn: _reading(future, trn, self._clock) for trn, future in futures}

    def close(self) -> None:
        self._threads.shutdown(cancel_futures=True)


class ReadsInProcesses:
    """`processes` child processes, each reading whole chunks with its share of the threads."""

    def __init__(
        self, trs_config: Mapping[str, Any], processes: int, concurrency: int, clock: Clock
    ) -> None:
        self.depth = processes
        self._clock = clock
        config = {key: trs_config[key] for key in TRS_SETTINGS}
        self._pool = ProcessPoolExecutor(
            processes,
            # Spawned, not forked: a fork would copy the caller's open database connections
            # and the locks its threads hold.
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_start_reading_process,
            initargs=(config, max(1, concurrency // processes), clock),
        )

    def start(self, trns: Sequence[str]) -> Callable[[], Readings]:
        future = self._pool.submit(_read_chunk, list(trns))
        return lambda: self._readings(future, trns)

    def _readings(self, future: Future[Readings], trns: Sequence[str]) -> Readings:
        try:
            return future.result()
        except Exception as error:  # noqa: BLE001 - a lost process is an unreadable chunk
            now = self._clock.now()
            problem = f"{type(error).__name__}."
            return {trn: TrsReading(trn, "unavailable", now, problem=problem) for trn in trns}

    def close(self) -> None:
        self._pool.shutdown(cancel_futures=True)


TRS_SETTINGS = ("TRS_API_BASE_URL", "TRS_API_KEY", "TRS_API_VERSION")

# In a reading process: its own gateway (no cache: a run reads each teacher once) and threads.
_reads: ReadsInThreads | None = None


def _start_reading_process(config: dict[str, Any], threads: int, clock: Clock) -> None:
    """`clock`: the caller's, so a reading is dated as one read in the caller's process would be."""
    global _reads
    gateway = TrsGateway.from_config({**config, "TRS_CACHE_SECONDS": 0}, clock)
    _reads = ReadsInThreads.at_once(gateway.read_person, threads, clock)


def _read_chunk(trns: list[str]) -> Readings:
    assert _reads is not None, "run in a process started by ReadsInProcesses"
    return _reads.start(trns)()


def _reading(future: Future[TrsReading], trn: str, clock: Clock) -> TrsReading:
    """The reading, or an unreadable one when reading TRS raised (it should not: the gateway
    turns TRS's failures into readings; anything else must not end the run)."""
    try:
        return future.result()
    except Exception as error:  # noqa: BLE001
        return TrsReading(trn, "unavailable", clock.now(), problem=f"{type(error).__name__}.")
