"""Importing in-flight inductions from a CSV file, so that CPD manages them (issue 7).

The import runs in two phases so that a file the console cannot read changes nothing:

1. `read_import_file` reads the whole file (streamed through the csv module) and groups its rows
   per teacher. Anything wrong with the file itself (too big, empty, not UTF-8, missing or unknown
   columns, broken CSV) raises `ImportFileError` before the database is touched. Anything wrong
   with one row is kept as a report entry: a bad row never stops the file.
2. `import_inductions` takes each teacher in turn: already in CPD with the same periods ->
   unchanged; with other periods -> reported, never overwritten; otherwise TRS is read (bounded
   concurrency, one shared client, no page cache), the periods are put to the rule set one by one
   as a hypothetical record, and an allowed teacher is written whole: Teacher row if new, periods,
   one import event and its outbox row. Teachers are committed in batches of `BATCH_TEACHERS`;
   if one fails to write, its batch is rolled back and written again a teacher at a time, so a
   teacher is imported whole or not at all while the commits stay cheap.

The rule set is the authority on periods: nothing here re-checks what a rule checks.
"""

from __future__ import annotations

import csv
import re
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import NamedTuple, TextIO

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from app.clock import Clock
from app.models import AppropriateBody, InductionPeriod, Teacher
from app.rules import (
    Decision,
    MalformedChange,
    PeriodFacts,
    TeacherRecord,
    decide,
    derive_trs_status,
    long_date,
)
from app.rules.numbers import WHOLE, read_decimal, read_whole_number
from app.services.changes import Actor, add_event, snapshot, touch
from app.services.records import build_record
from app.trs.client import TrsClient
from app.trs.errors import (
    TrsDeactivated,
    TrsEndpointNotFound,
    TrsError,
    TrsForbidden,
    TrsMerged,
    TrsNotFound,
    TrsUnauthorised,
)
from app.trs.gateway import TrsReading
from app.trs.person import TrsPerson

COLUMNS = (
    "trn",
    "appropriate_body",
    "started_on",
    "finished_on",
    "training_programme",
    "number_of_terms",
    "outcome",
    "outcome_date",
)
MEGABYTE = 1024 * 1024
# A file bigger than this is refused before it is read: 200 MB is about two million rows, far
# beyond every in-flight induction in England, so a bigger file is a wrong file.
MAX_FILE_BYTES = 200 * MEGABYTE
DEFAULT_CONCURRENCY = 8
MAX_CONCURRENCY = 20  # the shared client keeps 20 connections alive
BATCH_TEACHERS = 200  # teachers per commit (a failed one sends its batch back one by one)
LOOKUP_CHUNK = 1000  # teachers read from TRS together, before their turn to be written
# Waits before asking TRS again after an error TRS says is worth retrying (5xx, 429, timeouts).
RETRY_DELAYS = (0.5, 1.0, 2.0)
MAX_RETRY_WAIT = 30.0
MERGE_HOPS = 5
ACTION = "import_inductions"
ACTOR = Actor.system("import")

# Results in the report. `merged` is for information: the teacher was followed to the retained TRN.
REJECTED, CONFLICT, DIFFERS, TRY_AGAIN, MERGED = (
    "rejected",
    "conflict",
    "differs",
    "try_again",
    "merged",
)
REPORT_COLUMNS = ("line", "trn", "result", "reason", "rule_id")
# Rules that answer about the teacher as TRS holds them, not about one row of the file. The first
# three are TRS disagreeing with what the import implies: conflicts, listed for a person to settle.
TRS_CONFLICT_RULES = frozenset(
    {"CPD-P2-FAILED-IN-WALES", "CPD-P3-EXEMPT", "CPD-ADD-FIRST-TRS-COMPLETED"}
)
TEACHER_RULES = TRS_CONFLICT_RULES | {"CPD-P1-NO-ACTIVE-TRS-RECORD", "CPD-ADD-FIRST-NO-QTS"}

# ASCII digits only (`\d` also matches "١"), and `\Z`: `$` would allow a final newline.
_TRN = re.compile(r"^[0-9]{7}\Z")
_ISO_DATE = re.compile(r"^([0-9]{4})-([0-9]{2})-([0-9]{2})\Z")
_UK_DATE = re.compile(r"^([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})\Z")
_PROGRAMMES = frozenset({"provider_led", "school_led"})


class ImportFileError(Exception):
    """The file as a whole cannot be imported; nothing has been written."""


class ImportAborted(Exception):
    """TRS refused the console itself (its API key), so no teacher can be checked."""


class Row(NamedTuple):
    """One readable row of the file: small, because a file holds up to 100,000s of them."""

    line: int
    body: str  # the appropriate body as written (name or id), spaces collapsed
    started_on: date
    finished_on: date | None
    programme: str
    terms: Decimal | None
    outcome: str | None
    outcome_on: date | None


class ReportEntry(NamedTuple):
    line: int
    trn: str
    result: str
    reason: str
    rule_id: str = ""


@dataclass
class ImportFile:
    """The file, read and grouped per teacher (in the order teachers first appear)."""

    name: str
    rows_read: int = 0
    teachers: dict[str, list[Row]] = field(default_factory=dict)
    bad_lines: dict[str, list[int]] = field(default_factory=dict)  # trn -> lines rejected
    entries: list[ReportEntry] = field(default_factory=list)

    def reject(self, line: int, trn: str, reason: str) -> None:
        """A row that cannot be imported; the teacher's other rows then cannot be either."""
        self.entries.append(ReportEntry(line, trn, REJECTED, reason))
        if _TRN.match(trn):
            self.bad_lines.setdefault(trn, []).append(line)
            self.teachers.setdefault(trn, [])


@dataclass
class ImportResult:
    """What the import did (or, on a dry run, would do), for the summary and the report."""

    file_name: str
    dry_run: bool
    rows_read: int
    teachers: int
    counts: dict[str, int] = field(
        default_factory=lambda: dict.fromkeys(
            ("imported", "unchanged", DIFFERS, CONFLICT, REJECTED, TRY_AGAIN, MERGED), 0
        )
    )
    bodies_created: list[str] = field(default_factory=list)
    entries: list[ReportEntry] = field(default_factory=list)
    timings: dict[str, float] = field(
        default_factory=lambda: dict.fromkeys(("trs_wait", "rules", "db_read", "db_write"), 0.0)
    )

    @property
    def rows_rejected(self) -> int:
        return sum(1 for e in self.entries if e.result == REJECTED)

    @property
    def needs_attention(self) -> bool:
        """Anything in the report but the merge notes: a person has something to act on."""
        return any(e.result != MERGED for e in self.entries)


# Phase 1: reading the file ---------------------------------------------------------------------


def read_import_file(path: Path, max_bytes: int = MAX_FILE_BYTES) -> ImportFile:
    """The file's rows grouped per teacher, or ImportFileError when the file cannot be imported.

    The size is checked before anything is read; the text is decoded strictly as UTF-8 (a BOM is
    allowed) so a file saved in another encoding is refused rather than imported garbled.
    """
    size = path.stat().st_size
    if size > max_bytes:
        raise ImportFileError(
            f"{path.name} is {size / MEGABYTE:,.0f} MB; the import takes files of up to "
            f"{max_bytes / MEGABYTE:,.0f} MB. Split it into smaller files, keeping all of a "
            "teacher's rows in the same file."
        )
    parsed = ImportFile(path.name)
    line = 0
    try:
        with path.open(encoding="utf-8-sig", newline="") as text:
            reader = csv.reader(text)
            positions = _read_header(path.name, next(reader, None))
            for cells in reader:
                line = reader.line_num
                if any(cell.strip() for cell in cells):
                    _read_row(parsed, line, cells, positions)
    except UnicodeDecodeError:
        raise ImportFileError(
            f"{path.name} is not UTF-8 text (the first character that is not is near line "
            f"{line + 1}). Save it as “CSV UTF-8” and run the import again."
        ) from None
    except csv.Error as error:
        raise ImportFileError(
            f"{path.name} is not a CSV file the import can read: line {line + 1}: {error}."
        ) from None
    if parsed.rows_read == 0:
        raise ImportFileError(f"{path.name} has the column names but no rows to import.")
    return parsed


def _read_header(name: str, header: list[str] | None) -> dict[str, int]:
    if header is None or not any(cell.strip() for cell in header):
        raise ImportFileError(
            f"{name} is empty. Its first row must name the columns: {', '.join(COLUMNS)}."
        )
    names = [cell.strip().lower() for cell in header]
    problems = []
    missing = [c for c in COLUMNS if c not in names]
    if missing:
        problems.append(f"it has no {_listed('column', missing)}")
    unknown = [n or "(blank)" for n in names if n not in COLUMNS]
    if unknown:
        problems.append(f"{_listed('column', unknown)} {_is_are(unknown)} not one the import takes")
    repeated = sorted({n for n in names if n in COLUMNS and names.count(n) > 1})
    if repeated:
        problems.append(f"{_listed('column', repeated)} {_is_are(repeated)} there twice")
    if problems:
        raise ImportFileError(
            f"{name} cannot be imported: {'; '.join(problems)}. The first row must name exactly "
            f"these columns, in any order: {', '.join(COLUMNS)}."
        )
    return {column: names.index(column) for column in COLUMNS}


def _read_row(parsed: ImportFile, line: int, cells: list[str], positions: dict[str, int]) -> None:
    parsed.rows_read += 1
    width = len(positions)
    if len(cells) > width and any(cell.strip() for cell in cells[width:]):
        trn = cells[positions["trn"]].strip()
        parsed.reject(line, trn, f"The row has {len(cells)} values; the header names {width}.")
        return
    if len(cells) < width:
        cells = cells + [""] * (width - len(cells))
    value = {column: cells[index].strip() for column, index in positions.items()}
    trn = value["trn"]
    problems = []
    trn_problem = _trn_problem(trn)
    if trn_problem:
        problems.append(trn_problem)
    body = " ".join(value["appropriate_body"].split())
    if not body:
        problems.append("Enter the appropriate body (its name or its id).")
    started_on = _read_date(value, "started_on", problems, required=True)
    finished_on = _read_date(value, "finished_on", problems)
    programme = value["training_programme"].lower().replace("-", "_")
    if programme not in _PROGRAMMES:
        problems.append(
            f"training_programme “{value['training_programme']}” must be provider_led or "
            "school_led."
        )
    terms = _read_terms(value["number_of_terms"], problems)
    outcome = value["outcome"].lower() or None
    if outcome not in (None, "pass", "fail"):
        problems.append(f"outcome “{value['outcome']}” must be pass, fail or left blank.")
    outcome_on = _read_date(value, "outcome_date", problems, required=outcome is not None)
    if outcome is None and value["outcome_date"]:
        problems.append("outcome_date is given but outcome is blank: give both or neither.")
    if problems:
        parsed.reject(line, trn, " ".join(problems))
        return
    parsed.teachers.setdefault(trn, []).append(
        Row(line, body, started_on, finished_on, programme, terms, outcome, outcome_on)
    )


def _trn_problem(trn: str) -> str | None:
    if _TRN.match(trn):
        return None
    if not trn:
        return "Enter the TRN."
    if WHOLE.fullmatch(trn) and len(trn) == 6:
        return (
            f"TRN {trn} has 6 digits; a TRN has 7. If a spreadsheet dropped a leading zero it "
            f"may be 0{trn}: check it and correct the file."
        )
    return f"TRN “{trn}” must be 7 digits."


def _read_date(
    value: dict[str, str], column: str, problems: list[str], required: bool = False
) -> date | None:
    """A date written as yyyy-mm-dd or dd/mm/yyyy (as spreadsheets in England write them)."""
    raw = value[column]
    if not raw:
        if required:
            problems.append(f"Enter {column} (as yyyy-mm-dd or dd/mm/yyyy).")
        return None
    iso, uk = _ISO_DATE.match(raw), _UK_DATE.match(raw)
    try:
        if iso:
            return date(int(iso[1]), int(iso[2]), int(iso[3]))
        if uk:
            return date(int(uk[3]), int(uk[2]), int(uk[1]))
    except ValueError:
        problems.append(f"{column} “{raw}” is not a real date.")
        return None
    problems.append(f"{column} “{raw}” must be a date as yyyy-mm-dd or dd/mm/yyyy.")
    return None


def _read_terms(raw: str, problems: list[str]) -> Decimal | None:
    if not raw:
        return None
    terms = read_decimal(raw)
    if terms is None:
        problems.append(f"number_of_terms “{raw}” must be a number such as 3 or 4.5.")
    return terms


def _listed(noun: str, names: list[str]) -> str:
    return f"{noun}{'s' if len(names) > 1 else ''} {', '.join(names)}"


def _is_are(names: list[str]) -> str:
    return "are" if len(names) > 1 else "is"


# Phase 2: checking and writing each teacher ------------------------------------------------------


class TrsLookup(NamedTuple):
    """What TRS holds for a file's TRN: the reading of the record TRS keeps, and that record's
    TRN when TRS merged the file's TRN into it."""

    reading: TrsReading
    retained_trn: str | None


class Write(NamedTuple):
    """A teacher the rules allowed, as it will be written (`trn` is the retained TRN)."""

    trn: str
    rows: list[Row]
    checked: Checked
    teacher_id: int | None  # CPD's teacher row, when it exists without periods


class Checked(NamedTuple):
    """The rule set's answer on a teacher's periods, put in date order onto a hypothetical record.

    `failed_row` is None when every period (and outcome) was allowed; `decision` is then the last
    allowed decision and `record` the teacher as the import would leave them.
    """

    record: TeacherRecord
    decision: Decision | None
    failed_row: Row | None = None
    problem: str | None = None  # a change the rules could not read (MalformedChange)


def check_periods(base: TeacherRecord, rows: Iterable[Row], today: date) -> Checked:
    """Ask the rules about each period in start order, as a caseworker would add them: a period
    with an outcome is added as ongoing, then its pass or fail is recorded."""
    record, decision = base, None
    for row in sorted(rows, key=lambda r: (r.started_on, r.line)):
        try:
            if row.outcome is None:
                change = {
                    "started_on": row.started_on,
                    "finished_on": row.finished_on,
                    "number_of_terms": row.terms,
                }
                decision = decide("cpd", "add_induction_period", record, today, change)
                if not decision.allowed:
                    return Checked(record, decision, row)
                record = _add(record, PeriodFacts(row.started_on, row.finished_on))
                continue
            if row.outcome_on > today or row.outcome_on < row.started_on:
                when = "in the future" if row.outcome_on > today else "before the period started"
                problem = f"The outcome_date, {long_date(row.outcome_on)}, is {when}."
                return Checked(record, None, row, problem)
            decision = decide(
                "cpd", "add_induction_period", record, today, {"started_on": row.started_on}
            )
            if not decision.allowed:
                return Checked(record, decision, row)
            record = _add(record, PeriodFacts(row.started_on))
            change = {"finished_on": row.finished_on, "number_of_terms": row.terms}
            decision = decide("cpd", f"record_{row.outcome}", record, today, change)
            if not decision.allowed:
                return Checked(record, decision, row)
            record = replace(
                record,
                periods=(*record.periods[:-1], PeriodFacts(row.started_on, row.finished_on, True)),
                outcome=row.outcome,
                outcome_date=row.outcome_on,
                outcome_recorded_on=today,
            )
        except MalformedChange as error:
            where = "" if error.field in error.message else f" ({error.field})"
            return Checked(record, None, row, f"{error.message}{where}.")
    return Checked(record, decision)


def _add(record: TeacherRecord, period: PeriodFacts) -> TeacherRecord:
    return replace(record, periods=(*record.periods, period))


def read_trs(client: TrsClient, clock: Clock, trn: str) -> TrsLookup:
    """Read TRS for one TRN, following merges to the retained record and retrying what TRS says
    is worth retrying. Raises ImportAborted when TRS refuses the console's key: then no teacher
    can be checked, and the person running the import must know at once."""
    retained = None
    for _hop in range(MERGE_HOPS):
        current = retained or trn
        try:
            person = _get_person(client, current)
        except TrsNotFound:
            return TrsLookup(TrsReading(current, "not_found", clock.now()), retained)
        except TrsDeactivated:
            return TrsLookup(TrsReading(current, "deactivated", clock.now()), retained)
        except TrsMerged as merged:
            if merged.retained_trn is None:
                problem = f"TRS says TRN {current} was merged but not into which record."
                return TrsLookup(_unavailable(current, clock, problem), None)
            retained = merged.retained_trn
            continue
        except (TrsUnauthorised, TrsForbidden, TrsEndpointNotFound) as refused:
            raise ImportAborted(refused.message) from None
        except TrsError as error:
            return TrsLookup(_unavailable(current, clock, error.message), retained)
        return TrsLookup(TrsReading(current, "found", clock.now(), person=person), retained)
    problem = f"TRS merged TRN {trn} more than {MERGE_HOPS} times over."
    return TrsLookup(_unavailable(trn, clock, problem), None)


def _get_person(client: TrsClient, trn: str) -> TrsPerson:
    """`client.get_person`, retried after the delays in RETRY_DELAYS (or TRS's Retry-After)."""
    for delay in RETRY_DELAYS:
        try:
            return client.get_person(trn)
        except TrsError as error:
            if not error.retryable:
                raise
            time.sleep(
                min(error.retry_after if error.retry_after is not None else delay, MAX_RETRY_WAIT)
            )
    return client.get_person(trn)


def _unavailable(trn: str, clock: Clock, problem: str) -> TrsReading:
    return TrsReading(trn, "unavailable", clock.now(), problem=problem)


def _lookups(
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


class Bodies:
    """The appropriate bodies the file names: by id (all digits) or by name (any case)."""

    def __init__(self, session: Session, create: bool) -> None:
        self.session = session
        self.create = create
        self.by_id: dict[int, AppropriateBody] = {}
        self.by_name: dict[str, AppropriateBody] = {}
        for body in session.scalars(select(AppropriateBody)):
            self._know(body)

    def _know(self, body: AppropriateBody) -> None:
        self.by_id[body.id] = body
        self.by_name[body.name.casefold()] = body

    def problem(self, written: str) -> str | None:
        """Why `written` names no appropriate body; None when it does (or will be created)."""
        body_id = read_whole_number(written)
        if body_id is not None:
            return None if body_id in self.by_id else f"No appropriate body has id {written}."
        if self.create or written.casefold() in self.by_name:
            return None
        return (
            f"No appropriate body is called “{written}”. Check the name against the console's "
            "list, or run the import with --create-appropriate-bodies to add it."
        )

    def find(self, written: str) -> AppropriateBody | None:
        body_id = read_whole_number(written)
        if body_id is not None:
            return self.by_id.get(body_id)
        return self.by_name.get(written.casefold())

    def name_of(self, body_id: int | None) -> str:
        body = self.by_id.get(body_id) if body_id is not None else None
        return body.name if body else "a body not in CPD yet"

    def missing(self, written: Iterable[str]) -> list[str]:
        """The names CPD does not hold, once each, spelt as the file first spells them."""
        names: dict[str, str] = {}
        for name in written:
            if read_whole_number(name) is None and name.casefold() not in self.by_name:
                names.setdefault(name.casefold(), name)
        return list(names.values())

    def add(self, names: list[str]) -> None:
        """Create the bodies, each committed on its own before any teacher is written."""
        for name in names:
            self.session.add(AppropriateBody(name=name))
            try:
                self.session.commit()
            except IntegrityError:  # someone added it since the import began
                self.session.rollback()
        for body in self.session.scalars(select(AppropriateBody)):
            self._know(body)


# The values of one period that the file and CPD must agree on for "already imported, unchanged".
_VALUE_NAMES = (
    "started_on",
    "finished_on",
    "training_programme",
    "number_of_terms",
    "outcome",
    "outcome_date",
    "appropriate_body",
)
_IN_CHUNKS = 500


def held_in_cpd(session: Session, trns: list[str]) -> dict[str, tuple[int, tuple]]:
    """TRN -> (teacher id, periods as value tuples in start order) for the teachers CPD holds.

    Plain tuples, not ORM objects: on a rerun of a large file every teacher is held, and the
    session would otherwise keep them all.
    """
    held: dict[str, tuple[int, list]] = {}
    for start in range(0, len(trns), _IN_CHUNKS):
        rows = session.execute(
            select(
                Teacher.trn,
                Teacher.id,
                InductionPeriod.started_on,
                InductionPeriod.finished_on,
                InductionPeriod.training_programme,
                InductionPeriod.number_of_terms,
                InductionPeriod.outcome,
                InductionPeriod.outcome_on,
                InductionPeriod.appropriate_body_id,
            )
            .outerjoin(InductionPeriod, InductionPeriod.teacher_id == Teacher.id)
            .where(Teacher.trn.in_(trns[start : start + _IN_CHUNKS]))
            .order_by(Teacher.trn, InductionPeriod.started_on)
        )
        for trn, teacher_id, *period in rows:
            periods = held.setdefault(trn, (teacher_id, []))[1]
            if period[0] is not None:
                periods.append(tuple(period))
    return {trn: (teacher_id, tuple(periods)) for trn, (teacher_id, periods) in held.items()}


class _Importer:
    """One run of the import: the loop over teachers and what it has found so far."""

    def __init__(
        self,
        session: Session,
        client: TrsClient,
        clock: Clock,
        file: ImportFile,
        *,
        dry_run: bool,
        create_bodies: bool,
        concurrency: int,
        progress: Callable[[int], None],
    ) -> None:
        self.session = session
        self.client = client
        self.clock = clock
        self.file = file
        self.dry_run = dry_run
        self.concurrency = concurrency
        self.progress = progress
        self.today = clock.today()
        self.bodies = Bodies(session, create_bodies)
        self.result = ImportResult(file.name, dry_run, file.rows_read, len(file.teachers))
        self.result.entries.extend(file.entries)
        self.bad_lines = {trn: list(lines) for trn, lines in file.bad_lines.items()}
        self.claimed: set[str] = set()  # TRNs imported, or found in CPD, in this run
        self.batch: list[Write] = []  # written since the last commit

    def run(self) -> ImportResult:
        self._reject_unknown_bodies()
        if self.bodies.create:
            names = (row.body for rows in self.file.teachers.values() for row in rows)
            self.result.bodies_created = self.bodies.missing(names)
            if not self.dry_run:
                self.bodies.add(self.result.bodies_created)
        good = [trn for trn in self.file.teachers if trn not in self.bad_lines]
        with self._timed("db_read"):
            held = held_in_cpd(self.session, good)
        to_read = [trn for trn in good if not held.get(trn, (0, ()))[1]]
        readings = _lookups(to_read, self._read_trs, self.concurrency)
        try:
            for trn, rows in self.file.teachers.items():
                if trn in self.bad_lines:
                    self._reject_rest(trn, rows)
                elif held.get(trn, (0, ()))[1]:
                    self._compare(trn, rows, held[trn][1])
                else:
                    with self._timed("trs_wait"):
                        lookup = next(readings)
                    self._check(trn, rows, lookup, held.get(trn))
                self.progress(1)
        except ImportAborted:
            if not self.dry_run:
                self._commit()  # every teacher written so far is whole: keep them
            raise
        finally:
            readings.close()
        if not self.dry_run:
            self._commit()
        self.result.entries.sort(key=lambda e: e.line)
        return self.result

    def _read_trs(self, trn: str) -> TrsLookup:
        return read_trs(self.client, self.clock, trn)

    # -- what happens to one teacher ----------------------------------------------------------

    def _reject_unknown_bodies(self) -> None:
        for trn, rows in self.file.teachers.items():
            for row in rows:
                problem = self.bodies.problem(row.body)
                if problem:
                    self._entry(row.line, trn, REJECTED, problem)
                    self.bad_lines.setdefault(trn, []).append(row.line)

    def _reject_rest(self, trn: str, rows: list[Row]) -> None:
        """Another of the teacher's rows was rejected, so none of theirs is imported."""
        bad = self.bad_lines[trn]
        for row in rows:
            if row.line not in bad:
                self._entry(row.line, trn, REJECTED, _not_imported_because(bad))
        self.result.counts[REJECTED] += 1

    def _check(self, trn: str, rows: list[Row], lookup: TrsLookup, held: tuple | None) -> None:
        """A teacher CPD holds no periods for: TRS, then the rules, then (allowed) the write."""
        reading, retained = lookup
        prefix = f"TRS has merged TRN {trn} into {retained}. " if retained else ""
        if retained and retained in self.file.teachers:
            self._conflict(
                rows,
                trn,
                f"{prefix}The file also has rows for {retained}: put all "
                f"of this teacher's periods under {retained}.",
            )
            return
        if retained:
            with self._timed("db_read"):
                held = held_in_cpd(self.session, [retained]).get(retained)
            if held and held[1]:
                self._merge_note(rows, trn, retained)
                self._compare(retained, rows, held[1], prefix)
                return
        if reading.state == "unavailable":
            self._try_again(
                rows,
                trn,
                f"{prefix}TRS could not be read: {reading.problem} Run the "
                "file again later: teachers already imported are left as they are.",
            )
            return
        target = retained or trn
        if target in self.claimed:
            self._conflict(
                rows,
                trn,
                f"{prefix}Another TRN in this file was also merged into "
                f"{target}: put all of this teacher's periods under {target}.",
            )
            return
        with self._timed("rules"):
            checked = check_periods(build_record(self.session, None, reading), rows, self.today)
        if checked.failed_row is not None:
            self._refuse(trn, rows, checked, prefix)
            return
        if retained:
            self._merge_note(rows, trn, retained)
        self.claimed.add(target)
        if self.dry_run:
            self.result.counts["imported"] += 1
        else:
            self._write(Write(target, rows, checked, held[0] if held else None))

    def _compare(self, trn: str, rows: list[Row], cpd: tuple, prefix: str = "") -> None:
        """CPD already holds periods: the same ones are a no-op, others are reported."""
        if trn in self.claimed:
            self._conflict(
                rows,
                trn,
                f"{prefix}Another TRN in this file is the same teacher in "
                f"TRS ({trn}): put all of this teacher's periods under {trn}.",
            )
            return
        self.claimed.add(trn)
        mine = tuple(
            (
                r.started_on,
                r.finished_on,
                r.programme,
                r.terms,
                r.outcome,
                r.outcome_on,
                body.id if (body := self.bodies.find(r.body)) else None,
            )
            for r in sorted(rows, key=lambda r: r.started_on)
        )
        if mine == cpd:
            self.result.counts["unchanged"] += 1
            return
        self._teacher_entry(
            rows,
            trn,
            DIFFERS,
            f"{prefix}The file differs from CPD, and CPD was not changed. "
            f"{self._difference(cpd, mine)} If the file is right, make the change in the console.",
        )
        self.result.counts[DIFFERS] += 1

    def _refuse(self, trn: str, rows: list[Row], checked: Checked, prefix: str) -> None:
        decision, row = checked.decision, checked.failed_row
        rule_id = decision.rule_id if decision else ""
        reason = prefix + (decision.reason if decision else checked.problem or "")
        if rule_id in TRS_CONFLICT_RULES:
            self._conflict(rows, trn, f"{reason} The file has {_file_says(rows)}.", rule_id)
            return
        self.result.counts[REJECTED] += 1
        if rule_id in TEACHER_RULES:
            for each in rows:
                self._entry(each.line, trn, REJECTED, reason, rule_id)
            return
        self._entry(row.line, trn, REJECTED, reason, rule_id)
        for each in rows:
            if each is not row:
                self._entry(each.line, trn, REJECTED, _not_imported_because([row.line]))

    # -- writing ------------------------------------------------------------------------------

    def _write(self, write: Write) -> None:
        """Add the teacher to the batch, written and committed every BATCH_TEACHERS teachers."""
        self.batch.append(write)
        self.result.counts["imported"] += 1
        if len(self.batch) >= BATCH_TEACHERS:
            self._commit()

    def _commit(self) -> None:
        """Write the batch in one transaction.

        No SAVEPOINT per teacher: each costs two round trips, and pysqlite's SAVEPOINT outside a
        transaction commits on RELEASE. Instead, when the batch fails to write (CPD changed one of
        its teachers meanwhile), it is rolled back and written again one teacher at a time, so each
        teacher is still imported whole or not at all.
        """
        with self._timed("db_write"):
            try:
                self._write_teachers(self.batch)
                self.session.commit()
            except (IntegrityError, StaleDataError):
                self.session.rollback()
                self._one_by_one(self.batch)
        self.batch = []
        self._let_go()

    def _write_teachers(self, writes: list[Write]) -> None:
        """Teacher rows if new and their periods, flushed together; then one import event and its
        outbox row each, inserted together at commit. Two flushes a batch, not two a teacher."""
        now = self.clock.now()
        written = [(write, *self._add_periods(write, now)) for write in writes]
        self.session.flush()
        for write, teacher, before in written:
            add_event(
                self.session,
                teacher=teacher,
                actor=ACTOR,
                action=ACTION,
                decision=write.checked.decision,
                summary=f"Imported {plural(len(write.rows), 'induction period')} "
                f"from {self.file.name}.",
                before=before,
                derived=derive_trs_status(write.checked.record),
                now=now,
                note=f"{self.file.name}, {_lines([r.line for r in write.rows])}",
            )

    def _add_periods(self, write: Write, now: datetime) -> tuple[Teacher, dict | None]:
        """The teacher (new, or touched so a concurrent change is refused) with the file's periods."""
        teacher = self.session.get(Teacher, write.teacher_id) if write.teacher_id else None
        before = snapshot(teacher) if teacher else None
        if teacher is None:
            teacher = Teacher(
                trn=write.trn, created_at=now, updated_at=now, induction_periods=[], extensions=[]
            )
            self.session.add(teacher)
        else:
            touch(teacher, now)
        for row in sorted(write.rows, key=lambda r: r.started_on):
            teacher.induction_periods.append(
                InductionPeriod(
                    appropriate_body=self.bodies.find(row.body),
                    started_on=row.started_on,
                    finished_on=row.finished_on,
                    training_programme=row.programme,
                    number_of_terms=row.terms,
                    outcome=row.outcome,
                    outcome_on=row.outcome_on,
                    outcome_recorded_at=now if row.outcome else None,
                )
            )
        return teacher, before

    def _one_by_one(self, writes: list[Write]) -> None:
        """Write again, a transaction each, the teachers of a batch that was rolled back."""
        self.result.counts["imported"] -= len(writes)
        for write in writes:
            try:
                self._write_teachers([write])
                self.session.commit()
            except (IntegrityError, StaleDataError):
                self.session.rollback()
                self.claimed.discard(write.trn)
                self._try_again(
                    write.rows,
                    write.trn,
                    "CPD changed this teacher while the file was being imported, so nothing "
                    "was written for them. Run the file again.",
                )
            else:
                self.result.counts["imported"] += 1

    def _let_go(self) -> None:
        """Drop committed rows from the session, so memory stays flat however long the file."""
        for instance in list(self.session):
            # Expunging a teacher takes their periods too (the relationship's cascade).
            if not isinstance(instance, AppropriateBody) and instance in self.session:
                self.session.expunge(instance)

    @contextmanager
    def _timed(self, what: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self.result.timings[what] += time.perf_counter() - started

    # -- report entries -----------------------------------------------------------------------

    def _entry(self, line: int, trn: str, result: str, reason: str, rule_id: str = "") -> None:
        self.result.entries.append(ReportEntry(line, trn, result, reason, rule_id))

    def _teacher_entry(
        self, rows: list[Row], trn: str, result: str, reason: str, rule_id: str = ""
    ) -> None:
        """One entry for the whole teacher, on their first line, naming all their lines."""
        lines = [r.line for r in rows]
        if len(lines) > 1:
            reason = f"{reason} (The teacher's rows: {_lines(lines)}.)"
        self._entry(min(lines), trn, result, reason, rule_id)

    def _conflict(self, rows: list[Row], trn: str, reason: str, rule_id: str = "") -> None:
        self._teacher_entry(rows, trn, CONFLICT, reason, rule_id)
        self.result.counts[CONFLICT] += 1

    def _try_again(self, rows: list[Row], trn: str, reason: str) -> None:
        self._teacher_entry(rows, trn, TRY_AGAIN, reason)
        self.result.counts[TRY_AGAIN] += 1

    def _merge_note(self, rows: list[Row], trn: str, retained: str) -> None:
        self._teacher_entry(
            rows,
            trn,
            MERGED,
            f"TRS has merged TRN {trn} into {retained}, so the "
            f"import uses {retained}. Use {retained} in files from now on.",
        )
        self.result.counts[MERGED] += 1

    def _difference(self, cpd: tuple, mine: tuple) -> str:
        """The first difference between CPD's periods and the file's, in words."""
        if len(cpd) != len(mine):
            return f"CPD holds {plural(len(cpd), 'induction period')}; the file has {len(mine)}."
        for held, wanted in zip(cpd, mine, strict=True):
            changed = [
                f"{name} is {self._shown(name, a)} in CPD but {self._shown(name, b)} in the file"
                for name, a, b in zip(_VALUE_NAMES, held, wanted, strict=True)
                if a != b
            ]
            if changed:
                return f"The period CPD holds from {long_date(held[0])}: {'; '.join(changed)}."
        return ""

    def _shown(self, name: str, value: object) -> str:
        if name == "appropriate_body":
            return self.bodies.name_of(value)
        if value is None:
            return "blank"
        return long_date(value) if isinstance(value, date) else str(value)


def import_inductions(
    session: Session,
    client: TrsClient,
    clock: Clock,
    file: ImportFile,
    *,
    dry_run: bool = False,
    create_bodies: bool = False,
    concurrency: int = DEFAULT_CONCURRENCY,
    progress: Callable[[int], None] = lambda _n: None,
) -> ImportResult:
    """Check every teacher in `file` against CPD, TRS and the rule set, and (unless `dry_run`)
    write each one allowed; `progress(1)` after each teacher.

    Raises ImportAborted when TRS refuses the console itself; the teachers finished before that
    are committed (each is whole), so a rerun carries on where this one stopped.
    """
    return _Importer(
        session,
        client,
        clock,
        file,
        dry_run=dry_run,
        create_bodies=create_bodies,
        concurrency=concurrency,
        progress=progress,
    ).run()


def write_report(out: TextIO, entries: Iterable[ReportEntry]) -> None:
    """The report as CSV: a line per rejected row of the file, a line per teacher otherwise."""
    writer = csv.writer(out)
    writer.writerow(REPORT_COLUMNS)
    writer.writerows(entries)


def _file_says(rows: list[Row]) -> str:
    """What the file's periods imply, in words, set beside TRS's status in a conflict."""
    outcome = next((r for r in rows if r.outcome), None)
    if outcome:
        return f"a {outcome.outcome} on {long_date(outcome.outcome_on)}"
    ongoing = next((r for r in rows if r.finished_on is None), None)
    if ongoing:
        return f"an ongoing induction period that started on {long_date(ongoing.started_on)}"
    first, last = min(r.started_on for r in rows), max(r.finished_on for r in rows)
    return f"induction periods from {long_date(first)} to {long_date(last)}"


def _not_imported_because(bad_lines: list[int]) -> str:
    it = "it" if len(bad_lines) == 1 else "them"
    return (
        f"Not imported: this teacher's {_lines(bad_lines)} {_was_were(bad_lines)} rejected, and a "
        f"teacher is imported whole or not at all. Correct {it} and run the file again."
    )


def _lines(lines: list[int]) -> str:
    ordered = sorted(lines)
    if len(ordered) == 1:
        return f"line {ordered[0]}"
    return "lines " + ", ".join(map(str, ordered[:-1])) + f" and {ordered[-1]}"


def _was_were(items: list) -> str:
    return "was" if len(items) == 1 else "were"


def plural(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"
