"""Appeals against a fail (docs/domain.md): lodging one, recording its decision, and the lists
appeals officers work from.

Both changes go through `change_cpd`, so the rules are asked again with the full change, the
teacher's version is checked, and the rows, the event and the outbox row commit together. Lodging
and a dismissal leave TRS's status as it was (nothing to push); an upheld appeal pushes Passed and an
extended one InProgress, derived from the record as the change leaves it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Appeal, Extension, InductionPeriod, Teacher
from app.models.appeal import APPEAL_DECISIONS
from app.rules import APPEAL_DECISION, APPEAL_LODGING, long_date
from app.services.casework import Case, Outcome, Submission, change_cpd, terms_words
from app.services.teacher_page import TeacherAsRead

LODGE = "lodge_appeal"
DECIDE = "record_appeal_decision"


def lodge_appeal(submission: Submission, lodged_on: date) -> Outcome:
    """Record the day the notice of appeal was received, against the fail now standing."""
    now = submission.clock.now()

    def write(teacher: Teacher) -> str:
        period = teacher.outcome_period
        appeal = Appeal(
            teacher_id=teacher.id,
            induction_period_id=period.id,
            failed_on=period.outcome_on,
            lodged_on=lodged_on,
            created_at=now,
        )
        submission.session.add(appeal)
        return f"Appeal lodged on {long_date(lodged_on)} against the fail on {long_date(period.outcome_on)}"

    return change_cpd(submission, LODGE, lambda case: {"lodged_on": lodged_on}, write, push=False)


def decision_change(
    decision: str, decided_on: date, extension_terms: Decimal | None
) -> dict[str, object]:
    """The change the rules read: `extension_terms` goes with `extended` only."""
    change: dict[str, object] = {"decision": decision, "decided_on": decided_on}
    if extension_terms is not None:
        change["extension_terms"] = extension_terms
    return change


def record_appeal_decision(
    submission: Submission, decision: str, decided_on: date, extension_terms: Decimal | None
) -> Outcome:
    """Record the panel's decision on the open appeal and what it does to the fail.

    upheld: the fail becomes a pass on the decision date; extended: the fail is removed from its
    period (the induction is in progress again) and the panel's extension added; dismissed: the
    fail stands.
    """
    now = submission.clock.now()
    change = decision_change(decision, decided_on, extension_terms)

    def write(teacher: Teacher) -> str:
        period = teacher.outcome_period
        appeal = open_appeal(submission.session, teacher)
        appeal.decision, appeal.decided_on = decision, decided_on
        appeal.extension_terms = extension_terms
        summary = f"Appeal {decision} on {long_date(decided_on)}"
        if decision == "upheld":
            period.outcome, period.outcome_on, period.outcome_recorded_at = "pass", decided_on, now
            return f"{summary}: the fail is replaced by a pass"
        if decision == "extended":
            period.outcome = period.outcome_on = period.outcome_recorded_at = None
            teacher.extensions.append(
                Extension(teacher_id=teacher.id, number_of_terms=extension_terms, created_at=now)
            )
            return f"{summary}: the fail is set aside and an extension of {terms_words(extension_terms)} added"
        return f"{summary}: the fail stands"

    return change_cpd(submission, DECIDE, lambda case: change, write, push=decision != "dismissed")


def open_appeal(session: Session, teacher: Teacher) -> Appeal | None:
    """The undecided appeal against the fail now standing, if there is one."""
    period = teacher.outcome_period
    if period is None or period.outcome != "fail":
        return None
    return session.scalar(
        select(Appeal).where(Appeal.induction_period_id == period.id, Appeal.decision.is_(None))
    )


@dataclass(frozen=True)
class AppealState:
    """An appeal as the teacher page and the appeals list show it."""

    trn: str
    failed_on: date
    lodging_last_day: date
    lodged_on: date | None = None
    decision_last_day: date | None = None
    decision: str | None = None
    decided_on: date | None = None
    extension_terms: Decimal | None = None

    @property
    def state(self) -> str:
        if self.decision is not None:
            return APPEAL_DECISIONS[self.decision]
        return "Open: awaiting the decision" if self.lodged_on else "Not lodged"


def _state(trn: str, appeal: Appeal) -> AppealState:
    return AppealState(
        trn=trn,
        failed_on=appeal.failed_on,
        lodging_last_day=APPEAL_LODGING.last_day(appeal.failed_on),
        lodged_on=appeal.lodged_on,
        decision_last_day=APPEAL_DECISION.last_day(appeal.lodged_on),
        decision=appeal.decision,
        decided_on=appeal.decided_on,
        extension_terms=appeal.extension_terms,
    )


def teacher_appeals(teacher: TeacherAsRead | None) -> list[AppealState]:
    """Every appeal this teacher has lodged, newest first, and a fail still open to one."""
    if teacher is None:
        return []
    appeals = teacher.appeals
    states = [_state(teacher.trn, a) for a in appeals]
    period = teacher.outcome_period
    if (
        period
        and period.outcome == "fail"
        and not any(a.induction_period_id == period.id for a in appeals)
    ):
        states.insert(
            0,
            AppealState(teacher.trn, period.outcome_on, APPEAL_LODGING.last_day(period.outcome_on)),
        )
    return states


@dataclass(frozen=True)
class AppealsList:
    """The appeals officers' work: open appeals, and fails that can still be appealed."""

    open_appeals: list[AppealState]
    appealable_fails: list[AppealState]


def appeals_list(session: Session, today: date) -> AppealsList:
    """Open appeals by decision deadline, soonest first; fails whose lodging window is open."""
    rows = session.execute(
        select(Appeal, Teacher.trn)
        .join(Teacher, Teacher.id == Appeal.teacher_id)
        .where(Appeal.decision.is_(None))
    ).all()
    open_appeals = sorted(
        (_state(trn, appeal) for appeal, trn in rows), key=lambda s: s.decision_last_day
    )
    fails = session.execute(
        select(InductionPeriod.outcome_on, Teacher.trn)
        .join(Teacher, Teacher.id == InductionPeriod.teacher_id)
        .where(
            InductionPeriod.outcome == "fail",
            ~select(Appeal.id).where(Appeal.induction_period_id == InductionPeriod.id).exists(),
        )
    ).all()
    appealable = sorted(
        (
            AppealState(trn, failed_on, APPEAL_LODGING.last_day(failed_on))
            for failed_on, trn in fails
            if today <= APPEAL_LODGING.last_day(failed_on)
        ),
        key=lambda s: s.lodging_last_day,
    )
    return AppealsList(open_appeals, appealable)


def lodging_last_day(case: Case) -> date | None:
    """The last day an appeal against this teacher's fail can be lodged (None: no fail)."""
    record = case.record
    if record.outcome != "fail" or record.outcome_date is None:
        return None
    return APPEAL_LODGING.last_day(record.outcome_date)
