"""The caseworker journeys' pages: one set of views serves every journey.

URLs: `/teachers/<trn>/<journey>` starts a journey (keeping the teacher's version), then
`/<journey>/<step>` for each question, `/<journey>/check` to check and confirm, `/<journey>/done`
for the confirmation panel. Every view is for caseworkers and senior caseworkers only, checks the
role may ask for the action, and asks the rules whether the action is available before anything
else; the services ask them again, with the full change, on the final POST.
"""

from __future__ import annotations

from copy import deepcopy
from dataclasses import replace
from typing import Any, NoReturn

from flask import Blueprint, abort, g, make_response, redirect, render_template, request, url_for
from werkzeug.exceptions import HTTPException

from app.rules import ACTIONS, MalformedChange, role_may
from app.services.casework import (
    ActionRefused,
    Case,
    ConcurrentChange,
    NotFound,
    Submission,
    open_case,
)
from app.services.changes import Actor
from app.services.legacy import TrsMoved, TrsOutcomeUnknown, TrsWriteBusy
from app.services.once import AlreadyDone, Once, UnknownToken, issue, spent
from app.services.records import TrsUnreadable
from app.services.teachers import TRN_PATTERN, find_teacher
from app.trs.errors import TrsError
from app.web.auth import require_role
from app.web.context import clock, db_session, trs_gateway
from app.web.errors import render_error
from app.web.forms.journeys import ConfirmForm, JourneyForm
from app.web.journeys.flow import (
    Answers,
    ChangeOf,
    Journey,
    Step,
    begin_state,
    field_error,
    forget_state,
    load_state,
    malformed_error,
    save_state,
)
from app.web.journeys.registry import JOURNEYS

CASEWORKERS = ("caseworker", "senior_caseworker", "appeals_officer")  # role_may gates each action

blueprint = Blueprint("journeys", __name__)
JOURNEY_URL = f"/teachers/<trn>/<any({', '.join(repr(slug) for slug in JOURNEYS)}):journey>"


def _stop(page: tuple[str, int]) -> NoReturn:
    abort(make_response(*page))


def _journey(slug: str) -> Journey:
    """The journey, if this person's role may ask for its action at all (before anything else)."""
    journey = JOURNEYS[slug]
    if not role_may(g.current_user.role, journey.action):
        abort(403)
    return journey


def _open(trn: str, journey: Journey) -> Case:
    """The teacher, if this action may be taken on them now; otherwise stop with why."""
    if not TRN_PATTERN.match(trn):
        abort(404)
    case = open_case(db_session(), trs_gateway(), trn)  # TRS unreadable: the app's 503
    decision = case.ask(journey.action, clock().today())
    if not decision.allowed:
        _stop(render_error(403, (decision.reason,)))
    if not journey.needs(case.teacher):
        abort(404)
    return case


def _state(trn: str, journey: Journey) -> dict[str, Any]:
    state = load_state(journey, trn)
    if state is None or "done" in state:
        abort(redirect(url_for(".start", trn=trn, journey=journey.slug)))
    return state


@blueprint.route(JOURNEY_URL)
@require_role(*CASEWORKERS)
def start(trn: str, journey: str) -> Any:
    """Begin afresh: the version read now is the one the final save must still find."""
    chosen = _journey(journey)
    case = _open(trn, chosen)
    state = begin_state(chosen, case)
    save_state(chosen, trn, state)
    return redirect(_next_url(trn, chosen, state))


@blueprint.route(f"{JOURNEY_URL}/<step>", methods=["GET", "POST"])
@require_role(*CASEWORKERS)
def step(trn: str, journey: str, step: str) -> Any:
    chosen = _journey(journey)
    page = chosen.step(step) or abort(404)
    state = _state(trn, chosen)
    case = _open(trn, chosen)
    try:
        return _step(trn, chosen, page, state, case)
    except NotFound:  # the period or extension chosen was deleted by someone else meanwhile
        return _changed(trn, chosen)


def _step(trn: str, chosen: Journey, page: Step, state: dict[str, Any], case: Case) -> Any:
    if not page.applies(state["answers"]):
        return redirect(_next_url(trn, chosen, state))
    form = page.make_form(case, state["answers"], submitted=request.method == "POST")
    # A page the case answers by itself (the one period there is) is answered, not shown.
    if form.validate_on_submit() or not page.asks(case):
        new = {**page.given_answers(case), **form.answers()}
        answers = chosen.applicable({**state["answers"], **new})
        problem = _rule_problem(chosen, case, page.checks, answers)
        if problem is None and _remember(trn, chosen, page, state, new):
            return redirect(_next_url(trn, chosen, state))
        if problem is None:
            longest = max(form.question_fields(), key=lambda f: len(str(f.data or "")))
            problem = (longest.name, "This answer is too long to keep between pages: shorten it")
        return _show_problem(trn, chosen, case, answers, problem, (page, form))
    return _render_step(trn, chosen, page, case, form, state["answers"])


@blueprint.route(f"{JOURNEY_URL}/check", methods=["GET", "POST"])
@require_role(*CASEWORKERS)
def check(trn: str, journey: str) -> Any:
    chosen = _journey(journey)
    posted = load_state(chosen, trn) if request.method == "POST" else None
    # A confirmation sent again after this browser saw it done (back, then confirm). A copy sent
    # before then is found when its token will not spend, without a query on every confirm.
    if posted and "done" in posted and (replayed := _replayed(trn, chosen, posted)):
        return replayed
    state = _state(trn, chosen)
    if chosen.next_step(state) is not None:
        return redirect(_next_url(trn, chosen, state))
    try:
        case = _open(trn, chosen)
    except HTTPException:
        # The change a racing copy of this POST just made may be why the action is gone.
        if posted and (replayed := _replayed(trn, chosen, posted)):
            return replayed
        raise
    answers = chosen.applicable(state["answers"])
    form = ConfirmForm()
    if form.validate_on_submit():
        return _confirm(trn, chosen, state, case, answers, form)
    problem = _rule_problem(chosen, case, chosen.change, answers)
    if problem is not None:
        return _show_problem(trn, chosen, case, answers, problem)
    _issue_token(trn, chosen, state, case)
    return _render_check(trn, chosen, case, answers, form)


def _purpose(trn: str, journey: Journey) -> str:
    return f"journey:{journey.slug}:{trn}"


def _issue_token(trn: str, journey: Journey, state: dict[str, Any], case: Case) -> None:
    """Give the journey its write token (once), and keep what TRS showed on this check page."""
    kept = dict(state)
    if not kept.get("token"):
        kept["token"] = issue(
            db_session(), g.current_user.id, _purpose(trn, journey), clock().now()
        )
    if journey.seen is not None:
        kept["seen"] = journey.seen(case)
    if kept != state and save_state(journey, trn, kept):
        state.update(kept)


@blueprint.route(f"{JOURNEY_URL}/done")
@require_role(*CASEWORKERS)
def done(trn: str, journey: str) -> Any:
    chosen = _journey(journey)
    state = load_state(chosen, trn)
    if not state or "done" not in state:
        return redirect(url_for("teachers.teacher", trn=trn))
    return render_template(
        "journeys/done.html",
        journey=chosen,
        trn=trn,
        summary=state["done"],
        sends_to_trs=state.get("sends_to_trs", True),
        write_target=ACTIONS[chosen.action].write_target,
        page_title=chosen.done,
    )


# -- asking the rules about the answers ----------------------------------------------------------


def _rule_problem(
    journey: Journey, case: Case, change_of: ChangeOf | None, answers: Answers
) -> tuple[str, str] | None:
    """The (field, message) the rules refuse these answers for; a 403 when no answer caused it."""
    if change_of is None:
        return None
    try:
        change = change_of(case, answers)
        if change is None:
            return None
        decision = case.ask(journey.action, clock().today(), change)
    except MalformedChange as error:
        return malformed_error(error)
    except NotFound:
        _stop(_changed(case.trn, journey))
    if decision.allowed:
        return None
    problem = field_error(decision, change)
    if problem is None:
        _stop(render_error(403, (decision.reason,)))
    return problem


def _show_problem(
    trn: str,
    journey: Journey,
    case: Case,
    answers: Answers,
    problem: tuple[str, str],
    current: tuple[Step, JourneyForm] | None = None,
) -> Any:
    """Show the error on the page that asked for the field (this one, or an earlier one)."""
    name, message = problem
    page = journey.owner(name, answers)
    if page is None:
        _stop(render_error(400, (message,)))
    if name in page.given_answers(case):  # no answer chose it, so the action is not available
        _stop(render_error(403, (message,)))
    if current and current[0] is page:
        form = current[1]
    else:
        form = page.make_form(case, answers, submitted=False)
    form[name].errors = [message]
    return _render_step(trn, journey, page, case, form, answers)


def _remember(trn: str, journey: Journey, page: Step, state: dict[str, Any], new: Answers) -> bool:
    """Keep a page's answers (False: too long to keep between pages)."""
    kept = deepcopy(state)
    changed = any(kept["answers"].get(k) != v for k, v in new.items())
    kept["answers"].update(new)
    if page.resets and changed:
        later = journey.steps[journey.steps.index(page) + 1 :]
        kept["answered"] = [s for s in kept["answered"] if s not in {p.slug for p in later}]
        for name in {n for p in later for n in p.form.question_names()}:
            kept["answers"].pop(name, None)
    if page.slug not in kept["answered"]:
        kept["answered"].append(page.slug)
    if not save_state(journey, trn, kept):
        return False
    state.update(kept)
    return True


def _next_url(trn: str, journey: Journey, state: dict[str, Any]) -> str:
    page = journey.next_step(state)
    if page is None:
        return url_for(".check", trn=trn, journey=journey.slug)
    return url_for(".step", trn=trn, journey=journey.slug, step=page.slug)


# -- the final POST --------------------------------------------------------------------------------


def _confirm(
    trn: str,
    journey: Journey,
    state: dict[str, Any],
    case: Case,
    answers: Answers,
    form: ConfirmForm,
) -> Any:
    """The final POST: the service asks the rules again with the full change, then writes."""
    if not state.get("token"):  # the check page was never shown: show it, with its token
        _issue_token(trn, journey, state, case)
        form.form_errors.append("Check your answers, then confirm.")
        return _render_check(trn, journey, case, answers, form)
    submission = Submission(
        session=db_session(),
        gateway=trs_gateway(),
        clock=clock(),
        trn=trn,
        actor=Actor.of(g.current_user),
        expected_version=state["version"],
        once=Once(state["token"], g.current_user.id, _purpose(trn, journey)),
        seen=state.get("seen"),
        opened=case,
    )
    try:
        outcome = journey.save(submission, answers)
    except AlreadyDone as done:
        return _already_done(trn, journey, done)
    except (ActionRefused, ConcurrentChange, NotFound) as refused:
        # Refused because a copy of this POST (a double click, a second tab) made the change?
        if replayed := _replayed(trn, journey, state):
            return replayed
        if isinstance(refused, ActionRefused):
            raise  # the app's 403 with the rule's reason
        return _changed(trn, journey)
    except UnknownToken:
        forget_state(journey, trn)
        return render_error(400, ("This page has expired.", "Start the change again."))
    except (TrsMoved, TrsWriteBusy) as moved:
        return _changed(trn, journey, str(moved))
    except TrsOutcomeUnknown as unknown:
        save_state(journey, trn, {"done": unknown.summary, "token": state["token"]})
        return _render_unknown(trn, journey, unknown)
    except MalformedChange as error:
        return render_error(400, (error.message,))
    except TrsUnreadable as unreadable:
        form.form_errors.append(f"TRS could not be read ({unreadable}). Nothing has changed.")
        return _render_check(trn, journey, case, answers, form)
    except TrsError as error:
        form.form_errors.append(_trs_refusal(error))
        return _render_check(trn, journey, case, answers, form)
    # What the panel page shows, and whether the change sends TRS a status (lodging an appeal
    # does not, so the page must not say it does); the token stays, so a replay finds it spent.
    save_state(
        journey,
        trn,
        {
            "done": outcome.event.summary,
            "sends_to_trs": outcome.sends_to_trs,
            "token": state["token"],
        },
    )
    return redirect(url_for(".done", trn=trn, journey=journey.slug))


def _trs_refusal(error: TrsError) -> str:
    """TRS's reason, and what it means here. The service raises TrsError only when TRS answered
    and reading it back showed nothing changed (a retry is the caseworker's call)."""
    if error.retryable:
        reason = error.message.split(". ")[0].rstrip(".")
        return f"{reason}. TRS was read back and nothing has changed: try again in a few minutes."
    return f"TRS did not accept the correction: {error.message} Nothing has changed."


def _replayed(trn: str, journey: Journey, state: dict[str, Any]) -> tuple[str, int] | None:
    """The "already done" page when this journey's confirmation was made (its token spent)."""
    done = spent(db_session(), state.get("token"))
    if done is None and "done" not in state:
        return None
    return _already_done(trn, journey, done)


def _already_done(trn: str, journey: Journey, done: AlreadyDone | None) -> tuple[str, int]:
    """The 409 page for a confirmation whose change was made already (a replay, a second tab)."""
    db_session().rollback()
    body = render_template(
        "journeys/already_done.html",
        journey=journey,
        trn=trn,
        done=done,
        page_title="This change has already been made",
    )
    return body, 409


def _render_unknown(trn: str, journey: Journey, unknown: TrsOutcomeUnknown) -> tuple[str, int]:
    """TRS never answered and reading it back could not show whether the change arrived."""
    body = render_template(
        "journeys/unknown.html",
        journey=journey,
        trn=trn,
        unknown=unknown,
        page_title="We do not know yet whether TRS made this change",
    )
    return body, 502


def _changed(trn: str, journey: Journey, why: str | None = None) -> tuple[str, int]:
    """The 409 page: the record as it is now, and a way to start again from it."""
    session = db_session()
    session.rollback()
    forget_state(journey, trn)
    body = render_template(
        "journeys/changed.html",
        journey=journey,
        trn=trn,
        teacher=find_teacher(session, trn),
        person=trs_gateway().read_person(trn).person,
        why=why,
        page_title=why or "This record changed while you were editing it",
    )
    return body, 409


# -- pages -----------------------------------------------------------------------------------------


def _caption(case: Case) -> str:
    person = case.reading.person
    return f"{person.full_name}, TRN {case.trn}" if person else f"TRN {case.trn}"


def _render_step(
    trn: str, journey: Journey, page: Step, case: Case, form: JourneyForm, answers: Answers
) -> str:
    shown = journey.shown(case, answers)
    index = shown.index(page)
    back = (
        url_for(".step", trn=trn, journey=journey.slug, step=shown[index - 1].slug)
        if index
        else url_for("teachers.teacher", trn=trn)
    )
    lead = page.lead(case, answers) if page.lead else None
    questions, heading = _questions(page, form, lead)
    return render_template(
        "journeys/question.html",
        journey=journey,
        form=form,
        questions=questions,
        heading=heading,
        lead=None if heading else lead,
        caption=_caption(case),
        action_url=url_for(".step", trn=trn, journey=journey.slug, step=page.slug),
        back_url=back,
        page_title=page.title,
    )


def _questions(
    page: Step, form: JourneyForm, lead: str | None
) -> tuple[list[tuple[Any, dict[str, Any]]], bool]:
    """A one-question page's label is its h1 (see `JourneyForm.questions`)."""
    heading = page.heading and len(form.question_fields()) == 1
    return form.questions(page.title if heading else None, lead if heading else None), heading


def _render_check(
    trn: str, journey: Journey, case: Case, answers: Answers, form: ConfirmForm
) -> str:
    last = journey.shown(case, answers)[-1]
    given = journey.given(case)
    try:
        rows = [
            replace(row, step=None) if row.answer in given else row
            for row in journey.rows(case, answers)
        ]
    except NotFound:
        _stop(_changed(trn, journey))
    return render_template(
        "journeys/check.html",
        journey=journey,
        rows=rows,
        form=form,
        caption=_caption(case),
        action_url=url_for(".check", trn=trn, journey=journey.slug),
        back_url=url_for(".step", trn=trn, journey=journey.slug, step=last.slug),
        trn=trn,
        page_title="Check your answers",
    )
