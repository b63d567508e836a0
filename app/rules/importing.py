"""Judging a teacher an import file brings: does what the file implies agree with TRS?

An import records inductions that already happened, so it is not a caseworker starting an
induction today: the file's periods imply a status, start and completed date (as CPD would derive
them), and the teacher is imported when TRS agrees, or when TRS is only behind. The record asked
about is TRS as read now with the file's periods, outcome and appeal as CPD's side. The checks
before any CPD write (P1 to P3) come first; each period's own dates are then asked of the
ordinary period rules, one by one, by the importer.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache

from app.rules.decide import Decision, first_answer
from app.rules.derive import DerivedStatus, derive_trs_status
from app.rules.formatting import long_date, status_words
from app.rules.record import TeacherRecord
from app.rules.table import ALLOWED, FORBIDDEN, P1, P2, P3, Rule

Facts = dict[str, object] | None
NOT_STARTED_IN_TRS = ("None", "RequiredToComplete")


def induction_words(status: str, start: date | None, completed: date | None) -> str:
    """A status with its dates: "Failed, started on 2 September 2024, completed on 26 October"."""
    words = status_words(status)
    if start:
        words += f", started on {long_date(start)}"
    if completed:
        words += f", completed on {long_date(completed)}"
    return words


@lru_cache(maxsize=64)  # every condition of one judgement asks about the same record
def _sides(r: TeacherRecord) -> tuple[dict[str, object], DerivedStatus]:
    derived = derive_trs_status(r)
    facts = {
        "trs_induction": induction_words(r.trs_status, r.trs_start_date, r.trs_completed_date),
        "file_induction": induction_words(
            derived.status, derived.start_date, derived.completed_date
        ),
    }
    return facts, derived


def no_qts(r: TeacherRecord, today: date, ch: dict | None) -> Facts:
    """TRS has no QTS date for the teacher."""
    return dict(_sides(r)[0]) if r.qts_date is None else None


def trs_agrees(r: TeacherRecord, today: date, ch: dict | None) -> Facts:
    """TRS holds the status, start and completed date the file implies."""
    facts, derived = _sides(r)
    same = (derived.status, derived.start_date, derived.completed_date) == (
        r.trs_status,
        r.trs_start_date,
        r.trs_completed_date,
    )
    return dict(facts) if same else None


def trs_not_started(r: TeacherRecord, today: date, ch: dict | None) -> Facts:
    """TRS shows no induction yet (None or Required to complete): TRS is behind the file."""
    return dict(_sides(r)[0]) if r.trs_status in NOT_STARTED_IN_TRS else None


def trs_in_progress_and_file_ongoing(r: TeacherRecord, today: date, ch: dict | None) -> Facts:
    """TRS shows the induction in progress and the file has an ongoing period."""
    if r.trs_status != "InProgress" or r.ongoing_period is None:
        return None
    return dict(_sides(r)[0])


def disagrees(r: TeacherRecord, today: date, ch: dict | None) -> Facts:
    """TRS holds anything else (a completed induction the file does not imply, other dates)."""
    return dict(_sides(r)[0])


R = Rule
# fmt: off
IMPORT_NO_QTS = R("IMPORT-NO-QTS", FORBIDDEN, no_qts, "TRS has no QTS date for this teacher, so CPD cannot hold an induction for them; the file implies {file_induction}.", "TRS, where QTS is recorded")
IMPORT_AGREES = R("IMPORT-AGREES-WITH-TRS", ALLOWED, trs_agrees, "TRS already shows {trs_induction}, as the file implies: imported as it stands.")
IMPORT_TRS_BEHIND = R("IMPORT-TRS-NOT-STARTED", ALLOWED, trs_not_started, "TRS shows {trs_induction}; the file implies {file_induction}. TRS is behind: CPD's status is sent to TRS.")
IMPORT_TRS_IN_PROGRESS = R("IMPORT-TRS-IN-PROGRESS-FILE-ONGOING", ALLOWED, trs_in_progress_and_file_ongoing, "TRS shows {trs_induction} and the file has an ongoing period: CPD's status ({file_induction}) is sent to TRS.")
IMPORT_DISAGREES = R("IMPORT-DISAGREES-WITH-TRS", FORBIDDEN, disagrees, "TRS shows {trs_induction}, but the file implies {file_induction}. Nothing was imported for this teacher: settle which is right first.", "Correct the file, or TRS (the TRS console; a legacy correction in this console)")
IMPORT_RULES: tuple[Rule, ...] = (P1, P2, P3, IMPORT_NO_QTS, IMPORT_AGREES, IMPORT_TRS_BEHIND, IMPORT_TRS_IN_PROGRESS, IMPORT_DISAGREES)
# fmt: on


def judge_import(record: TeacherRecord, today: date) -> Decision:
    """Whether the teacher in `record` (TRS now, CPD's side from the file) may be imported.

    `record` must hold the file's periods: an import with no periods is nothing to judge.
    """
    if not record.periods:
        raise ValueError("judge_import needs the file's periods on the record")
    return first_answer(IMPORT_RULES, "cpd", record, today)
