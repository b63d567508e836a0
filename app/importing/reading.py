"""Reading an import file: the file is refused whole, or read into rows grouped per teacher.

Anything wrong with the file itself (too big, empty, not UTF-8, missing or unknown columns, broken
CSV) raises `ImportFileError` before the database is touched. Anything wrong with one row is kept
as a report entry: a bad row never stops the file.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import NamedTuple

from app.importing.report import REJECTED, ReportEntry
from app.rules.numbers import WHOLE, read_decimal

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
# Columns a file may leave out. When outcome_recorded_on is blank the correction window counts from
# the outcome's own date: the cautious choice, so an old outcome gains no fresh window by being
# imported today. The appeal columns carry an appeal against a fail into CPD with its state.
OPTIONAL_COLUMNS = (
    "outcome_recorded_on",
    "appeal_lodged_on",
    "appeal_decision",
    "appeal_decided_on",
)
ALL_COLUMNS = (*COLUMNS, *OPTIONAL_COLUMNS)
MEGABYTE = 1024 * 1024
# A file bigger than this is refused before it is read: 200 MB is about two million rows, far
# beyond every in-flight induction in England, so a bigger file is a wrong file.
MAX_FILE_BYTES = 200 * MEGABYTE

# ASCII digits only (`\d` also matches "١"), and `\Z`: `$` would allow a final newline.
_TRN = re.compile(r"^[0-9]{7}\Z")
_ISO_DATE = re.compile(r"^([0-9]{4})-([0-9]{2})-([0-9]{2})\Z")
_UK_DATE = re.compile(r"^([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})\Z")
_PROGRAMMES = frozenset({"provider_led", "school_led"})


class ImportFileError(Exception):
    """The file as a whole cannot be imported; nothing has been written."""


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
    recorded_on: date | None = None  # when the outcome was recorded in CPD, if the file says
    appeal_lodged_on: date | None = None
    appeal_decision: str | None = None  # only "dismissed": the fail stands
    appeal_decided_on: date | None = None


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
    unknown = [n or "(blank)" for n in names if n not in ALL_COLUMNS]
    if unknown:
        problems.append(f"{_listed('column', unknown)} {_is_are(unknown)} not one the import takes")
    repeated = sorted({n for n in names if n in ALL_COLUMNS and names.count(n) > 1})
    if repeated:
        problems.append(f"{_listed('column', repeated)} {_is_are(repeated)} there twice")
    if problems:
        raise ImportFileError(
            f"{name} cannot be imported: {'; '.join(problems)}. The first row must name exactly "
            f"these columns, in any order: {', '.join(COLUMNS)}; and may add "
            f"{', '.join(OPTIONAL_COLUMNS)}."
        )
    return {column: names.index(column) for column in ALL_COLUMNS if column in names}


def _read_row(parsed: ImportFile, line: int, cells: list[str], positions: dict[str, int]) -> None:
    parsed.rows_read += 1
    width = len(positions)
    if len(cells) > width and any(cell.strip() for cell in cells[width:]):
        trn = cells[positions["trn"]].strip()
        parsed.reject(line, trn, f"The row has {len(cells)} values; the header names {width}.")
        return
    if len(cells) < width:
        cells = cells + [""] * (width - len(cells))
    value = dict.fromkeys(OPTIONAL_COLUMNS, "")
    value.update((column, cells[index].strip()) for column, index in positions.items())
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
    recorded_on = _read_date(value, "outcome_recorded_on", problems)
    if outcome is None and recorded_on:
        problems.append("outcome_recorded_on is given but outcome is blank.")
    appeal = _read_appeal(value, outcome, problems)
    if problems:
        parsed.reject(line, trn, " ".join(problems))
        return
    parsed.teachers.setdefault(trn, []).append(
        Row(line, body, started_on, finished_on, programme, terms, outcome, outcome_on,
            recorded_on, *appeal)
    )  # fmt: skip


def _read_appeal(
    value: dict[str, str], outcome: str | None, problems: list[str]
) -> tuple[date | None, str | None, date | None]:
    """An appeal against the row's fail: lodged and waiting for its decision, or dismissed.

    An upheld or extended appeal changed the outcome itself, so the file gives the induction as it
    now stands instead (a pass; or the periods without the fail) and leaves these columns blank.
    """
    lodged_on = _read_date(value, "appeal_lodged_on", problems)
    decision = value["appeal_decision"].lower() or None
    decided_on = _read_date(value, "appeal_decided_on", problems)
    if not (lodged_on or decision or decided_on):
        return None, None, None
    if outcome != "fail":
        problems.append(f"The appeal columns are for a fail, and outcome is {outcome or 'blank'}.")
    if lodged_on is None and not value["appeal_lodged_on"]:
        problems.append("Enter appeal_lodged_on: an appeal is decided only once it is lodged.")
    if decision in ("upheld", "extended"):
        problems.append(
            f"appeal_decision “{decision}” changed the outcome: give the induction as it now "
            "stands (upheld: a pass; extended: the periods without the fail) and leave the "
            "appeal columns blank."
        )
    elif decision not in (None, "dismissed"):
        problems.append(
            f"appeal_decision “{value['appeal_decision']}” must be dismissed or left blank "
            "while the appeal waits for its decision."
        )
    if (decision is None) != (not value["appeal_decided_on"]):
        problems.append("appeal_decision and appeal_decided_on go together: give both or neither.")
    return lodged_on, decision, decided_on


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
