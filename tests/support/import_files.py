"""Import files as real CSV files on disk, for the import's tests and its benchmark."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping
from pathlib import Path

from app.importing import COLUMNS, OPTIONAL_COLUMNS

BODY = "Alpha Teaching School Hub"  # the `appropriate_body` fixture's name


def period(
    trn: str,
    started_on: str,
    finished_on: str = "",
    *,
    terms: str = "",
    outcome: str = "",
    outcome_date: str = "",
    body: str = BODY,
    programme: str = "provider_led",
    **optional: str,
) -> dict[str, str]:
    """One row of an import file: one induction period, values written as a person would.
    `optional` fills the optional columns (outcome_recorded_on, appeal_lodged_on, ...)."""
    unknown = set(optional) - set(OPTIONAL_COLUMNS)
    if unknown:
        raise TypeError(f"not an optional column: {', '.join(sorted(unknown))}")
    return {
        "trn": trn,
        "appropriate_body": body,
        "started_on": started_on,
        "finished_on": finished_on,
        "training_programme": programme,
        "number_of_terms": terms,
        "outcome": outcome,
        "outcome_date": outcome_date,
        **optional,
    }


def write_import_file(
    path: Path,
    rows: Iterable[Mapping[str, str]],
    *,
    columns: Iterable[str] = COLUMNS,
    encoding: str = "utf-8",
) -> Path:
    """Write `rows` under a header of `columns` (a row's keys not among them are left out);
    `encoding="utf-8-sig"` writes a BOM, as Excel's "CSV UTF-8" does."""
    columns = list(columns)
    with path.open("w", encoding=encoding, newline="") as out:
        writer = csv.writer(out)
        writer.writerow(columns)
        for row in rows:
            writer.writerow([row.get(column, "") for column in columns])
    return path
