"""Manual handling: raise a request for a change outside its time window, and the seniors' queue.

The request page asks the action's own journey questions (its step forms on one page) plus why,
so the stored answers are exactly what the journey would have submitted; approving hands them to
that journey's `save`, the same service call, past the one window rule the request names.
"""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import suppress
from functools import cache
from typing import Any

from flask import Blueprint, abort, g, redirect, render_template, request, url_for
from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

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
    RoleMayNot,
    Submission,
    open_case,
)
from app.services.changes import Actor
from app.services.once import AlreadyDone, Once, UnknownToken, issue
from app.services.records import TrsUnreadable
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
SETUP_NEEDS_ANSWERS = (KeyError, ValueError, TypeError, NotFound)
EXPIRED = "This page had expired: check the request and decide again."
WHAT_HAPPENS = (
    "Give the change you need and why. A senior caseworker other than you decides; if they "
    "approve, the change is made exactly as you ask, outside the time window only."
)


def _journey_for(action: str) -> Journey:
    """The journey that carries out `action` (its first, where several share the rule)."""
    return next((j for j in JOURNEYS.values() if j.action == action), None) or abort(404)


@cache
def _request_form_class(slug: str) -> type[JourneyForm]:
    """The journey's question forms and the request's own questions, as one form."""
    forms = dict.fromkeys(step.form for step in JOURNEYS[slug].steps)
    return type(f"ManualRequestForm[{slug}]", (RequestReasonForm, *forms), {})


def _answer_names(journey: Journey, answers: Answers) -> list[str]:
    return [n for s in journey.steps if s.applies(answers) for n in s.form.question_names()]


def _journey_answers(journey: Journey, form: JourneyForm, given: Answers) -> Answers:
    """The journey's answers: what the case settles (the one period) and what the form asked."""
    names = {n for s in journey.steps for n in s.form.question_names()}
    every = {**given, **{f.name: f.answer() for f in form if f.name in names}}
    return {n: every[n] for n in _answer_names(journey, every)}


def _request_form(journey: Journey, case: Case, preset: Answers) -> JourneyForm:
    """On a GET, the journey's own starting values for the chosen period (what it holds now),
    so the requester changes only what needs changing. `preset`: the answers the case settles
    (the teacher's one period), whose questions are not asked."""
    if request.method == "POST":
        form = _request_form_class(journey.slug)()
        answers = _journey_answers(journey, form, preset)
    else:
        answers = dict(preset)
        for step in journey.steps:
            if step.initial and preset:
                answers = {**step.initial(case, answers), **answers}
        form = _request_form_class(journey.slug)(formdata=None, data=answers)
    for step in journey.steps:
        if step.setup:
            # A setup reading an earlier answer that is missing: that answer's own check says so.
            with suppress(SETUP_NEEDS_ANSWERS):
                step.setup(form, case, answers)
    for name in preset:
        del form[name]
    return form


def _valid(journey: Journey, form: JourneyForm, given: Answers) -> bool:
    """Validate a POST only (a first GET shows no errors), and only the questions that apply to
    these answers (and the request's own)."""
    if not form.is_submitted():
        return False
    form.validate()
    answers = _journey_answers(journey, form, given)
    asked = {*_answer_names(journey, answers), "reason", "evidence", "csrf_token"}
    for field in form:
        if field.name not in asked:
            field.errors = []
    return form.is_submitted() and not any(field.errors for field in form)


@blueprint.route("/teachers/<trn>/manual-handling/<action>", methods=["GET", "POST"])
@require_role(*REQUESTERS)
def request_manual_handling(trn: str, action: str) -> Any:
    if not TRN_PATTERN.match(trn) or action not in ACTIONS or ACTIONS[action].console != "cpd":
        abort(404)
    if not role_may(g.current_user.role, action):
        abort(403)
    try:
        case = open_case(db_session(), trs_gateway(), trn, fresh=request.method == "POST")
    except TrsUnreadable as unreadable:
        return render_error(503, (f"TRS could not be read: {unreadable}",))
    today = clock().today()
    decision = case.ask(action, today)
    if decision.outcome != "manual":
        abort(404)
    journey = _journey_for(action)
    given = journey.given(case)
    form = _request_form(journey, case, given)
    if _valid(journey, form, given):
        answers = _journey_answers(journey, form, given)
        try:
            raised = manual_requests.raise_request(
                db_session(),
                case,
                Actor.of(g.current_user),
                action,
                journey.change(case, answers) or {},
                answers,
                form.reason.data,
                form.evidence.data,
                today,
                clock().now(),
                _once(form, f"manual-raise:{trn}:{action}"),
            )
            return redirect(url_for(".request_sent", request_id=raised.id))
        except AlreadyDone as done:
            return render_error(409, (f"This request was raised already: {done}.",))
        except UnknownToken:
            form.form_errors.append("This page had expired: check your answers and send again.")
        except MalformedChange as error:
            _show(form, *malformed_error(error))
        except NotFound:
            form.form_errors.append("The induction period chosen no longer exists.")
        except ActionRefused as refused:
            problem = field_error(refused.decision, journey.change(case, answers) or {})
            if problem:
                _show(form, *problem)
            else:
                form.form_errors.append(refused.decision.reason)
    _issue(form, f"manual-raise:{trn}:{action}")
    return render_template(
        "journeys/question.html",  # the journeys' question page, with the rules' reason as lead
        form=form,
        questions=_in_journey_order(journey, form),
        heading=False,
        lead=f"{decision.reason} (Rule {decision.rule_id}.) {WHAT_HAPPENS}",
        caption=f"TRN {trn}: {ACTIONS[action].title.lower()}",
        action_url=url_for(".request_manual_handling", trn=trn, action=action),
        back_url=url_for("teachers.teacher", trn=trn),
        page_title="Request manual handling",
    )


def _in_journey_order(journey: Journey, form: JourneyForm) -> list[tuple[Any, dict[str, Any]]]:
    """The journey's questions in its steps' order (the period first), then the request's own."""
    names = [n for s in journey.steps for n in s.form.question_names()]
    order = {name: i for i, name in enumerate(dict.fromkeys(names))}
    return sorted(form.questions(), key=lambda q: order.get(q[0].name, len(order)))


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


def _show(form: JourneyForm, name: str, message: str) -> None:
    if name in form:
        form[name].errors = [message]
    else:
        form.form_errors.append(message)


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


def _waiting_to_decide(user: User) -> int:
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
    except (RoleMayNot, MalformedChange, NotFound, IntegrityError):
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
