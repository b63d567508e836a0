"""Manual-handling requests for changes outside their time window (docs/domain.md).

A caseworker or appeals officer raises a request for an action the rules answer `manual`, with the
answers they would have submitted. A senior caseworker other than the requester decides it:
approval makes the change through the action's own service function, past only the window rule
that sent it here (`ManualApproval`), so every other rule and every validation still applies and the
rows, the event (naming both people and the justification) and the outbox row commit together.
A request raised on an older version of the record cannot be approved: `ConcurrentChange`.

Exactly one decision per request: deciding is a conditional `UPDATE ... WHERE state = 'open'` run
in the same transaction as the change it approves (and after the decider's write token is spent),
so of two decisions at once, the second finds the request decided and raises `AlreadyDecided`.

What approving means for each kind (see docs/decisions/approving-manual-requests.md):
- `out_of_window`: the requested change, through its action's service;
- `drift`: CPD's derived status is sent to TRS through the outbox (CPD is right);
- `delivery`: the teacher's stopped changes go back in the queue for TRS.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import date, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.models import Event, ManualRequest, User
from app.rules import ACTIONS, derive_trs_status, may_decide_manual_request, role_may, status_words
from app.services.casework import (
    ActionRefused,
    Case,
    ManualApproval,
    Outcome,
    RoleMayNot,
    Submission,
    open_case,
)
from app.services.changes import Actor, record_change, snapshot
from app.services.once import Once
from app.trs.outbox import resume_stopped_queue

SORTS = {
    "oldest": (ManualRequest.requested_at.asc(), ManualRequest.id.asc()),
    "newest": (ManualRequest.requested_at.desc(), ManualRequest.id.desc()),
}


class MayNotDecide(Exception):
    """This person may not decide this request: not a senior caseworker, or it is their own."""


class AlreadyDecided(Exception):
    """The request was decided already (by `by`, at `at`)."""

    def __init__(self, request_id: int, by: str | None = None, at: datetime | None = None) -> None:
        super().__init__(request_id)
        self.by = by
        self.at = at


class NothingToPush(Exception):
    """A drift request's approval found CPD deriving no status to send (its periods are gone)."""


def raise_request(
    session: Session,
    case: Case,
    actor: Actor,
    action: str,
    change: Mapping[str, object],
    answers: dict[str, Any],
    reason: str,
    evidence: str | None,
    today: date,
    now: datetime,
    once: Once | None = None,
) -> ManualRequest:
    """Store a request for `change`, which the rules must answer `manual` now (else refused);
    `once` is the request form's write token, spent with it."""
    if not role_may(actor.role, action):
        raise RoleMayNot(action)
    decision = case.ask(action, today, change)
    if decision.outcome != "manual":
        raise ActionRefused(decision)
    request = ManualRequest(
        teacher_id=case.teacher.id,
        trn=case.trn,
        kind="out_of_window",
        state="open",
        action=action,
        rule_id=decision.rule_id,
        answers=answers,
        reason=reason,
        evidence=evidence,
        teacher_version=case.version,
        requested_by_user_id=actor.user_id,
        requested_at=now,
    )
    if once is not None:
        once.claim(session, now)
    session.add(request)
    session.flush()
    if once is not None:
        once.settle(session, f"Manual-handling request {request.id} raised")
    session.commit()
    return request


def _check_decider(session: Session, request: ManualRequest, decider: Actor) -> None:
    if not may_decide_manual_request(decider.role, request.requested_by_user_id, decider.user_id):
        raise MayNotDecide(request.id)
    if request.state != "open":
        raise decided_already(session, request.id)


def decided_already(session: Session, request_id: int) -> AlreadyDecided:
    """Who decided the request, and when (read as committed)."""
    request = session.get(ManualRequest, request_id, populate_existing=True)
    decider = session.get(User, request.decided_by_user_id) if request.decided_by_user_id else None
    return AlreadyDecided(
        request_id, decider.email if decider else "the console", request.decided_at
    )


def _claim(
    request_id: int, state: str, decider: Actor, note: str
) -> Callable[[Session, datetime], None]:
    """Decide the request in the caller's transaction, unless another decision got there first."""

    def claim(session: Session, now: datetime) -> None:
        decided = session.execute(
            update(ManualRequest)
            .where(ManualRequest.id == request_id, ManualRequest.state == "open")
            .values(
                state=state, decided_by_user_id=decider.user_id, decided_at=now, decision_note=note
            )
            .execution_options(synchronize_session=False)
        )
        if decided.rowcount != 1:
            raise decided_already(session, request_id)

    return claim


def approve(
    submission: Submission,
    request: ManualRequest,
    justification: str,
    perform: Callable[[Submission], Outcome],
) -> Outcome:
    """Make the requested change as the request's action would, past its window rule only.

    `submission.actor` is the decider (its trn and version are taken from the request);
    `perform` is the action's service call with the stored answers. The request is marked approved in the same transaction as the change.
    """
    decider = submission.actor
    _check_decider(submission.session, request, decider)
    requester = submission.session.get(User, request.requested_by_user_id)
    approval = ManualApproval(
        requester=Actor.of(requester),
        window_rule=request.rule_id,
        note=(
            f"Manual-handling request {request.id}: raised by {requester.email} "
            f"({request.reason}); approved by {decider.email}: {justification}"
        ),
        claim=_claim(request.id, "approved", decider, justification),
    )
    # The version the requester saw: a record changed since makes the approval a ConcurrentChange.
    approved = replace(
        submission, trn=request.trn, expected_version=request.teacher_version, approval=approval
    )
    return perform(approved)


def reject(
    session: Session,
    request: ManualRequest,
    decider: Actor,
    reason: str,
    now: datetime,
    once: Once | None = None,
) -> None:
    """Refuse the request, keeping the reason; nothing changes on the record."""
    _check_decider(session, request, decider)
    try:
        if once is not None:
            once.claim(session, now)
        _claim(request.id, "rejected", decider, reason)(session, now)
        if once is not None:
            once.settle(session, f"Manual-handling request {request.id} rejected: {reason}")
        session.commit()
    except BaseException:
        session.rollback()
        raise
    session.refresh(request)


def approve_problem(submission: Submission, request: ManualRequest, justification: str) -> Event:
    """Approve a `drift` or `delivery` request: push CPD's derived status to TRS through the
    outbox (drift), or put the teacher's stopped changes back in the queue (delivery). The
    request's decision, the event and any outbox row commit together."""
    s, decider, now = submission, submission.actor, submission.clock.now()
    _check_decider(s.session, request, decider)
    note = f"Manual-handling request {request.id} ({request.kind}) approved by {decider.email}: {justification}"
    try:
        case = open_case(s.session, s.gateway, request.trn, fresh=True)
        teacher = case.teacher
        assert teacher is not None  # a drift or delivery request belongs to a teacher CPD holds
        derived = derive_trs_status(case.record) if request.kind == "drift" else None
        if request.kind == "drift" and derived is None:
            raise NothingToPush(request.id)
        s.claim(now)
        _claim(request.id, "approved", decider, justification)(s.session, now)
        if derived is not None:
            summary = f"CPD's induction status sent to TRS after a difference was reviewed: {status_words(derived.status)}"
            action = "push_derived_status"
        else:
            requeued = resume_stopped_queue(s.session, teacher.id, now)
            summary = (
                f"Delivery to TRS restarted: {requeued} stopped change(s) back in the queue"
                if requeued
                else "Delivery problem settled: no stopped change was waiting to be sent to TRS"
            )
            action = "resume_delivery"
        event = record_change(
            s.session,
            teacher=teacher,
            actor=decider,
            action=action,
            decision=None,
            summary=summary,
            before=snapshot(teacher),
            derived=derived,
            now=now,
            note=note,
        )
        s.settle(summary)
        s.session.commit()
    except BaseException:
        s.session.rollback()
        raise
    s.gateway.forget(request.trn)
    s.session.refresh(request)
    return event


def changes_since(session: Session, request: ManualRequest) -> list[Event]:
    """What happened to the record after the request was raised (why it is now stale)."""
    return list(
        session.scalars(
            select(Event)
            .where(
                Event.teacher_id == request.teacher_id, Event.occurred_at >= request.requested_at
            )
            .order_by(Event.id)
        )
    )


def is_stale(request: ManualRequest, version: int) -> bool:
    return request.state == "open" and request.teacher_version != version


def queue(
    session: Session, state: str | None, kind: str | None, sort: str = "oldest"
) -> list[ManualRequest]:
    """The requests a senior caseworker works through, filtered by state and kind."""
    query = select(ManualRequest)
    if state:
        query = query.where(ManualRequest.state == state)
    if kind:
        query = query.where(ManualRequest.kind == kind)
    return list(session.scalars(query.order_by(*SORTS.get(sort, SORTS["oldest"]))))


def action_title(request: ManualRequest) -> str:
    return ACTIONS[request.action].title if request.action in ACTIONS else request.kind
