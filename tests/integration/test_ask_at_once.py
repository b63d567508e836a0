"""`Journey.ask_at_once`: a journey's pages as one page, each form built by its own step in order,
so a step whose setup needs an earlier answer is built only once that answer is known."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from app.web.forms.journeys import GovRadioField, JourneyForm, TextField
from app.web.journeys.flow import Answers, Journey, Step


class ChooseForm(JourneyForm):
    choice = GovRadioField("Which one?", message="Select one", choices={"a": "A", "b": "B"})


class DetailsForm(JourneyForm):
    detail = TextField("Detail")


def _needs_choice(form: JourneyForm, case: object, answers: Answers) -> None:
    form.detail.label.text = f"Detail of {answers['choice']}"  # a KeyError without the choice


JOURNEY = Journey(
    slug="test-journey",
    action="edit_induction_period",
    title="A test journey",
    steps=(
        Step("choose", "Which one?", ChooseForm, resets=True),
        Step("details", "Details", DetailsForm, setup=_needs_choice),
    ),
    change=lambda case, answers: None,
    rows=lambda case, answers: [],
    save=lambda submission, answers: None,
    done="Done",
)
CASE = SimpleNamespace(teacher=None)


@pytest.fixture
def app_without_csrf(app):
    app.config["WTF_CSRF_ENABLED"] = False
    return app


def test_a_page_after_an_unanswered_resetting_one_waits_for_it(app_without_csrf):
    with app_without_csrf.test_request_context():
        asked = JOURNEY.ask_at_once(CASE)
    assert (asked.slugs, asked.answered, asked.answers) == (["choose"], False, {})


def test_a_posted_answer_builds_the_next_page_from_it_without_reading_that_page(app_without_csrf):
    with app_without_csrf.test_request_context(method="POST", data={"choice": "b"}):
        asked = JOURNEY.ask_at_once(CASE, posted=["choose"])
        details = asked.forms[1][1]
        assert details.detail.label.text == "Detail of b"
        assert not details.errors
    assert (asked.slugs, asked.answered, asked.answers) == (
        ["choose", "details"],
        False,
        {"choice": "b"},
    )


def test_every_page_posted_and_valid_gives_the_journeys_answers(app_without_csrf):
    data = {"choice": "a", "detail": "Some detail"}
    with app_without_csrf.test_request_context(method="POST", data=data):
        asked = JOURNEY.ask_at_once(CASE, posted=["choose", "details"])
    assert (asked.answered, asked.answers) == (True, {"choice": "a", "detail": "Some detail"})


def test_an_invalid_posted_page_is_not_answered(app_without_csrf):
    with app_without_csrf.test_request_context(method="POST", data={"detail": "x"}):
        asked = JOURNEY.ask_at_once(CASE, posted=["choose", "details"])
        assert asked.forms[0][1].choice.errors == ["Select one"]
    assert (asked.slugs, asked.answered) == (["choose"], False)
