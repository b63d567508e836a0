"""The TRS induction status CPD pushes after an allowed change (docs/domain.md, after an allowed change).

Whatever comes out satisfies the TRS API's date rules (`STATUS_DATES`): a start date with
InProgress, Passed and Failed; a completed date with Passed and Failed only; neither with
RequiredToComplete. The outbox sends it as it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from app.rules.record import TeacherRecord


@dataclass(frozen=True, slots=True)
class DerivedStatus:
    status: str  # "RequiredToComplete" | "InProgress" | "Passed" | "Failed"
    start_date: date | None
    completed_date: date | None


def derive_trs_status(
    record: TeacherRecord, *, last_period_deleted: bool = False
) -> DerivedStatus | None:
    """What CPD must push to TRS for `record` as it now stands; None means nothing to push.

    `last_period_deleted`: the change just deleted the teacher's last period, so TRS goes back to
    RequiredToComplete. An appeal counts as `TeacherRecord.effective_outcome` says: extended ->
    InProgress, upheld -> Passed. The completed date stays the outcome period's finish even after an
    upheld appeal: the appeal changes the result, not the day the induction ended.
    """
    if not record.periods:
        return DerivedStatus("RequiredToComplete", None, None) if last_period_deleted else None
    start = record.cpd_start_date
    outcome = record.effective_outcome
    if outcome is None:
        return DerivedStatus("InProgress", start, None)
    status = "Passed" if outcome == "pass" else "Failed"
    return DerivedStatus(status, start, record.cpd_completed_date)
