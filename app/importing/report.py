"""What the import tells the person who ran it: results, report entries and their wording."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import NamedTuple, TextIO

# Results in the report. `merged` is for information: the teacher was followed to the retained TRN.
IMPORTED, UNCHANGED, REJECTED, CONFLICT, DIFFERS, TRY_AGAIN, MERGED = (
    "imported",
    "unchanged",
    "rejected",
    "conflict",
    "differs",
    "try_again",
    "merged",
)
# Results that are notes, not something a person has to act on: a merge followed, or a teacher
# imported with something to know (TRS was behind; the date the correction window counts from).
FOR_INFORMATION = frozenset({MERGED, IMPORTED})
# Counts of imported teachers with a note.
TRS_BEHIND, RECORDED_ON_ASSUMED = "trs_behind", "recorded_on_assumed"
REPORT_COLUMNS = ("line", "trn", "result", "reason", "rule_id")


class ReportEntry(NamedTuple):
    line: int
    trn: str
    result: str
    reason: str
    rule_id: str = ""


@dataclass
class ImportResult:
    """What the import did (or, on a dry run, would do), for the summary and the report."""

    file_name: str
    dry_run: bool
    rows_read: int
    teachers: int
    counts: dict[str, int] = field(
        default_factory=lambda: dict.fromkeys(
            (IMPORTED, UNCHANGED, DIFFERS, CONFLICT, REJECTED, TRY_AGAIN, MERGED)
            + (TRS_BEHIND, RECORDED_ON_ASSUMED),
            0,
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
        """Anything in the report but notes: a person has something to act on."""
        return any(e.result not in FOR_INFORMATION for e in self.entries)


def write_report(out: TextIO, entries: Iterable[ReportEntry]) -> None:
    """The report as CSV: a line per rejected row of the file, a line per teacher otherwise."""
    writer = csv.writer(out)
    writer.writerow(REPORT_COLUMNS)
    writer.writerows(entries)


def not_imported_because(bad_lines: list[int]) -> str:
    it = "it" if len(bad_lines) == 1 else "them"
    return (
        f"Not imported: this teacher's {lines(bad_lines)} {_was_were(bad_lines)} rejected, and a "
        f"teacher is imported whole or not at all. Correct {it} and run the file again."
    )


def lines(numbers: list[int]) -> str:
    """File lines in words: "line 4", "lines 2, 3 and 7"."""
    ordered = sorted(numbers)
    if len(ordered) == 1:
        return f"line {ordered[0]}"
    return "lines " + ", ".join(map(str, ordered[:-1])) + f" and {ordered[-1]}"


def _was_were(items: list) -> str:
    return "was" if len(items) == 1 else "were"


def plural(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"
