"""`flask --app app trs ...`: deliver the outbox, reconcile with TRS, show the outbox's state.

- `trs deliver` drains what is due now and stops; `--forever` is the worker `make run` starts.
  On SIGTERM or Ctrl-C it finishes the PUTs already open, records them and releases the rest of
  its batch for other workers, so a restart sends nothing twice. Run several on PostgreSQL; on
  SQLite one is enough.
- `trs reconcile` reads TRS for every teacher CPD manages (or `--trn`), closes periods TRS has
  exempted and opens drift requests, writes a CSV report and prints a summary. Exit status 1
  when some teachers could not be read, so a scheduler notices; refused while another
  reconciliation runs anywhere.
- `trs reconcile-every SECONDS`: the scheduler process; a reconciliation now and then every
  SECONDS (default `RECONCILE_INTERVAL_SECONDS`, else an hour), skipped while another runs.
- `trs status`: the outbox by state and how long the oldest waiting change has waited.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from app.clock import Clock
from app.observability.context import working_on
from app.observability.metrics import count_reconciliation
from app.services.teachers import TRN_PATTERN
from app.trs.exclusive import exclusively
from app.trs.gateway import TrsGateway
from app.trs.outbox import (
    DEFAULT_BATCH,
    DEFAULT_IN_FLIGHT,
    DEFAULT_LEASE,
    OutboxWorker,
    outbox_status,
)
from app.trs.reconcile import ReconcileResult, Reconciliation

trs = AppGroup("trs", help="Delivery to TRS and reconciliation with it.")
log = logging.getLogger(__name__)
RECONCILE_LOCK = "reconcile"


@trs.command("deliver")
@click.option("--forever", is_flag=True, help="Keep delivering until stopped.")
@click.option("--worker-id", help="Names this worker's leases (default: host and process id).")
@click.option("--batch", default=DEFAULT_BATCH, show_default=True, type=click.IntRange(1, 1000))
@click.option(
    "--in-flight",
    default=DEFAULT_IN_FLIGHT,
    show_default=True,
    type=click.IntRange(1, 32),
    help="PUTs open at once.",
)
@click.option(
    "--lease-seconds",
    default=int(DEFAULT_LEASE.total_seconds()),
    show_default=True,
    type=click.IntRange(1, 3600),
    help="How long a claimed row is this worker's before another may take it over.",
)
def deliver_command(
    forever: bool, worker_id: str | None, batch: int, in_flight: int, lease_seconds: int
) -> None:
    """Deliver waiting changes to TRS (drain once, or --forever)."""
    worker = OutboxWorker(
        current_app.extensions["db_sessions"],
        current_app.extensions["trs"].client,
        current_app.extensions["clock"],
        worker_id=worker_id or f"{socket.gethostname()}-{os.getpid()}",
        lease=timedelta(seconds=lease_seconds),
        batch_size=batch,
        in_flight=in_flight,
    )
    if not forever:
        click.echo(f"Delivered: {_counts(worker.drain())}.")
        return
    stop = _stop_on_signals()
    click.echo(
        f"Worker {worker.worker_id} delivering to TRS at {worker.client.base_url}; "
        "stop with Ctrl-C."
    )
    click.echo(f"Stopped. Delivered: {_counts(worker.run_forever(stop))}.")


_concurrency = click.option(
    "--concurrency",
    default=8,
    show_default=True,
    type=click.IntRange(1, 64),
    help="TRS reads at once.",
)
_processes = click.option(
    "--processes",
    default=2,
    show_default=True,
    type=click.IntRange(1, 16),
    envvar="RECONCILE_READ_PROCESSES",
    help="Processes the reads are shared over (one Python process reads at about one core).",
)


@trs.command("reconcile")
@click.option("--trn", "trns", multiple=True, help="Only this teacher (may be repeated).")
@click.option(
    "--report",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="CSV file for the report (default: instance/trs-reconcile-<time>.csv).",
)
@_concurrency
@_processes
def reconcile_command(
    trns: tuple[str, ...], report: Path | None, concurrency: int, processes: int
) -> None:
    """Compare TRS with what CPD derives for every teacher CPD manages."""
    malformed = [trn for trn in trns if not TRN_PATTERN.match(trn)]
    if malformed:
        raise click.BadParameter(
            f"not a TRN (7 digits): {', '.join(malformed)}", param_hint="--trn"
        )
    # A few named teachers are read here: starting reading processes would take longer.
    reconciliation = _reconciliation(concurrency, 1 if trns else processes)
    teachers = reconciliation.teachers(list(trns) or None)
    unknown = sorted(set(trns) - {trn for _, trn in teachers})
    if unknown:
        raise click.ClickException(f"CPD holds no teacher with TRN {', '.join(unknown)}.")
    with exclusively(current_app.extensions["db_engine"], RECONCILE_LOCK) as held:
        if not held:
            raise click.ClickException("Another reconciliation is running; try when it ends.")
        with click.progressbar(length=len(teachers), label="Reading TRS") as bar:
            result = _reconcile(reconciliation, teachers, report, on_progress=bar.update)
    for line in result.summary_lines():
        click.echo(line)
    if result.counts["unreadable"]:
        raise click.exceptions.Exit(1)


@trs.command("reconcile-every")
@click.argument(
    "seconds",
    type=click.IntRange(60),
    envvar="RECONCILE_INTERVAL_SECONDS",
    default=3600,
)
@click.option(
    "--reports",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for each run's CSV report (default: instance/).",
)
@_concurrency
@_processes
def reconcile_every_command(
    seconds: int, reports: Path | None, concurrency: int, processes: int
) -> None:
    """Reconcile now and then every SECONDS, never overlapping another reconciliation."""
    stop = _stop_on_signals()
    log.info("reconcile scheduler: every %s s", seconds)
    while not stop.is_set():
        with working_on():
            try:
                _scheduled_reconciliation(concurrency, processes, reports)
            except Exception:  # noqa: BLE001 - a database or TRS outage must not end the schedule
                log.exception("reconciliation failed; next one in %s s", seconds)
        stop.wait(seconds)


def _scheduled_reconciliation(concurrency: int, processes: int, reports: Path | None) -> None:
    reconciliation = _reconciliation(concurrency, processes)
    with exclusively(current_app.extensions["db_engine"], RECONCILE_LOCK) as held:
        if not held:
            log.info("reconciliation skipped: another is running")
            return
        report = _report_path(reports, reconciliation.clock) if reports else None
        result = _reconcile(reconciliation, reconciliation.teachers(), report)
    log.info(
        "reconciliation checked %s teachers",
        result.checked,
        extra={"outcomes": dict(result.counts), "report": str(result.report_path)},
    )


def _reconciliation(concurrency: int, processes: int) -> Reconciliation:
    # Its own cache-less gateway over the app's client: a run reads each teacher once, and a
    # cache of 100k readings would only hold memory.
    clock = current_app.extensions["clock"]
    gateway = TrsGateway(current_app.extensions["trs"].client, clock, cache_seconds=0)
    return Reconciliation(
        current_app.extensions["db_sessions"],
        gateway.read_person,
        clock,
        concurrency=concurrency,
        processes=processes,
        trs_config=current_app.config,
    )


def _reconcile(
    reconciliation: Reconciliation,
    teachers: list[tuple[int, str]],
    report: Path | None,
    on_progress: Callable[[int], None] | None = None,
) -> ReconcileResult:
    """One run, its CSV report (default: instance/trs-reconcile-<time>.csv) and its metrics."""
    if report is None:
        report = _report_path(Path(current_app.instance_path), reconciliation.clock)
    report.parent.mkdir(parents=True, exist_ok=True)
    result = reconciliation.run(teachers, report=report, on_progress=on_progress)
    count_reconciliation(result.counts)
    return result


def _report_path(folder: Path, clock: Clock) -> Path:
    return folder / f"trs-reconcile-{clock.now():%Y%m%dT%H%M%SZ}.csv"


def _stop_on_signals() -> threading.Event:
    """An event set by SIGTERM (a process manager stopping us) or Ctrl-C."""
    stop = threading.Event()
    for stop_signal in (signal.SIGTERM, signal.SIGINT):
        signal.signal(stop_signal, lambda *_: stop.set())
    return stop


@trs.command("status")
def status_command() -> None:
    """The outbox by state, and the age of the oldest change waiting to reach TRS."""
    with current_app.extensions["db_sessions"]() as session:
        status = outbox_status(session, current_app.extensions["clock"].now())
    for state, count in status.counts.items():
        click.echo(f"{state:<12}{count:>10,}")
    click.echo(f"{'in flight':<12}{status.in_flight:>10,}")
    if status.oldest_waiting_since is None:
        click.echo("Oldest waiting change: none.")
    else:
        click.echo(
            f"Oldest waiting change: {_duration(status.oldest_waiting_seconds or 0)} "
            f"(made {status.oldest_waiting_since:%Y-%m-%d %H:%M:%S} UTC)."
        )


def _counts(totals: Counter[str]) -> str:
    return (
        ", ".join(f"{result} {count}" for result, count in sorted(totals.items())) or "nothing due"
    )


def _duration(seconds: float) -> str:
    """ "2 h 5 min", "4 min 12 s", "9 s"."""
    whole = int(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes} min"
    if minutes:
        return f"{minutes} min {secs} s"
    return f"{secs} s"
