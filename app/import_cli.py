"""`flask --app app import-inductions FILE.csv`: the command around `app.importing`.

The command reads the file (refusing a bad one with exit code 2 before anything is written),
runs the import with a progress bar on stderr, writes the report and prints a summary.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TextIO

import click
from flask import current_app
from flask.cli import with_appcontext

from app.importing import (
    COLUMNS,
    CONFLICT,
    DEFAULT_CONCURRENCY,
    DIFFERS,
    MAX_CONCURRENCY,
    MAX_FILE_BYTES,
    MEGABYTE,
    MERGED,
    OPTIONAL_COLUMNS,
    RECORDED_ON_ASSUMED,
    REJECTED,
    TRS_BEHIND,
    TRY_AGAIN,
    ImportAborted,
    ImportFile,
    ImportFileError,
    ImportResult,
    import_inductions,
    plural,
    read_import_file,
    write_report,
)
from app.rules import OUTCOME_CORRECTION

EXIT_REFUSED = 2  # the file (or the report's path) was refused: nothing was written
EXIT_NEEDS_ATTENTION = 3  # the file was imported, but the report lists teachers to act on

HELP = f"""Import in-flight inductions from FILE, a CSV file, so that CPD manages them.

\b
FILE is UTF-8 text (with or without a BOM, as Excel's "CSV UTF-8" saves it), at most
{MAX_FILE_BYTES // MEGABYTE} MB. Its first row names these columns, in any order:
  {", ".join(COLUMNS[:4])},
  {", ".join(COLUMNS[4:])}.
\b
  trn                 7 digits
  appropriate_body    the name (any case) or the id of an appropriate body in CPD
  started_on          a date
  finished_on         a date, or blank while the period is ongoing
  training_programme  provider_led or school_led
  number_of_terms     0 to 16, one decimal place; needed once a period has finished
  outcome             blank, pass or fail (on the teacher's last period)
  outcome_date        the date of the pass or fail; blank without an outcome
\b
It may add these columns (or leave them out):
  {", ".join(OPTIONAL_COLUMNS)}.
\b
  outcome_recorded_on  when the outcome was recorded in CPD: the correction window
                       ({OUTCOME_CORRECTION.words}) counts from it. Left blank, the import
                       uses the outcome_date: an outcome imported today must not gain a
                       fresh window to be reopened in (a 2019 pass stays closed)
  appeal_lodged_on     the day an appeal against the fail was lodged
  appeal_decision      blank while the appeal waits for its decision, or dismissed
                       (an upheld or extended appeal: give the induction as it now stands)
  appeal_decided_on    the day of the decision
\b
Dates are written yyyy-mm-dd (2025-09-01) or dd/mm/yyyy (01/09/2025).
Each row is one induction period; a teacher with several periods has several rows,
anywhere in the file.

Each teacher is judged by agreement with TRS: the status, start and completed date the
file implies are compared with TRS's. TRS the same: imported. TRS not started (None or
Required to complete), or In progress while the file has an ongoing period: imported,
and CPD's status is sent to TRS (the report says so). Anything else (another status or
other dates, Exempt, Failed in Wales, no QTS, not found, deactivated) is a conflict
naming both sides. A merged TRN is followed to the retained TRN, imported under it and
noted. Each period must then pass the console's period rules (no overlap, not before
QTS or 1 September 1999, the outcome on the last period, nothing in the future). A
teacher is imported whole or not at all; a bad row never stops the file.
Running the same file again changes nothing; a teacher CPD already holds with other
periods is reported, never overwritten.

\b
Exit codes: 0 every teacher imported or already imported; 2 the file was refused and
nothing was written; 3 imported, but the report lists rows and teachers to act on;
1 the import could not run (for example TRS refused the console's API key).
"""


class FileRefused(click.ClickException):
    """A file the import will not read (or a report it cannot write): nothing is written."""

    exit_code = EXIT_REFUSED


@click.command("import-inductions", help=HELP)
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--dry-run", is_flag=True, help="Check everything and write the report, but change nothing."
)
@click.option(
    "--report",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write a CSV (line, trn, result, reason, rule_id) of every rejected row, every "
    "teacher not imported (conflicts with TRS, differences from CPD, TRS unreadable) and every "
    "teacher imported with a note (TRS was behind, the date a correction window counts from).",
)
@click.option(
    "--create-appropriate-bodies",
    is_flag=True,
    help="Add appropriate bodies the file names that CPD does not hold yet.",
)
@click.option(
    "--concurrency",
    type=click.IntRange(1, MAX_CONCURRENCY),
    default=DEFAULT_CONCURRENCY,
    show_default=True,
    help="How many TRS lookups run at once.",
)
@with_appcontext
def import_inductions_command(
    file: Path,
    dry_run: bool,
    report: Path | None,
    create_appropriate_bodies: bool,
    concurrency: int,
) -> None:
    try:
        parsed = read_import_file(file)
    except ImportFileError as error:
        raise FileRefused(str(error)) from None
    report_out = _open_report(report)
    try:
        result = _import(parsed, dry_run, create_appropriate_bodies, concurrency)
    except BaseException:
        if report_out is not None:  # no report for an import that did not finish
            report_out.close()
            report.unlink()
        raise
    if report_out is not None:
        with report_out:
            write_report(report_out, result.entries)
    for line in summary(result, report):
        click.echo(line)
    if result.needs_attention:
        click.get_current_context().exit(EXIT_NEEDS_ATTENTION)


def _import(
    parsed: ImportFile, dry_run: bool, create_bodies: bool, concurrency: int
) -> ImportResult:
    try:
        with (
            current_app.extensions["db_sessions"]() as session,
            click.progressbar(
                length=len(parsed.teachers), label="Checking teachers", file=sys.stderr
            ) as bar,
        ):
            return import_inductions(
                session,
                current_app.extensions["trs"].client,
                current_app.extensions["clock"],
                parsed,
                dry_run=dry_run,
                create_bodies=create_bodies,
                concurrency=concurrency,
                progress=bar.update,
            )
    except ImportAborted as error:
        raise click.ClickException(
            f"{error} The import stopped; teachers finished before it stopped are imported, "
            "and running the file again carries on."
        ) from None


def _open_report(report: Path | None) -> TextIO | None:
    """Opened before the import starts, so a report that cannot be written stops it early.
    UTF-8 with a BOM so that Excel shows names as written."""
    if report is None:
        return None
    try:
        return report.open("w", encoding="utf-8-sig", newline="")
    except OSError as error:
        raise FileRefused(f"The report cannot be written to {report}: {error.strerror}.") from None


def summary(result: ImportResult, report: Path | None) -> list[str]:
    """What the import did, in the words the person who ran it needs."""
    counts = result.counts
    lines = ["Dry run: nothing was written to the database."] if result.dry_run else []
    lines += [
        f"Read {plural(result.rows_read, 'row')} for {plural(result.teachers, 'teacher')} "
        f"from {result.file_name}.",
        f"{'Would import' if result.dry_run else 'Imported'}: {plural(counts['imported'], 'teacher')}.",
        f"Already imported, unchanged: {plural(counts['unchanged'], 'teacher')}.",
        f"Differs from CPD; not changed: {plural(counts[DIFFERS], 'teacher')}.",
        f"Conflicts with TRS; not imported: {plural(counts[CONFLICT], 'teacher')}.",
        f"Rejected rows: {result.rows_rejected} ({plural(counts[REJECTED], 'teacher')} not imported).",
    ]
    if counts[TRY_AGAIN]:
        lines.append(f"Not imported this time, run again: {plural(counts[TRY_AGAIN], 'teacher')}.")
    if counts[TRS_BEHIND]:
        lines.append(
            f"TRS was behind; CPD's status sent to TRS: {plural(counts[TRS_BEHIND], 'teacher')}."
        )
    if counts[RECORDED_ON_ASSUMED]:
        lines.append(
            "Outcomes without outcome_recorded_on (the correction window counts from the "
            f"outcome's date): {plural(counts[RECORDED_ON_ASSUMED], 'teacher')}."
        )
    if counts[MERGED]:
        lines.append(f"Merged TRNs followed to the retained TRN: {counts[MERGED]}.")
    if result.bodies_created:
        verb = "would be created" if result.dry_run else "created"
        lines.append(f"Appropriate bodies {verb}: {', '.join(result.bodies_created)}.")
    if not result.dry_run and counts["imported"] == 0 and not result.bodies_created:
        lines.append("Nothing was changed in CPD.")
    if report is not None:
        lines.append(f"Report written to {report}.")
    elif result.needs_attention:
        lines.append("Run again with --report REPORT.csv to list each row and teacher and why.")
    return lines
