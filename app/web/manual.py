"""Manual handling: raise a request for a change outside its time window, and the seniors' queue.

The request page asks the action's own journey questions (its step forms on one page) plus why,
so the stored answers are exactly what the journey would have submitted; approving hands them to
that journey's `save`, the same service call, past the one window rule the request names.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, abort, g, redirect, render_template, request, url_for
from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from wtforms import Field

from app.models import Event, ManualRequest, Teacher, User
from app.models.manual_request import REQUEST_KINDS, REQUEST_STATES
from app.rules import ACTIONS, MalformedChange, may_decide_manual_request, role_may
from app.rules.table import DECIDES_MANUAL_REQUESTS
from app.services import manual_requests
from app.services.casework import (
    ActionRefused,
    Case,
    ConcurrentChange,
    NotFound,
    Submission,
    open_case,
)
from app.services.changes import Actor
from app.services.once import AlreadyDone, Once, UnknownToken, issue
from app.services.records import TrsUnreadable
from app.services.sessions import SignedIn
from app.services.teachers import TRN_PATTERN, names_by_trn
from app.web.auth import NAVIGATION_COUNTS, require_role
from app.web.context import clock, db_session, trs_gateway
from app.web.errors import render_error
from app.web.filters import format_time
from app.web.forms.journeys import JourneyForm
from app.web.forms.manual import DecideRequestForm, RequestReasonForm
from app.web.journeys.flow import Answers, Journey, field_error, malformed_error
from app.web.journeys.registry import JOURNEYS

blueprint = Blueprint("manual", __name__)
REQUESTERS = ("caseworker", "senior_caseworker", "appeals_officer")
DECIDERS = frozenset(DECIDES_MANUAL_REQUESTS)
EXPIRED = "This page had expired: check the request and decide again."
WHAT_HAPPENS = (
    "Give the change you need and why. A senior caseworker other than you decides; if they "
    "approve, the change is made exactly as you ask, outside the time window only."
)


def _journey_for(action: str) -> Journey:
    """The journey that carries out `action` (its first, where several share the rule)."""
    return next((j for j in JOURNEYS.values() if j.action == action), None) or abort(404)


@dataclass(frozen=True)
class RequestPage:
    """The request page's forms as one form for the error summary: the journey's step forms in
    its order, then the request's own (whose CSRF token, write token and button the page uses)."""

    forms: tuple[JourneyForm, ...]

    @property
    def own(self) -> RequestReasonForm:
        return self.forms[-1]

    @property
    def form_errors(self) -> list[str]:
        return self.own.form_errors

    @property
    def errors(self) -> bool:
        return any(form.errors for form in self.forms)

    def __iter__(self) -> Iterator[Field]:
        return (field for form in self.forms for field in form)

    def show(self, name: str, message: str) -> None:
        """An error on the question it is about, or on the page when no question asked it."""
        field = next((f for f in self if f.name == name), None)
        if field is not None:
            field.errors = [message]
        else:
            self.form_errors.append(message)


@blueprint.route("/teachers/<trn>/manual-handling/<action>", methods=["GET", "POST"])
@require_role(*REQUESTERS)
def request_manual_handling(trn: str, action: str) -> Any:
    """The action's journey pages as one page (each step's own form), then why; the stored
    answers are the journey's own, so approving hands them to its `save` unchanged."""
    if not TRN_PATTERN.match(trn) or action not in ACTIONS or ACTIONS[action].console != "cpd":
        abort(404)
    if not role_may(g.current_user.role, action):
        abort(403)
    case = open_case(db_session(), trs_gateway(), trn, fresh=request.method == "POST")
    today = clock().today()
    decision = case.ask(action, today)
    if decision.outcome != "manual":
        abort(404)
    journey = _journey_for(action)
    form = RequestReasonForm()
    # A POST without the list of pages it asked (a crafted one) is read as asking them all.
    posted = form.steps.data.split() if form.steps.data else [s.slug for s in journey.steps]
    asked = journey.ask_at_once(case, posted if form.is_submitted() else ())
    page = RequestPage((*(step_form for _, step_form in asked.forms), form))
    if form.validate_on_submit() and asked.answered:
        sent = _raise(case, journey, asked.answers, page)
        if sent is not None:
            return sent
    form.steps.data = " ".join(asked.slugs)
    _issue(form, _raise_purpose(trn, action))
    return render_template(
        "manual/request.html",
        form=page,
        questions=[q for step_form in page.forms for q in step_form.questions()],
        lead=f"{decision.reason} (Rule {decision.rule_id}.) {WHAT_HAPPENS}",
        caption=f"TRN {trn}: {ACTIONS[action].title.lower()}",
        action_url=url_for(".request_manual_handling", trn=trn, action=action),
        back_url=url_for("teachers.teacher", trn=trn),
        page_title="Request manual handling",
    )


def _raise(case: Case, journey: Journey, answers: Answers, page: RequestPage) -> Any:
    """Raise the request; None when the page must be shown again with the problem on it."""
    form = page.own
    change = journey.change(case, answers) or {}
    try:
        raised = manual_requests.raise_request(
            db_session(),
            case,
            Actor.of(g.current_user),
            journey.action,
            change,
            answers,
            form.reason.data,
            form.evidence.data,
            clock().today(),
            clock().now(),
            _once(form, _raise_purpose(case.trn, journey.action)),
        )
    except AlreadyDone as done:
        return render_error(409, (f"This request was raised already: {done}.",))
    except UnknownToken:
        form.form_errors.append("This page had expired: check your answers and send again.")
    except MalformedChange as error:
        page.show(*malformed_error(error))
    except ActionRefused as refused:
        problem = field_error(refused.decision, change)
        if problem is not None:
            page.show(*problem)
        else:
            form.form_errors.append(refused.decision.reason)
    else:
        return redirect(url_for(".request_sent", request_id=raised.id))
    return None


def _raise_purpose(trn: str, action: str) -> str:
    """What a request page's write token is for: raising this action's request for this teacher."""
    return f"manual-raise:{trn}:{action}"


def _issue(form: Any, purpose: str) -> None:
    """Give the form a one-time write token, unless it carries one already (a POST shown again)."""
    if not form.write_token.data:
        form.write_token.data = issue(db_session(), g.current_user.id, purpose, clock().now())


def _once(form: Any, purpose: str) -> Once:
    return Once(form.write_token.data or "", g.current_user.id, purpose)


def _decided(error: manual_requests.AlreadyDecided) -> tuple[str, int]:
    """The 409 for a decision on a request someone decided first."""
    when = f" on {format_time(error.at)}" if error.at else ""
    return render_error(409, (f"This request was decided by {error.by}{when}.",))


@blueprint.get("/manual-requests/<int:request_id>/sent")
@require_role(*REQUESTERS)
def request_sent(request_id: int) -> Any:
    """The confirmation after raising a request: what was sent and what happens next."""
    manual = db_session().get(ManualRequest, request_id) or abort(404)
    if manual.requested_by_user_id != g.current_user.id:
        abort(404)
    return render_template(
        "manual/sent.html",
        manual=manual,
        title=manual_requests.action_title(manual),
        page_title="Manual-handling request sent",
    )


@blueprint.route("/manual-requests")
@require_role(*REQUESTERS)
def queue() -> Any:
    """Every requester's own requests; for senior caseworkers, the queue they decide from too.

    With no filters the queue shows open requests, and the State filter says so ("any" is
    asked for by name), so the page never says one thing and shows another.
    """
    session, user = db_session(), g.current_user
    deciding = user.role in DECIDERS
    state = request.args.get("state", "open")
    kind = request.args.get("kind", "any")
    sort = request.args.get("sort", "oldest")
    state = state if state in REQUEST_STATES else "any"
    kind = kind if kind in REQUEST_KINDS else "any"
    queued = (
        manual_requests.queue(
            session, state if state != "any" else "", kind if kind != "any" else "", sort
        )
        if deciding
        else []
    )
    own = _raised_by(session, user.id)
    return render_template(
        "manual/queue.html",
        deciding=deciding,
        requests=queued,
        own=own,
        names=names_by_trn(session, (r.trn for r in [*queued, *own])),
        deciders=_emails(session, (r.decided_by_user_id for r in own)),
        filters={"state": state, "kind": kind, "sort": sort},
        states=REQUEST_STATES,
        kinds=REQUEST_KINDS,
        now=clock().now(),
        title_of=manual_requests.action_title,
        page_title="Manual-handling requests" if deciding else "Your manual-handling requests",
    )


def _waiting_to_decide(user: SignedIn) -> int:
    """Open requests this person may decide: a senior caseworker's, raised by someone else."""
    if user.role not in DECIDERS:
        return 0
    return db_session().scalar(
        select(func.count())
        .select_from(ManualRequest)
        .where(
            ManualRequest.state == "open",
            or_(
                ManualRequest.requested_by_user_id.is_(None),
                ManualRequest.requested_by_user_id != user.id,
            ),
        )
    )


NAVIGATION_COUNTS["manual.queue"] = (_waiting_to_decide, "to decide")


def _raised_by(session: Session, user_id: int) -> list[ManualRequest]:
    """The requests this person raised, newest first."""
    return list(
        session.scalars(
            select(ManualRequest)
            .where(ManualRequest.requested_by_user_id == user_id)
            .order_by(ManualRequest.requested_at.desc(), ManualRequest.id.desc())
        )
    )


def _emails(session: Session, user_ids: Iterable[int | None]) -> dict[int, str]:
    ids = {i for i in user_ids if i is not None}
    if not ids:
        return {}
    return {
        user_id: email
        for user_id, email in session.execute(select(User.id, User.email).where(User.id.in_(ids)))
    }


@blueprint.route("/manual-requests/<int:request_id>", methods=["GET", "POST"])
@require_role(*REQUESTERS)
def request_page(request_id: int) -> Any:
    session = db_session()
    manual = session.get(ManualRequest, request_id) or abort(404)
    user = g.current_user
    may_decide = manual.state == "open" and may_decide_manual_request(
        user.role, manual.requested_by_user_id, user.id
    )
    form = DecideRequestForm()
    if request.method == "POST":
        if manual.state != "open":
            return _decided(manual_requests.decided_already(session, manual.id))
        if not may_decide:
            return render_error(403, (_why_not(manual),))
        if form.validate_on_submit():
            try:
                problem = _decide(manual, form)
            except manual_requests.AlreadyDecided as decided:
                return _decided(decided)
            except AlreadyDone:
                return _decided(manual_requests.decided_already(session, manual.id))
            if problem is None:
                return redirect(url_for(".request_page", request_id=request_id))
            form.form_errors.append(problem)
    if may_decide:
        _issue(form, f"manual-decide:{request_id}")
    return _render_request(manual, form, may_decide)


def _why_not(manual: ManualRequest) -> str:
    if manual.state != "open":
        return f"This request was {manual.state} already."
    if manual.requested_by_user_id == g.current_user.id:
        return "You raised this request, so another senior caseworker must decide it."
    return "Only a senior caseworker can decide a manual-handling request."


def _decide(manual: ManualRequest, form: DecideRequestForm) -> str | None:
    """Approve or reject; returns why it could not be done (None: done)."""
    session, actor, note = db_session(), Actor.of(g.current_user), form.note.data
    once = _once(form, f"manual-decide:{manual.id}")
    if form.decision.data == "reject":
        try:
            manual_requests.reject(session, manual, actor, note, clock().now(), once)
        except UnknownToken:
            return EXPIRED
        return None
    submission = Submission(
        session, trs_gateway(), clock(), manual.trn, actor, manual.teacher_version, once=once
    )
    try:
        if manual.kind != "out_of_window":
            manual_requests.approve_problem(submission, manual, note)
            return None
        journey = _journey_for(manual.action)
        manual_requests.approve(
            submission, manual, note, lambda s: journey.save(s, dict(manual.answers or {}))
        )
    except ConcurrentChange:
        return (
            "The record has changed since this request was raised, so it cannot be approved as it "
            "stands. Reject it, or ask the requester to raise a new request."
        )
    except ActionRefused as refused:
        return f"The rules do not allow this change: {refused.decision.reason}"
    except (MalformedChange, NotFound, IntegrityError):
        session.rollback()
        return (
            "This request cannot be carried out as it stands. Reject it, or ask for a new request."
        )
    except TrsUnreadable as unreadable:
        return f"TRS could not be read ({unreadable}). Nothing has changed."
    except manual_requests.NothingToPush:
        return "CPD holds no induction periods for this teacher now, so it has no status to send."
    except UnknownToken:
        return EXPIRED
    trs_gateway().forget(manual.trn)
    return None


def _render_request(manual: ManualRequest, form: DecideRequestForm, may_decide: bool) -> Any:
    session = db_session()
    journey = _journey_for(manual.action) if manual.kind == "out_of_window" else None
    teacher_version = _teacher_version(manual)
    stale = manual_requests.is_stale(manual, teacher_version)
    return render_template(
        "manual/request_page.html",
        manual=manual,
        journey=journey,
        rows=_rows(journey, manual),
        title=manual_requests.action_title(manual),
        requester=session.get(User, manual.requested_by_user_id)
        if manual.requested_by_user_id
        else None,  # the console raises drift and delivery requests itself
        decider=session.get(User, manual.decided_by_user_id) if manual.decided_by_user_id else None,
        stale=stale,
        changes=manual_requests.changes_since(session, manual) if stale else [],
        form=form,
        may_decide=may_decide,
        action_url=url_for(".request_page", request_id=manual.id),
        page_title=f"Manual-handling request {manual.id}",
    )


def _teacher_version(manual: ManualRequest) -> int:
    teacher = db_session().get(Teacher, manual.teacher_id)
    return teacher.version


def _rows(journey: Journey | None, manual: ManualRequest) -> list[tuple[str, str]]:
    """The change in words: once approved, the change made (its event's summary); before, as
    the journey's check page words it; when the record has moved on so far that the journey
    cannot word it, each answer under its question."""
    session = db_session()
    if manual.state == "approved":
        made = session.scalar(
            select(Event).where(
                Event.teacher_id == manual.teacher_id,
                Event.action == manual.action,
                Event.occurred_at == manual.decided_at,
            )
        )
        if made is not None:
            return [("Change made", made.summary)]
    answers = dict(manual.answers or {})
    if journey is None:
        return [(key.replace("_", " ").capitalize(), str(value)) for key, value in answers.items()]
    try:
        case = open_case(session, trs_gateway(), manual.trn)
        return [(row.key, row.value) for row in journey.rows(case, answers)]
    except (TrsUnreadable, NotFound):
        labels = {n: t for s in journey.steps for n, t in s.form.question_labels().items()}
        return [(labels.get(key, key), str(value)) for key, value in answers.items() if value]
