"""The machinery every caseworker journey shares: steps, answers kept in the session, rule errors.

A journey is a few question pages (`Step`), a check-your-answers page and a confirmation panel. The
answers wait in the Flask session under the journey's own key (never in the database) with the
teacher's version as it was on the first page; the final POST hands them to a service, which asks
the rules again with the full change and refuses a save over someone else's newer change.

A rule refusal caused by an answer (a start date before QTS, an overlap) is shown as an error on
the field it is about, on the page that asked for it. A refusal that no answer caused (the action is
not available at all) is a 403 with the rule's reason.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any

from flask import current_app, session

from app.rules import Decision, MalformedChange, long_date
from app.services.casework import Case, Outcome, Submission
from app.services.teacher_page import TeacherAsRead
from app.web.forms.journeys import JourneyForm

Answers = dict[str, Any]
ChangeOf = Callable[[Case, Answers], Mapping[str, object] | None]
"""The change the rules are asked about, from the answers (None: only whether it is available)."""
MAX_JOURNEYS = 3  # unfinished journeys kept per browser session
COOKIE_BUDGET = 3600  # bytes: browsers drop a cookie over 4 KB, and the name and flags count too


def _always(answers: Answers) -> bool:
    return True


def _any_teacher(teacher: TeacherAsRead | None) -> bool:
    return True


@dataclass(frozen=True)
class Step:
    """One question page.

    `checks` gives the change to ask the rules about once this page is answered (None: only
    whether the action is available); `setup` fills in choices that come from the database;
    `initial` gives the values a page starts from before it is answered (an edit's old values).
    `heading`: the page asks one question, whose label is the page's h1. `given` gives answers
    the case settles without asking (the one period there is to choose): their questions are left
    off the page, and a page with nothing left to ask is answered without being shown.
    """

    slug: str
    title: str
    form: type[JourneyForm]
    heading: bool = False
    checks: ChangeOf | None = None
    applies: Callable[[Answers], bool] = _always
    setup: Callable[[JourneyForm, Case, Answers], None] | None = None
    initial: Callable[[Case, Answers], Answers] | None = None
    lead: Callable[[Case, Answers], str] | None = None
    resets: bool = False  # a different answer here clears the later pages' answers
    given: Callable[[Case], Answers] | None = None

    def owns(self, name: str) -> bool:
        return name in self.form.question_names()

    def given_answers(self, case: Case) -> Answers:
        return self.given(case) if self.given else {}

    def asks(self, case: Case) -> bool:
        """Whether anything is left to ask once the case has given what it settles."""
        return bool(set(self.form.question_names()) - set(self.given_answers(case)))

    def make_form(self, case: Case, answers: Answers, submitted: bool) -> JourneyForm:
        """The page's form: the POST's data, else the answers so far over the initial values."""
        if submitted:
            form = self.form()
        else:
            start = self.initial(case, answers) if self.initial else {}
            form = self.form(formdata=None, data={**start, **answers})
        if self.setup:
            self.setup(form, case, answers)
        for name in self.given_answers(case):
            del form[name]
        return form


@dataclass(frozen=True)
class Row:
    """A row of the check-your-answers page; `step` is where its Change link goes, and `answer`
    the answer it shows (no Change link when the case gave that answer, nobody chose it)."""

    key: str
    value: str
    step: str | None = None
    answer: str | None = None


@dataclass(frozen=True)
class Journey:
    """A caseworker action as pages: the rule action it asks about, its steps, how it saves."""

    slug: str
    action: str
    title: str
    steps: tuple[Step, ...]
    change: ChangeOf
    rows: Callable[[Case, Answers], list[Row]]
    save: Callable[[Submission, Answers], Outcome]
    done: str
    confirm: str = "Confirm"
    warning: str | None = None
    destructive: bool = False  # the confirm button is a warning button (deleting)
    needs: Callable[[TeacherAsRead | None], bool] = _any_teacher
    """Whether the teacher has what the journey works on (an extension to change, say)."""
    seen: Callable[[Case], Mapping[str, object]] | None = None
    """What of TRS the check page shows that the save must still find (a change sent straight
    to TRS, where no CPD row's version guards it)."""

    def step(self, slug: str) -> Step | None:
        return next((s for s in self.steps if s.slug == slug), None)

    def next_step(self, state: dict[str, Any]) -> Step | None:
        """The first page that applies and has not been answered (None: all answered)."""
        answers = state["answers"]
        return next(
            (s for s in self.steps if s.applies(answers) and s.slug not in state["answered"]),
            None,
        )

    def applicable(self, answers: Answers) -> Answers:
        """The answers of the pages that apply (a page skipped after a change drops out)."""
        names = {name for s in self.steps if s.applies(answers) for name in s.form.question_names()}
        return {k: v for k, v in answers.items() if k in names}

    def given(self, case: Case) -> Answers:
        """The answers the case settles without asking."""
        return {k: v for s in self.steps for k, v in s.given_answers(case).items()}

    def shown(self, case: Case, answers: Answers) -> list[Step]:
        """The pages a person sees for these answers, in order."""
        return [s for s in self.steps if s.applies(answers) and s.asks(case)]

    def owner(self, name: str, answers: Answers) -> Step | None:
        return next((s for s in self.steps if s.applies(answers) and s.owns(name)), None)

    def ask_at_once(self, case: Case, posted: Collection[str] = ()) -> AskedAtOnce:
        """Every page's questions for one page (a manual request), each form built by its own
        step with the answers known by then, in the journey's order.

        A step named in `posted` reads the request's data and is checked; the others start from
        the answers so far (an edit's old values). The case's given answers are not asked. A page
        after an unanswered one that `resets` waits for it, since what it asks depends on that
        answer (the period whose values an edit starts from)."""
        answers = self.given(case)
        forms: list[tuple[Step, JourneyForm]] = []
        answered = True
        for step in self.steps:
            if not (step.applies(answers) and step.asks(case)):
                continue
            form = step.make_form(case, answers, submitted=step.slug in posted)
            forms.append((step, form))
            if step.slug in posted and form.validate():
                answers = {**answers, **form.answers()}
                continue
            answered = False
            if step.resets:
                break
        return AskedAtOnce(tuple(forms), self.applicable(answers), answered)


@dataclass(frozen=True)
class AskedAtOnce:
    """A journey's questions on one page: its steps' forms in order, the answers they give in the
    journey's own terms (what `Journey.applicable` keeps, the given ones too), and whether every
    page that applies was posted and answered."""

    forms: tuple[tuple[Step, JourneyForm], ...]
    answers: Answers
    answered: bool

    @property
    def slugs(self) -> list[str]:
        return [step.slug for step, _ in self.forms]


# -- answers in the session ------------------------------------------------------------------------


def _key(journey: Journey, trn: str) -> str:
    return f"{journey.slug}:{trn}"


def load_state(journey: Journey, trn: str) -> dict[str, Any] | None:
    return session.get("journeys", {}).get(_key(journey, trn))


def save_state(journey: Journey, trn: str, state: dict[str, Any]) -> bool:
    """Keep this journey's state, dropping older unfinished journeys to keep the cookie small.

    Returns False (and keeps nothing new) when this journey's answers alone would not fit.
    """
    journeys = dict(session.get("journeys", {}))
    journeys.pop(_key(journey, trn), None)
    while len(journeys) >= MAX_JOURNEYS:
        journeys.pop(next(iter(journeys)))
    journeys[_key(journey, trn)] = state
    while _cookie_size({**session, "journeys": journeys}) > COOKIE_BUDGET:
        if len(journeys) == 1:
            return False
        journeys.pop(next(iter(journeys)))
    session["journeys"] = journeys
    return True


def _cookie_size(contents: dict[str, Any]) -> int:
    """How long the session cookie would be (signed, compressed, base64), in bytes."""
    serializer = current_app.session_interface.get_signing_serializer(current_app)
    return len(serializer.dumps(contents))


def forget_state(journey: Journey, trn: str) -> None:
    journeys = dict(session.get("journeys", {}))
    journeys.pop(_key(journey, trn), None)
    session["journeys"] = journeys


def begin_state(journey: Journey, case: Case) -> dict[str, Any]:
    """A fresh journey: the version read now, and the pages the case answers by itself."""
    settled = [s for s in journey.steps if not s.asks(case)]
    return {
        "version": case.version,
        "answers": {k: v for s in settled for k, v in s.given_answers(case).items()},
        "answered": [s.slug for s in settled],
    }


# -- rule refusals as field errors ----------------------------------------------------------------

# Rules whose refusal an answer caused, and the field it is shown on. A message of None shows the
# rule's own reason; otherwise RECT's wording, with the dates the rule used.
RULE_FIELDS: dict[str, tuple[str, str | None]] = {
    "CPD-PERIOD-START-BEFORE-QTS": ("started_on", "Start date must be the same as or after the QTS date ({qts_date})"),
    "CPD-PERIOD-START-BEFORE-SEPTEMBER-1999": ("started_on", "Start date must be the same as or after 1 September 1999, when statutory induction began"),
    "CPD-PERIOD-START-IN-FUTURE": ("started_on", "Start date must be today or in the past"),
    "CPD-FINISH-IN-FUTURE": ("finished_on", "End date must be today or in the past"),
    "CPD-PERIOD-INSERTED-WITHOUT-END": ("finished_on", None),
    "CPD-PERIOD-OVERLAP": ("started_on", "{Which} date must not overlap another induction period"),
    "CPD-EDIT-LATER-AFTER-OUTCOME": ("finished_on", None),
    "CPD-EDIT-OUTCOME-CORRECTION-WINDOW": ("period_id", None),
    "CPD-DELETE-OUTCOME-PERIOD": ("period_id", None),
    "CPD-LEGACY-RECENT-COMPLETION": ("completed_date", None),
}  # fmt: skip
# The rules name a period by its index; the pages by its id.
CHANGE_FIELDS = {"period_index": "period_id"}


def field_error(decision: Decision, change: Mapping[str, object]) -> tuple[str, str] | None:
    """The (form field, message) a refusal belongs to, or None when no answer caused it."""
    known = RULE_FIELDS.get(decision.rule_id)
    if known is None:
        return None
    name, message = known
    dates = dict(decision.dates_used)
    if decision.rule_id == "CPD-PERIOD-OVERLAP":
        name = _overlapping_field(dates, change)
    if decision.rule_id == "CPD-EDIT-LATER-AFTER-OUTCOME" and "started_on" in dates:
        name = "started_on"  # the rule names the start only when the period would begin after it
    if message is None:
        return name, decision.reason
    words = {key: long_date(value) for key, value in dates.items()}
    words["Which"] = "Start" if name == "started_on" else "End"
    return name, message.format(**words)


def _overlapping_field(dates: dict[str, Any], change: Mapping[str, object]) -> str:
    """The start date when it falls inside the other period; otherwise the end date reaches it."""
    start = change.get("started_on")
    clash_start, clash_end = dates["clash_started_on"], dates.get("clash_finished_on")
    if start is not None and clash_start <= start and (clash_end is None or start < clash_end):
        return "started_on"
    return "finished_on" if "finished_on" in change else "started_on"


def malformed_error(error: MalformedChange) -> tuple[str, str]:
    return CHANGE_FIELDS.get(error.field, error.field), error.message
