"""Hypothesis over every journey's form posts: no input gives a 500 or a write that breaks a rule.

Each example starts the journey afresh (resetting the teacher's CPD rows first), posts generated
answers to each page in turn (plausible values mixed with anything at all), confirms when it gets
that far, and then checks what CPD holds still satisfies every invariant of an induction record.
One app and one signed-in client serve all the examples of a test (they are function-scoped
fixtures, hence the suppressed health check); the sandbox answers over real HTTP throughout.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select

from app.clock import LONDON
from app.models import Event, Extension, InductionPeriod, OutboxEntry, Teacher
from tests.support.journeys import (
    add_extension,
    add_period,
    answer,
    error_messages,
    parts,
    start,
)

TRN = "2700001"
FUZZ = settings(
    max_examples=35,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
ANSWERED = {200, 302}  # a page again (with errors) or the next page
REFUSED = {403, 404, 409}  # the rules, an unknown thing, a concurrent change: never 500

# -- what a person (or a script) might type -------------------------------------------------------

ODD_TEXT = st.text(max_size=40) | st.sampled_from(["", " ", "\x00", "²", "٣", "<b>", "x" * 2000])
BAD_DATE_PARTS = st.one_of(
    st.lists(
        st.sampled_from(["", "0", "1", "29", "31", "2", "13", "2025", "25", "99999", "-1", "²"]),
        max_size=4,
    ),
    st.lists(ODD_TEXT, max_size=4),
    st.dates().map(parts),
)
BAD_TERMS = (
    st.sampled_from(["0.05", "16.1", "1.25", "NaN", "Infinity", "1e1", "-0", "-1", "٣"]) | ODD_TEXT
)
RECORDED = datetime(2026, 10, 20, 9, 0, tzinfo=LONDON)  # inside the correction window


def mostly(good: st.SearchStrategy, bad: st.SearchStrategy) -> st.SearchStrategy:
    """Mostly plausible, so journeys get past their pages as well as fail on them. (Hypothesis
    favours the ends of a range, so the odd value hides in the middle of one.)"""
    return st.integers(0, 5).flatmap(lambda n: bad if n == 3 else good)


def dates_between(low: str, high: str) -> st.SearchStrategy[list[str]]:
    return st.dates(date.fromisoformat(low), date.fromisoformat(high)).map(parts)


TERMS = mostly(st.decimals(min_value=0, max_value=16, places=1).map(str), BAD_TERMS)
EXTENSION_TERMS = mostly(st.decimals(min_value="0.1", max_value=16, places=1).map(str), BAD_TERMS)
PROGRAMMES = mostly(st.sampled_from(["provider_led", "school_led"]), ODD_TEXT)
NOTES = st.one_of(st.sampled_from(["", "Added in error"]), st.text(max_size=1200))


def _choice(valid: list[str]) -> st.SearchStrategy[str]:
    """Mostly one of the valid ids now, else anything (a stale id, another teacher's, text)."""
    return mostly(st.sampled_from(valid or [""]), ODD_TEXT | st.integers().map(str))


# -- the invariants CPD's rows must keep, whatever was posted -----------------------------------


def _assert_record_is_sound(db) -> None:
    db.expire_all()
    for teacher in db.scalars(select(Teacher)):
        periods = sorted(teacher.induction_periods, key=lambda p: p.started_on)
        assert sum(p.finished_on is None for p in periods) <= 1
        assert sum(p.outcome is not None for p in periods) <= 1
        for earlier, later in zip(periods, periods[1:], strict=False):
            assert earlier.finished_on is not None and earlier.finished_on <= later.started_on
        for p in periods:
            assert p.finished_on is None or p.finished_on >= p.started_on
            assert p.number_of_terms is None or Decimal(0) <= p.number_of_terms <= 16
            assert p.finished_on is None or p.number_of_terms is not None
        outcome = next((p for p in periods if p.outcome is not None), None)
        if outcome is not None:  # an outcome ends the induction: nothing ongoing, nothing after
            assert outcome.finished_on is not None and periods[-1] is outcome
        for e in teacher.extensions:
            assert Decimal("0.1") <= e.number_of_terms <= 16
    for change in db.scalars(select(Event).where(Event.action != "correct_legacy_status")):
        assert db.scalar(select(OutboxEntry).where(OutboxEntry.event_id == change.id)) is not None


def _reset(db, teacher_id: int) -> None:
    db.execute(delete(OutboxEntry))
    db.execute(delete(Event))
    db.execute(delete(Extension).where(Extension.teacher_id == teacher_id))
    db.execute(delete(InductionPeriod).where(InductionPeriod.teacher_id == teacher_id))
    db.commit()


class Poster:
    """Posts straight to the test client with the session's CSRF token (no extra GETs)."""

    def __init__(self, client_request) -> None:
        self.client = client_request.client
        self.token = client_request.csrf_token(f"/teachers/{TRN}")

    def run(self, journey: str, pages: list[dict[str, Any]]) -> None:
        """Start, answer the pages in turn, confirm if every page was accepted."""
        response = self.client.get(f"/teachers/{TRN}/{journey}")
        assert response.status_code in {302, *REFUSED}, response.status_code
        if response.status_code != 302:
            event(f"{journey}: refused at the start with {response.status_code}")
            return
        url = response.headers["Location"]
        for data in pages:
            if url.endswith("/check"):
                break
            response = self.client.post(url, data={"csrf_token": self.token, **data})
            assert response.status_code in ANSWERED | REFUSED, (url, data, response.status_code)
            if response.status_code != 302:
                event(f"{journey}: stopped on a page with {response.status_code}")
                return
            url = response.headers["Location"]
        if url.endswith("/check"):
            self.client.get(url)  # the check page issues the confirmation's write token
            response = self.client.post(url, data={"csrf_token": self.token})
            assert response.status_code in {200, 302, *REFUSED}, response.status_code
            event(f"{journey}: confirmed with {response.status_code}")


@pytest.fixture
def fuzz(signed_in_as, add_teacher, appropriate_body, db):
    teacher = add_teacher(
        TRN, qts_date="2020-07-01", induction={"status": "InProgress", "startDate": "2024-09-02"}
    )
    return Poster(signed_in_as("caseworker")), teacher, appropriate_body


def _ids(db, model) -> list[str]:
    db.expire_all()
    return [str(i) for i in db.scalars(select(model.id))]


PERIOD_START = mostly(dates_between("2019-01-01", "2026-11-05"), BAD_DATE_PARTS)
ONGOING = st.fixed_dictionaries(
    {"started_on": PERIOD_START, "number_of_terms": mostly(st.just(""), BAD_TERMS)}
)
FINISHED = st.fixed_dictionaries(
    {
        "started_on": PERIOD_START,
        "finished_on": mostly(dates_between("2019-01-01", "2026-11-05"), BAD_DATE_PARTS),
        "number_of_terms": TERMS,
    }
)
PERIOD_DATES = ONGOING | FINISHED
PERIOD_JOURNEYS = ["add-induction-period", "change-induction-period", "delete-induction-period"]


@FUZZ
@given(data=st.data())
def test_period_journeys(fuzz, db, data):
    poster, teacher, body = fuzz
    _reset(db, teacher.id)
    if data.draw(st.booleans()):
        add_period(db, teacher, body.id, "2024-09-02", "2025-07-18", "3")
    if data.draw(st.booleans()):
        add_period(db, teacher, body.id, "2025-09-01")
    periods = _choice(_ids(db, InductionPeriod))
    bodies = _choice([str(body.id)])
    journey = data.draw(st.sampled_from(PERIOD_JOURNEYS))
    if journey == "add-induction-period":
        pages = [
            {"appropriate_body_id": data.draw(bodies)},
            data.draw(PERIOD_DATES),
            {"training_programme": data.draw(PROGRAMMES)},
        ]
    elif journey == "change-induction-period":
        details = {
            **data.draw(PERIOD_DATES),
            "appropriate_body_id": data.draw(bodies),
            "training_programme": data.draw(PROGRAMMES),
        }
        pages = [{"period_id": data.draw(periods)}, details]
    else:
        ticket = data.draw(mostly(st.just("123456"), ODD_TEXT))
        pages = [
            {"period_id": data.draw(periods), "note": data.draw(NOTES), "support_ticket": ticket}
        ]
    poster.run(journey, pages)
    _assert_record_is_sound(db)


@FUZZ
@given(data=st.data())
def test_outcome_journeys(fuzz, db, data):
    poster, teacher, body = fuzz
    _reset(db, teacher.id)
    if data.draw(st.booleans()):
        add_period(db, teacher, body.id, "2024-09-02")
    else:
        outcome = data.draw(st.sampled_from(["pass", "fail"]))
        add_period(db, teacher, body.id, "2024-09-02", "2026-07-17", "6", outcome, RECORDED)
    journey = data.draw(st.sampled_from(["record-pass", "record-fail", "reopen-outcome"]))
    if journey == "reopen-outcome":
        pages = [{"note": data.draw(NOTES)}]
    else:
        finished = mostly(dates_between("2024-06-01", "2026-11-05"), BAD_DATE_PARTS)
        pages = [{"finished_on": data.draw(finished), "number_of_terms": data.draw(TERMS)}]
    poster.run(journey, pages)
    _assert_record_is_sound(db)


@FUZZ
@given(data=st.data())
def test_extension_journeys(fuzz, db, clock, data):
    poster, teacher, body = fuzz
    _reset(db, teacher.id)
    add_period(db, teacher, body.id, "2024-09-02")
    for _ in range(data.draw(st.integers(0, 2))):
        add_extension(db, teacher, "1", clock.now())
    extensions = _choice(_ids(db, Extension))
    journey = data.draw(st.sampled_from(["add-extension", "change-extension", "delete-extension"]))
    pages = {
        "add-extension": [{"number_of_terms": data.draw(EXTENSION_TERMS)}],
        "change-extension": [
            {"extension_id": data.draw(extensions)},
            {"number_of_terms": data.draw(EXTENSION_TERMS)},
        ],
        "delete-extension": [{"extension_id": data.draw(extensions)}],
    }[journey]
    poster.run(journey, pages)
    _assert_record_is_sound(db)


@FUZZ
@given(data=st.data())
def test_legacy_journey(fuzz, db, sandbox_admin, data):
    poster, teacher, body = fuzz
    _reset(db, teacher.id)
    sandbox_admin.set_induction(TRN, "InProgress", "2015-09-01")
    status = data.draw(
        mostly(st.sampled_from(["RequiredToComplete", "Passed", "Failed"]), ODD_TEXT)
    )
    legacy_dates = mostly(dates_between("2000-01-01", "2026-11-02"), BAD_DATE_PARTS)
    dates = {"start_date": data.draw(legacy_dates), "completed_date": data.draw(legacy_dates)}
    poster.run("correct-trs-status", [{"status": status}, dates, {"reason": "Fuzzed"}])
    trs = sandbox_admin.person(TRN)
    assert trs["status"] in {"InProgress", "RequiredToComplete", "Passed", "Failed"}
    if trs["status"] in {"Passed", "Failed"}:
        assert trs["completedDate"] <= "2019-11-02"  # only a completion at least 7 years ago
    changes = db.scalars(select(Event)).all()
    assert len(changes) == (0 if trs["status"] == "InProgress" else 1)


# -- numbers in other scripts, one by one -----------------------------------------------------------

OTHER_SCRIPTS = ["١", "٣.٥", "²", "３", "3_0", "1e1", " 3 3"]


@pytest.mark.parametrize("terms", OTHER_SCRIPTS)
def test_terms_in_other_scripts_are_refused_on_the_page(signed_in_as, fuzz, db, terms):
    poster, teacher, body = fuzz
    add_period(db, teacher, body.id, "2024-09-02")
    caseworker = signed_in_as("caseworker")
    page = caseworker.post_page(start(caseworker, TRN, "add-extension"), {"number_of_terms": terms})
    assert error_messages(page) == {
        "number_of_terms": "Number of terms must be a number, like 3 or 4.5"
    }
    assert db.scalars(select(Extension)).all() == []


@pytest.mark.parametrize("digit", ["١", "²", "３"])
def test_a_period_chosen_in_other_scripts_is_refused_on_the_page(signed_in_as, fuzz, db, digit):
    poster, teacher, body = fuzz
    add_period(db, teacher, body.id, "2023-09-04", "2024-07-19", "3")  # two: the page asks which
    period = add_period(db, teacher, body.id, "2024-09-02")
    caseworker = signed_in_as("caseworker")
    first = start(caseworker, TRN, "change-induction-period")
    chosen = str(period.id).translate(str.maketrans("0123456789", digit * 10))
    page = caseworker.post_page(first, {"period_id": chosen})
    assert list(error_messages(page)) == ["period_id"]
    assert answer(caseworker, first, {"period_id": str(period.id)}).endswith("/details")


# -- the search's query string ------------------------------------------------------------------------

TYPED = st.text(st.characters(exclude_categories=("Cs",)), max_size=30)
QUERIES = mostly(
    st.sampled_from(["Jo", "o'neil", "NEIL", "2700001", "2799999", "%", "a OR b"])
    | st.text(
        st.characters(codec="utf-8", exclude_categories=("Cc", "Cs")), min_size=2, max_size=30
    ),
    st.one_of(
        TYPED,
        st.sampled_from(["a\x00b", "ab\x00", "ok\x7f", "\x1f\x1f"]),
        st.binary(max_size=12).map(lambda raw: raw.decode("utf-8", "surrogateescape")),
    ),
)
PAGES = mostly(
    st.integers(1, 4).map(str),
    st.one_of(
        st.integers(-3, 10**10).map(str),
        st.sampled_from(["", "²", "١", "1.5", "1e3", "0x1", " 1", "+1", "1_0", "0" * 9 + "1"]),
        TYPED,
    ),
)


@pytest.fixture
def viewer(signed_in_as, add_teacher):
    add_teacher(TRN, first_name="Jo", last_name="O'Neil")
    return signed_in_as("viewer")


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(query=QUERIES, page=st.none() | PAGES)
def test_the_search_query_string_never_gives_a_500(viewer, query, page):
    """Any q and page: the results (200) or a message saying what is wrong (400), nothing else."""
    params = {"q": query} if page is None else {"q": query, "page": page}
    encoded = urlencode(params, encoding="utf-8", errors="surrogateescape")
    response = viewer.client.get(f"/teachers?{encoded}")
    event(f"search: {response.status_code}")
    assert response.status_code in {200, 400}, (params, response.status_code)
    plain = len(" ".join(query.split())) >= 2 and len(query) <= 100
    readable_page = page is None or (page.isascii() and page.isdigit() and len(page) <= 9)
    readable_page = readable_page and (page is None or int(page) > 0)
    if plain and readable_page and query.isprintable():
        assert response.status_code == 200, params
