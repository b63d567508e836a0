"""Manual-handling requests for changes outside their time window (DESIGN.md 4, issue 6).

A caseworker or appeals officer raises a request for an action the rules answer `manual`, with the
answers they would have submitted. A senior caseworker other than the requester decides it:
approval makes the change through the action's own service function, past only the window rule
that sent it here (`ManualApproval`), so every other rule and every validation still applies and the
rows, the event (naming both people and the justification) and the outbox row commit together.
A request raised on an older version of the record cannot be approved: `ConcurrentChange`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Event, ManualRequest, User
from app.rules import ACTIONS, may_decide_manual_request, role_may
from app.services.casework import (
    ActionRefused,
    Case,
    ManualApproval,
    Outcome,
    RoleMayNot,
    Submission,
)
from app.services.changes import Actor

SORTS = {
    "oldest": (ManualRequest.requested_at.asc(), ManualRequest.id.asc()),
    "newest": (ManualRequest.requested_at.desc(), ManualRequest.id.desc()),
}


class MayNotDecide(Exception):
    """This person may not decide this request: not a senior caseworker, or it is their own."""


class AlreadyDecided(Exception):
    """The request was approved or rejected already."""


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
) -> ManualRequest:
    """Store a request for `change`, which the rules must answer `manual` now (else refused)."""
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
    session.add(request)
    session.commit()
    return request


def _check_decider(request: ManualRequest, decider: Actor) -> None:
    if not may_decide_manual_request(decider.role, request.requested_by_user_id, decider.user_id):
        raise MayNotDecide(request.id)
    if request.state != "open":
        raise AlreadyDecided(request.id)


def _mark(request: ManualRequest, state: str, decider: Actor, note: str, now: datetime) -> None:
    request.state = state
    request.decided_by_user_id = decider.user_id
    request.decided_at = now
    request.decision_note = note


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
    _check_decider(request, decider)
    requester = submission.session.get(User, request.requested_by_user_id)
    _mark(request, "approved", decider, justification, submission.clock.now())
    approval = ManualApproval(
        requester=Actor.of(requester),
        window_rule=request.rule_id,
        note=(
            f"Manual-handling request {request.id}: raised by {requester.email} "
            f"({request.reason}); approved by {decider.email}: {justification}"
        ),
    )
    # The version the requester saw: a record changed since makes the approval a ConcurrentChange.
    approved = replace(
        submission, trn=request.trn, expected_version=request.teacher_version, approval=approval
    )
    return perform(approved)


def reject(
    session: Session, request: ManualRequest, decider: Actor, reason: str, now: datetime
) -> None:
    """Refuse the request, keeping the reason; nothing changes on the record."""
    _check_decider(request, decider)
    _mark(request, "rejected", decider, reason, now)
    session.commit()


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
