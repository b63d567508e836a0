"""`flask --app app trs ...`: deliver the outbox, reconcile with TRS, show the outbox's state.

- `trs deliver` drains what is due now and stops; `--forever` is the worker `make run` starts
  (stops cleanly on SIGTERM or Ctrl-C after the batch in hand). Run several on PostgreSQL; on
  SQLite one is enough.
- `trs reconcile` reads TRS for every teacher CPD manages (or `--trn`), applies DESIGN.md 4.4,
  writes a CSV report and prints a summary. Exit status 1 when some teachers could not be read,
  so a scheduler notices.
- `trs status`: the outbox by state and how long the oldest waiting change has waited.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
from collections import Counter
from datetime import timedelta
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from app.services.teachers import TRN_PATTERN
from app.trs.gateway import TrsGateway
from app.trs.outbox import (
    DEFAULT_BATCH,
    DEFAULT_IN_FLIGHT,
    DEFAULT_LEASE,
    OutboxWorker,
    outbox_status,
)
from app.trs.reconcile import Reconciliation

trs = AppGroup("trs", help="Delivery to TRS and reconciliation with it.")


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
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    stop = threading.Event()
    for stop_signal in (signal.SIGTERM, signal.SIGINT):
        signal.signal(stop_signal, lambda *_: stop.set())
    click.echo(
        f"Worker {worker.worker_id} delivering to TRS at {worker.client.base_url}; "
        "stop with Ctrl-C."
    )
    click.echo(f"Stopped. Delivered: {_counts(worker.run_forever(stop))}.")


@trs.command("reconcile")
@click.option("--trn", "trns", multiple=True, help="Only this teacher (may be repeated).")
@click.option(
    "--report",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="CSV file for the report (default: instance/trs-reconcile-<time>.csv).",
)
@click.option(
    "--concurrency",
    default=8,
    show_default=True,
    type=click.IntRange(1, 64),
    help="TRS reads at once.",
)
def reconcile_command(trns: tuple[str, ...], report: Path | None, concurrency: int) -> None:
    """Compare TRS with what CPD derives for every teacher CPD manages."""
    malformed = [trn for trn in trns if not TRN_PATTERN.match(trn)]
    if malformed:
        raise click.BadParameter(
            f"not a TRN (7 digits): {', '.join(malformed)}", param_hint="--trn"
        )
    clock = current_app.extensions["clock"]
    # Its own cache-less gateway over the app's client: a run reads each teacher once, and a
    # cache of 100k readings would only hold memory.
    gateway = TrsGateway(current_app.extensions["trs"].client, clock, cache_seconds=0)
    reconciliation = Reconciliation(
        current_app.extensions["db_sessions"], gateway.read_person, clock, concurrency=concurrency
    )
    teachers = reconciliation.teachers(list(trns) or None)
    unknown = sorted(set(trns) - {trn for _, trn in teachers})
    if unknown:
        raise click.ClickException(f"CPD holds no teacher with TRN {', '.join(unknown)}.")
    if report is None:
        report = Path(current_app.instance_path) / f"trs-reconcile-{clock.now():%Y%m%dT%H%M%SZ}.csv"
    report.parent.mkdir(parents=True, exist_ok=True)
    with click.progressbar(length=len(teachers), label="Reading TRS") as bar:
        result = reconciliation.run(teachers, report=report, on_progress=bar.update)
    for line in result.summary_lines():
        click.echo(line)
    if result.counts["unreadable"]:
        raise click.exceptions.Exit(1)


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
