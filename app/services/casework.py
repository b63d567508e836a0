"""What every caseworker action shares: read the teacher, ask the rules, write once.

Each action (a function in `induction_periods`, `outcomes`, `extensions`) hands `change_cpd` its
rule change and a small function that edits CPD's rows. `change_cpd` then does the same thing for
all of them, in this order, so no action can skip a step:

1. read CPD's rows (or take those the confirming page read in this transaction) and TRS (fresh,
   never the gateway's cache), build the record the rules read;
2. ask the rules with the full change; refuse unless allowed (`ActionRefused` carries the Decision);
3. refuse a save built on an older version of the teacher (`ConcurrentChange`);
4. spend the confirmation's write token and any approval's claim on its request, as the
   transaction's first writes (`AlreadyDone` when another POST got there first); write the rows,
   work out the TRS status from the record as the change leaves it, record the event and the
   outbox row (`add_event`), commit ONCE;
5. forget the cached TRS reading, so the next page reads what is now true.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from app.clock import Clock
from app.models import Event, Teacher
from app.observability.context import note_decision
from app.rules import Decision, TeacherRecord, decide, derive_trs_status, role_may
from app.services.changes import (
    Actor,
    ConcurrentChange,
    add_event,
    check_version,
    snapshot,
    touch,
)
from app.services.once import Once
from app.services.records import build_record
from app.services.teachers import find_teacher, in_stored_order
from app.trs.gateway import TrsGateway, TrsReading

NO_TEACHER_ROW = 0
"""The version a journey carries when CPD had no row for the teacher as it began."""


class ActionRefused(Exception):
    """The rules did not allow the change (forbidden or manual); `decision` says why."""

    def __init__(self, decision: Decision) -> None:
        super().__init__(decision.reason)
        self.decision = decision


class RoleMayNot(Exception):
    """The person's role may not ask for this action at all (checked before the rules)."""


class NotFound(Exception):
    """The change names a period or extension this teacher does not have."""


@dataclass(frozen=True)
class Case:
    """One teacher as an action sees them: CPD's rows, what TRS said, and the rules' record."""

    trn: str
    teacher: Teacher | None
    reading: TrsReading
    record: TeacherRecord

    @property
    def version(self) -> int:
        return self.teacher.version if self.teacher else NO_TEACHER_ROW

    def ask(self, action: str, today: date, change: Mapping[str, object] | None = None) -> Decision:
        """The rules' answer for this teacher now (MalformedChange for an unreadable change)."""
        decision = decide("cpd", action, self.record, today, change)
        note_decision(decision)
        return decision


@dataclass(frozen=True)
class ManualApproval:
    """A senior caseworker's approval of a manual-handling request: the change is made as
    `requester` asked it (their role must be allowed to ask), past only the time window
    `window_rule` that sent it to manual handling; `note` goes in the event. `claim` marks the
    request decided in the change's own transaction (it raises when another decision won)."""

    requester: Actor
    window_rule: str
    note: str
    claim: Callable[[Session, datetime], None]


@dataclass(frozen=True)
class Submission:
    """A confirmed change to one teacher's record: who sends it, the version of the record they
    saw when they began, and what it is made with (the request's database session, TRS, clock)."""

    session: Session
    gateway: TrsGateway
    clock: Clock
    trn: str
    actor: Actor
    expected_version: int
    approval: ManualApproval | None = None
    once: Once | None = None
    """The confirmation's write token (None for the console's own writes: import, reconcile)."""
    seen: Mapping[str, object] | None = None
    """What the confirmed page showed of TRS, where the write must find it unchanged."""
    opened: Case | None = None
    """The case the confirming request read earlier in this transaction. Its CPD rows are used as
    they are: reading them again would hand back the same objects unchanged, and the write's
    version check refuses a newer change. TRS is read again, fresh."""

    def claim(self, now: datetime) -> None:
        """Spend the write token and claim the approved request, in the change's transaction."""
        if self.once is not None:
            self.once.claim(self.session, now)
        if self.approval is not None:
            self.approval.claim(self.session, now)

    def settle(self, summary: str) -> None:
        if self.once is not None:
            self.once.settle(self.session, summary)


@dataclass(frozen=True)
class Outcome:
    """What a successful change left behind, for the confirmation page and the tests."""

    event: Event
    decision: Decision
    sends_to_trs: bool = False  # an outbox row carries CPD's status to TRS (an appeal lodged: no)


def open_case(session: Session, gateway: TrsGateway, trn: str, *, fresh: bool = False) -> Case:
    """Read CPD and TRS for `trn`; raises TrsUnreadable when TRS could not be read.

    Pages may read through the gateway's short cache; a write (`fresh=True`) never does.
    """
    return with_trs(gateway, trn, find_teacher(session, trn), fresh=fresh)


def with_trs(gateway: TrsGateway, trn: str, teacher: Teacher | None, *, fresh: bool) -> Case:
    """The case for CPD's rows already read, with TRS read now."""
    reading = gateway.read_person(trn, fresh=fresh)
    return Case(trn, teacher, reading, build_record(teacher, reading))


def require_allowed(
    case: Case,
    actor: Actor,
    action: str,
    today: date,
    change: Mapping[str, object] | None,
    approval: ManualApproval | None = None,
) -> Decision:
    """The who-may-ask gate, then the rules; returns the allowing Decision or raises.

    With an `approval`, a `manual` answer from the approved window rule (and only that) passes.
    """
    if not role_may((approval.requester if approval else actor).role, action):
        raise RoleMayNot(action)
    decision = case.ask(action, today, change)
    approved = (
        approval and decision.outcome == "manual" and decision.rule_id == approval.window_rule
    )
    if not (decision.allowed or approved):
        raise ActionRefused(decision)
    return decision


def check_case_version(case: Case, expected_version: int) -> None:
    """Refuse a save when the teacher changed (or first appeared in CPD) since the journey began."""
    if case.teacher is None:
        if expected_version != NO_TEACHER_ROW:
            raise ConcurrentChange(case.trn)
        return
    check_version(case.teacher, expected_version)


def open_allowed_case(
    submission: Submission, action: str, change: ChangeFor
) -> tuple[Case, Decision]:
    """Steps 1 to 3: the teacher as they are now, if this change to them is allowed and current."""
    s = submission
    if s.opened is not None and s.opened.trn == s.trn:
        case = with_trs(s.gateway, s.trn, s.opened.teacher, fresh=True)
    else:
        case = open_case(s.session, s.gateway, s.trn, fresh=True)
    decision = require_allowed(case, s.actor, action, s.clock.today(), change(case), s.approval)
    check_case_version(case, s.expected_version)
    return case, decision


ChangeFor = Callable[[Case], Mapping[str, object] | None]
"""The change the rules are asked about, worked out from the case (periods go by index)."""
Write = Callable[[Teacher], str]
"""Edits CPD's rows for one action and returns the event's summary."""


def change_cpd(
    submission: Submission,
    action: str,
    change: ChangeFor,
    write: Write,
    note: str | None = None,
    push: bool = True,
) -> Outcome:
    """Make one CPD change (steps 1 to 5 above); rolls back everything if any step fails.

    `push=False`: the change leaves TRS's status as it was (an appeal lodged or dismissed).
    """
    session, now = submission.session, submission.clock.now()
    try:
        case, decision = open_allowed_case(submission, action, change)
        # First, so that copies of this confirmation queue here and write nothing: what `write`
        # reads (the open appeal, say) a copy ahead of this one may be changing.
        submission.claim(now)
        teacher = case.teacher or _new_teacher(session, submission.trn, now)
        before = snapshot(teacher) if case.teacher else None
        summary = write(teacher)
        touch(teacher, now)
        session.flush()  # the version check, then the CPD rows
        # The record as the change leaves it, from the rows in memory: the derived status must be
        # the one the change leaves, not the one it found. A change that pushes nothing skips it.
        in_stored_order(teacher)
        derived = (
            derive_trs_status(
                build_record(teacher, case.reading), last_period_deleted=bool(case.record.periods)
            )
            if push
            else None
        )
        event = add_event(
            session,
            teacher=teacher,
            actor=submission.actor,
            action=action,
            decision=decision,
            summary=summary,
            before=before,
            derived=derived,
            now=now,
            note="\n".join(filter(None, (submission.approval and submission.approval.note, note)))
            or None,
        )
        submission.settle(summary)
        session.commit()
    except StaleDataError:
        # Another save bumped the teacher's version between our read and our write.
        session.rollback()
        raise ConcurrentChange(submission.trn) from None
    except IntegrityError:
        session.rollback()
        if _changed_meanwhile(submission):
            raise ConcurrentChange(submission.trn) from None
        raise
    except BaseException:
        session.rollback()
        raise
    submission.gateway.forget(submission.trn)
    return Outcome(event, decision, sends_to_trs=derived is not None)


def _new_teacher(session: Session, trn: str, now: datetime) -> Teacher:
    """CPD's first row for a teacher so far known only to TRS (their first induction period),
    written with the change's own flush."""
    teacher = Teacher(trn=trn, created_at=now, updated_at=now)
    session.add(teacher)
    return teacher


def _changed_meanwhile(submission: Submission) -> bool:
    """A unique index refused our rows: only a save that raced ours can have caused that."""
    teacher = find_teacher(submission.session, submission.trn)
    return (teacher.version if teacher else NO_TEACHER_ROW) != submission.expected_version


def terms_words(terms: Decimal) -> str:
    """ "1 term", "4.5 terms": for event summaries, which are read as sentences."""
    text = f"{terms.normalize():f}"
    return f"{text} term" if terms == 1 else f"{text} terms"


def period_index(case: Case, period_id: int) -> int:
    """The rules count periods from 0 in date order; pages name them by id (stable)."""
    periods = case.teacher.induction_periods if case.teacher else []
    for index, period in enumerate(periods):
        if period.id == period_id:
            return index
    raise NotFound(f"induction period {period_id}")
