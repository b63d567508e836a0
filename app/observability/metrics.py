"""The console's Prometheus metrics: counters and histograms every process adds to.

Served at `/metrics` by the web processes (`app.web.observability`), which add the gauges read
from the database at scrape time (outbox, manual requests). When `PROMETHEUS_MULTIPROC_DIR` is set
before this module is first imported (gunicorn's config file, `make up`), every process on the host
writes its counts to files there and a scrape adds them all up: the web workers' requests, the
delivery workers' deliveries and TRS calls, the scheduler's reconciliations. Without it (tests,
`make run`) each process counts for itself.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping

from prometheus_client import (
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)

PREFIX = "induction_console"
# Seconds: pages answer in tens of milliseconds; TRS calls time out after a few seconds.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

HTTP_REQUESTS = Histogram(
    f"{PREFIX}_http_request_duration_seconds",
    "Requests served, by route pattern, method and status (the _count is the request count).",
    ["route", "method", "status"],
    buckets=LATENCY_BUCKETS,
)
TRS_CALLS = Histogram(
    f"{PREFIX}_trs_request_duration_seconds",
    "Calls to the TRS API by endpoint and outcome (HTTP status, timeout or connection_error).",
    ["endpoint", "status"],
    buckets=LATENCY_BUCKETS,
)
DELIVERIES = Counter(
    f"{PREFIX}_deliveries",
    "Outbox rows tried by delivery workers, by result (sent, retry, superseded, failed, released).",
    ["result"],
)
RECONCILE_TEACHERS_READ = Counter(
    f"{PREFIX}_reconcile_teachers_read", "Teachers reconciliation read from TRS."
)
RECONCILE_DRIFT_FOUND = Counter(
    f"{PREFIX}_reconcile_drift_found", "Teachers reconciliation found TRS disagreeing with CPD."
)
RECONCILE_EXEMPTIONS_CLOSED = Counter(
    f"{PREFIX}_reconcile_exemptions_closed",
    "Open induction periods reconciliation closed because TRS records an exemption.",
)
RECONCILE_UNREADABLE = Counter(
    f"{PREFIX}_reconcile_unreadable", "Teachers reconciliation could not read from TRS."
)
SIGN_IN_FAILURES = Counter(
    f"{PREFIX}_sign_in_failures", "Sign-in attempts refused (wrong email or password)."
)
SIGN_IN_LOCKS = Counter(
    f"{PREFIX}_sign_in_locks", "Times sign-in was locked for an account or address."
)


def observe_request(route: str, method: str, status: int, seconds: float) -> None:
    HTTP_REQUESTS.labels(route, method, str(status)).observe(seconds)


def observe_trs_call(endpoint: str, status: str, seconds: float) -> None:
    TRS_CALLS.labels(endpoint, status).observe(seconds)


def count_deliveries(results: Iterable[str]) -> None:
    for result in results:
        DELIVERIES.labels(result).inc()


def count_reconciliation(outcomes: Mapping[str, int]) -> None:
    """A reconciliation run's counts by outcome (`app.trs.reconcile.OUTCOME_WORDS`)."""
    read = sum(count for outcome, count in outcomes.items() if outcome != "unreadable")
    RECONCILE_TEACHERS_READ.inc(read)
    RECONCILE_DRIFT_FOUND.inc(outcomes.get("drift", 0))
    RECONCILE_EXEMPTIONS_CLOSED.inc(outcomes.get("exemption_closed", 0))
    RECONCILE_UNREADABLE.inc(outcomes.get("unreadable", 0))


def count_sign_in_failure() -> None:
    """One refused sign-in (for the sign-in view and its throttling)."""
    SIGN_IN_FAILURES.inc()


def count_sign_in_lock() -> None:
    """Sign-in locked for an account or an address (for the sign-in throttling)."""
    SIGN_IN_LOCKS.inc()


def process_metrics() -> bytes:
    """Every process's counters when they share a directory, otherwise this process's."""
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return generate_latest(REGISTRY)
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    return generate_latest(registry)


__all__ = [
    "count_deliveries",
    "count_reconciliation",
    "count_sign_in_failure",
    "count_sign_in_lock",
    "observe_request",
    "observe_trs_call",
    "process_metrics",
]
