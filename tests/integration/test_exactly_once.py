"""Every write happens once, on fresh facts, and the user is told the truth.

The races post one confirmation from ten threads at once, each with its own test client: copies of
one session (a double click, a second tab, a replayed cookie) or separate sign-ins (two people on
one record). Each asserts exactly one change, and what the others were answered.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from app.clock import LONDON
from app.models import (
    Appeal,
    Event,
    Extension,
    InductionPeriod,
    ManualRequest,
    OutboxEntry,
    Teacher,
    WriteToken,
)
from app.web.journeys.registry import JOURNEYS
from tests.conftest import SECOND_SENIOR, TEST_PASSWORD
from tests.support.appeals import FAILED_IN_TRS, FAILED_ON, add_fail
from tests.support.journeys import add_extension, add_period, answer, parts, start, walk
from tests.support.pages import ClientRequest, check_page

TRN = "2900001"
LEGACY_TRN = "2900002"
THREADS = 10
WHY = {"reason": "The school sent the certificate", "support_ticket": "123456"}
FAILED_LONG_AGO = (
    {"status": "Failed"},
    {"start_date": parts("2005-09-01"), "completed_date": parts("2006-07-20")},
    WHY,
)
RECORDED = datetime(2026, 10, 20, 9, 0, tzinfo=LONDON)  # inside the correction window
EXEMPT = "5a80cee8-98a8-426b-8422-b0e81cb49b36"


def race(posts: list[Callable[[], Any]]) -> list[Any]:
    """Run the posts together: every thread waits at a barrier, then all post at once."""
    barrier = threading.Barrier(len(posts))

    def run(post: Callable[[], Any]) -> Any:
        barrier.wait()
        return post()

    with ThreadPoolExecutor(len(posts)) as pool:
        return list(pool.map(run, posts))


def copies(request: ClientRequest, n: int = THREADS) -> list[FlaskClient]:
    """`n` clients holding this client's session cookie (tabs, double clicks, replays)."""
    name = request.app.config["SESSION_COOKIE_NAME"]
    cookie = request.client.get_cookie(name)
    clients = []
    for _ in range(n):
        client = request.app.test_client()
        client.set_cookie(name, cookie.value)
        clients.append(client)
    return clients


def confirm_with(client: FlaskClient, check_url: str, tokens: dict[str, str]) -> Any:
    return lambda: client.post(check_url, data=tokens)


def count(db, model, *where) -> int:
    db.expire_all()
    return db.scalar(select(func.count()).select_from(model).where(*where))


def text_of(response) -> str:
    return " ".join(check_page(response).get_text().split())


# -- every journey's confirm --------------------------------------------------------------------


@dataclass(frozen=True)
class Scenario:
    role: str
    arrange: Callable[[Any, Teacher, int, Any], dict[str, str]]  # ids the pages name
    pages: Callable[[dict[str, str]], list[dict[str, Any]]]
    legacy: bool = False


def _ongoing(db, teacher, body_id, clock) -> dict[str, str]:
    return {"period_id": str(add_period(db, teacher, body_id, "2024-09-02").id)}


def _finished(db, teacher, body_id, clock) -> dict[str, str]:
    period = add_period(db, teacher, body_id, "2024-09-02", "2025-07-18", "3")
    return {"period_id": str(period.id), "appropriate_body_id": str(body_id)}


def _passed(db, teacher, body_id, clock) -> dict[str, str]:
    add_period(db, teacher, body_id, "2024-09-02", "2026-07-17", "6", "pass", RECORDED)
    return {}


def _with_extension(db, teacher, body_id, clock) -> dict[str, str]:
    add_period(db, teacher, body_id, "2024-09-02")
    return {"extension_id": str(add_extension(db, teacher, "1", clock.now()).id)}


def _failed(db, teacher, body, clock) -> dict[str, str]:
    add_fail(db, teacher, body)
    return {}


def _lodged(db, teacher, body, clock) -> dict[str, str]:
    period = add_fail(db, teacher, body)
    db.add(
        Appeal(
            teacher_id=teacher.id,
            induction_period_id=period.id,
            failed_on=FAILED_ON,
            lodged_on=FAILED_ON,
            created_at=clock.now(),
        )
    )
    db.commit()
    return {}


SCENARIOS = {
    "add-induction-period": Scenario(
        "caseworker",
        lambda db, t, b, c: {"appropriate_body_id": str(b)},
        lambda ids: [
            ids,
            {"started_on": parts("2024-09-02"), "number_of_terms": ""},
            {"training_programme": "provider_led"},
        ],
    ),
    "change-induction-period": Scenario(
        "caseworker",
        _finished,
        lambda ids: [  # the teacher's one period is chosen without asking
            {
                "appropriate_body_id": ids["appropriate_body_id"],
                "started_on": parts("2024-09-02"),
                "finished_on": parts("2025-07-18"),
                "number_of_terms": "4",
                "training_programme": "school_led",
            },
        ],
    ),
    "delete-induction-period": Scenario(
        "caseworker", _ongoing, lambda ids: [{**ids, "note": "Added in error"}]
    ),
    "record-pass": Scenario(
        "caseworker",
        _ongoing,
        lambda ids: [{"finished_on": parts("2026-07-17"), "number_of_terms": "6"}],
    ),
    "record-fail": Scenario(
        "caseworker",
        _ongoing,
        lambda ids: [{"finished_on": parts("2026-07-17"), "number_of_terms": "6"}],
    ),
    "reopen-outcome": Scenario("caseworker", _passed, lambda ids: [{"note": "Wrong teacher"}]),
    "add-extension": Scenario("caseworker", _ongoing, lambda ids: [{"number_of_terms": "1"}]),
    "change-extension": Scenario(
        "caseworker", _with_extension, lambda ids: [ids, {"number_of_terms": "2"}]
    ),
    "delete-extension": Scenario("caseworker", _with_extension, lambda ids: [ids]),
    "correct-trs-status": Scenario(
        "caseworker",
        lambda db, t, b, c: {},
        lambda ids: [{"status": "RequiredToComplete"}, WHY],
        legacy=True,
    ),
    "lodge-appeal": Scenario(
        "appeals_officer", _failed, lambda ids: [{"lodged_on": parts("2026-10-28")}]
    ),
    "record-appeal-decision": Scenario(
        "appeals_officer",
        _lodged,
        lambda ids: [{"decision": "dismissed", "decided_on": parts("2026-11-02")}],
    ),
}


def test_every_journey_has_a_race_scenario():
    assert set(SCENARIOS) == set(JOURNEYS)


@pytest.fixture
def arranged(add_teacher, sandbox_admin, db, appropriate_body, clock):
    def arrange(slug: str) -> tuple[str, dict[str, str]]:
        scenario = SCENARIOS[slug]
        if scenario.legacy:
            sandbox_admin.create_person(
                trn=LEGACY_TRN,
                firstName="Legacy",
                lastName="Teacher",
                dateOfBirth="1980-01-01",
                qtsDate="2005-07-01",
                induction={"status": "InProgress", "startDate": "2005-09-01"},
            )
            return LEGACY_TRN, {}
        appeal = slug in ("lodge-appeal", "record-appeal-decision")
        teacher = add_teacher(
            TRN,
            qts_date="2024-07-01" if appeal else "2020-07-01",
            induction=FAILED_IN_TRS
            if appeal
            else {"status": "InProgress", "startDate": "2024-09-02"},
        )
        body = appropriate_body if appeal else appropriate_body.id
        return TRN, scenario.arrange(db, teacher, body, clock)

    return arrange


def _changes(db, sandbox_admin, trn: str) -> tuple[int, int, int]:
    """Events, outbox rows and TRS PUTs for the teacher: a change leaves one of each kind it makes."""
    puts = len(sandbox_admin.cpd_requests(trn))
    return count(db, Event, Event.trn == trn), count(db, OutboxEntry, OutboxEntry.trn == trn), puts


@pytest.mark.parametrize("slug", sorted(SCENARIOS))
def test_ten_copies_of_one_confirmation_make_one_change(
    slug, arranged, signed_in_as, db, sandbox_admin
):
    trn, ids = arranged(slug)
    person = signed_in_as(SCENARIOS[slug].role)
    check = walk(person, trn, slug, *SCENARIOS[slug].pages(ids))
    tokens = person.form_tokens(check)
    before = _changes(db, sandbox_admin, trn)

    responses = race([confirm_with(c, check, tokens) for c in copies(person)])

    statuses = Counter(r.status_code for r in responses)
    assert statuses == {302: 1, 409: THREADS - 1}, statuses
    events, outbox, puts = _changes(db, sandbox_admin, trn)
    assert events == before[0] + 1
    assert (outbox - before[1], puts - before[2]) in {(1, 0), (0, 1), (0, 0)}
    loser = next(r for r in responses if r.status_code == 409)
    assert "This change has already been made" in text_of(loser)

    # The old cookie replayed later: the same answer, still no second change.
    replay = copies(person, 1)[0].post(check, data=tokens)
    assert replay.status_code == 409
    assert "It was not made a second time" in text_of(replay)
    assert _changes(db, sandbox_admin, trn)[0] == events


def test_a_second_tab_after_the_change_is_told_what_was_done(arranged, signed_in_as, db):
    trn, ids = arranged("add-extension")
    caseworker = signed_in_as("caseworker")
    check = walk(caseworker, trn, "add-extension", {"number_of_terms": "1"})
    tokens = caseworker.form_tokens(check)
    second_tab = copies(caseworker, 1)[0]
    assert caseworker.client.post(check, data=tokens).status_code == 302
    answer = second_tab.post(check, data=tokens)
    assert answer.status_code == 409
    words = text_of(answer)
    assert "by caseworker@example.gov.uk" in words
    assert "Extension of 1 term added" in words or "1 term" in words
    assert count(db, Extension) == 1


def test_a_confirmation_without_its_check_page_writes_nothing(arranged, signed_in_as, db):
    trn, ids = arranged("add-extension")
    caseworker = signed_in_as("caseworker")
    url = start(caseworker, trn, "add-extension")
    check = answer(caseworker, url, {"number_of_terms": "1"})
    token = caseworker.csrf_token(f"/teachers/{trn}")
    page = caseworker.client.post(check, data={"csrf_token": token})  # never saw the check page
    assert page.status_code == 200
    assert "Check your answers, then confirm." in text_of(page)
    assert count(db, Extension) == 0
    assert count(db, WriteToken) == 1  # issued with the check page just shown


# -- fresh facts at the final POST --------------------------------------------------------------


def test_the_final_post_reads_trs_afresh(app, arranged, signed_in_as, db, sandbox_admin):
    app.extensions["trs"].cache_seconds = 30  # as in production: pages read through the cache
    trn, ids = arranged("add-extension")
    caseworker = signed_in_as("caseworker")
    check = walk(caseworker, trn, "add-extension", {"number_of_terms": "1"})
    sandbox_admin.set_induction(trn, "Exempt", exemption_reason_ids=[EXEMPT])
    refused = caseworker.post(check, {}, _expected_status=403)
    assert "exempt" in text_of(refused).lower()
    assert count(db, Extension) == 0


def test_the_rules_page_says_the_confirmation_reads_trs_afresh(client_request):
    page = client_request.get("/rules")
    assert "reads TRS afresh and asks the rules again" in page.select_one("#fresh-facts").text


# -- a step page after someone else deleted what was chosen ------------------------------------


@pytest.mark.parametrize(
    ("slug", "choice", "model"),
    [
        ("change-extension", "extension_id", Extension),
        ("change-induction-period", "period_id", InductionPeriod),
    ],
)
def test_a_step_after_the_chosen_thing_was_deleted_is_a_409(
    slug, choice, model, arranged, signed_in_as, db, clock
):
    trn, ids = arranged(slug)
    teacher = db.scalar(select(Teacher).where(Teacher.trn == trn))
    if model is Extension:  # another one stays, so the journey itself is still available
        add_extension(db, teacher, "2", clock.now())
    else:
        add_period(db, teacher, int(ids["appropriate_body_id"]), "2025-09-01")
    caseworker = signed_in_as("caseworker")
    next_page = answer(caseworker, start(caseworker, trn, slug), {choice: ids[choice]})
    before = count(db, Event)
    db.delete(db.get(model, int(ids[choice])))  # another caseworker deleted it meanwhile
    db.commit()
    page = caseworker.get(next_page, _expected_status=409)
    assert "This record changed while you were editing it" in page.text
    assert count(db, Event) == before


# -- legacy corrections: once, on the reading the check page showed, and the truth on timeouts ----


@pytest.fixture
def legacy(arranged):
    return arranged("correct-trs-status")[0]


def test_ten_people_confirming_one_legacy_correction_send_one(
    legacy, signed_in_as, db, sandbox_admin
):
    people = [signed_in_as("caseworker") for _ in range(THREADS)]
    checks = [walk(p, legacy, "correct-trs-status", *FAILED_LONG_AGO) for p in people]
    posts = [
        confirm_with(p.client, check, p.form_tokens(check))
        for p, check in zip(people, checks, strict=True)
    ]
    responses = race(posts)
    statuses = Counter(r.status_code for r in responses)
    assert statuses == {302: 1, 409: THREADS - 1}, statuses
    assert len(sandbox_admin.cpd_requests(legacy)) == 1
    db.expire_all()
    applied = db.scalars(select(Event).where(Event.trn == legacy)).all()
    assert [e.after["trs_result"] for e in applied] == ["applied"]
    for loser in (r for r in responses if r.status_code == 409):
        words = text_of(loser)
        assert (
            "This record changed in TRS while you were editing it" in words
            or "Someone else is sending a correction for this record to TRS" in words
        ), words


def test_two_caseworkers_on_one_reading_the_second_is_refused(
    legacy, signed_in_as, db, sandbox_admin
):
    a, b = signed_in_as("caseworker"), signed_in_as("caseworker")
    a_check = walk(a, legacy, "correct-trs-status", *FAILED_LONG_AGO)
    a_tokens = a.form_tokens(a_check)  # A's check page, on the reading before B's change
    b_check = walk(b, legacy, "correct-trs-status", {"status": "RequiredToComplete"}, WHY)
    b.post(b_check, {})
    refused = a.client.post(a_check, data=a_tokens)
    assert refused.status_code == 409
    assert "This record changed in TRS while you were editing it" in text_of(refused)
    assert sandbox_admin.person(legacy)["status"] == "RequiredToComplete"
    assert len(sandbox_admin.cpd_requests(legacy)) == 1
    assert count(db, Event, Event.trn == legacy) == 1


def _wait_for_put(sandbox_admin, trn: str) -> list[dict[str, Any]]:
    """The sandbox applies a delayed PUT after its delay: wait (boundedly) until it has."""
    for _ in range(100):
        requests = sandbox_admin.cpd_requests(trn)
        if requests:
            return requests
        time.sleep(0.1)
    return []


@pytest.mark.parametrize("fault", [{"latency_ms": 6000}, {"drop": True}])
def test_no_answer_from_trs_is_reported_as_unknown_never_as_nothing_changed(
    fault, legacy, signed_in_as, db, sandbox_admin
):
    caseworker = signed_in_as("caseworker")
    check = walk(caseworker, legacy, "correct-trs-status", {"status": "RequiredToComplete"}, WHY)
    tokens = caseworker.form_tokens(check)
    sandbox_admin.faults(method="PUT", count=1, **fault)
    answer_page = caseworker.post(check, {}, _expected_status=502)
    words = text_of(answer_page)
    assert "Nothing has changed" not in words
    assert "We do not know yet whether TRS made this change" in words
    (event,) = db.scalars(select(Event).where(Event.trn == legacy)).all()
    assert event.after["trs_result"] == "unknown"
    request = db.scalar(select(ManualRequest).where(ManualRequest.trn == legacy))
    assert (request.kind, request.state) == ("delivery", "open")
    assert f"Manual-handling request {request.id}" in words
    if "latency_ms" in fault:  # the PUT did land, after the console stopped waiting
        (put,) = _wait_for_put(sandbox_admin, legacy)
        assert put["body"]["status"] == "RequiredToComplete"
    # The replayed confirmation sends nothing more.
    assert caseworker.client.post(check, data=tokens).status_code == 409
    assert len(sandbox_admin.cpd_requests(legacy)) <= 1


def test_an_answered_failure_is_read_back_before_saying_nothing_changed(
    legacy, signed_in_as, db, sandbox_admin
):
    caseworker = signed_in_as("caseworker")
    check = walk(caseworker, legacy, "correct-trs-status", {"status": "RequiredToComplete"}, WHY)
    sandbox_admin.faults(method="PUT", count=1, status=503)
    page = check_page(caseworker.post(check, {}, _expected_status=200))
    assert "TRS was read back and nothing has changed" in page.text
    (event,) = db.scalars(select(Event).where(Event.trn == legacy)).all()
    assert event.after["trs_result"] == "not_applied"
    assert sandbox_admin.person(legacy)["status"] == "InProgress"


# -- manual decisions: exactly one, and approve works for every kind offered ------------------


@pytest.fixture
def seniors(app, users, second_senior) -> list[ClientRequest]:
    """Ten signed-in senior caseworker sessions (two people)."""
    sessions = [second_senior]
    for n in range(1, THREADS):
        request = ClientRequest(app, app.test_client())
        request.sign_in(
            SECOND_SENIOR if n % 2 == 0 else users["senior_caseworker"],
            TEST_PASSWORD,
        )
        sessions.append(request)
    return sessions


def _drift_request(db, teacher: Teacher, clock) -> ManualRequest:
    request = ManualRequest(
        teacher_id=teacher.id,
        trn=teacher.trn,
        kind="drift",
        state="open",
        action="reconcile_with_trs",
        answers={
            "trs": {"status": "Passed", "start_date": "2024-09-02", "completed_date": None},
            "cpd": {"status": "InProgress", "start_date": "2024-09-02", "completed_date": None},
        },
        reason="TRS shows Passed; CPD derives In progress.",
        teacher_version=teacher.version,
        requested_at=clock.now(),
    )
    db.add(request)
    db.commit()
    return request


def test_approve_and_reject_at_once_decide_once(arranged, seniors, db, clock):
    trn, _ = arranged("add-extension")
    teacher = db.scalar(select(Teacher).where(Teacher.trn == trn))
    request = _drift_request(db, teacher, clock)
    url = f"/manual-requests/{request.id}"
    posts = [
        confirm_with(
            senior.client,
            url,
            {
                **senior.form_tokens(url),
                "decision": "approve" if n % 2 else "reject",
                "note": "Seen",
            },
        )
        for n, senior in enumerate(seniors)
    ]
    responses = race(posts)
    statuses = Counter(r.status_code for r in responses)
    assert statuses == {302: 1, 409: THREADS - 1}, statuses
    db.expire_all()
    decided = db.get(ManualRequest, request.id)
    pushed = count(db, OutboxEntry, OutboxEntry.trn == trn)
    assert (decided.state, pushed) in {("approved", 1), ("rejected", 0)}
    loser = next(r for r in responses if r.status_code == 409)
    assert "This request was decided by" in text_of(loser)


def test_approving_a_drift_request_pushes_cpds_status(arranged, seniors, db, clock):
    trn, _ = arranged("add-extension")
    teacher = db.scalar(select(Teacher).where(Teacher.trn == trn))
    request = _drift_request(db, teacher, clock)
    seniors[0].post(
        f"/manual-requests/{request.id}", {"decision": "approve", "note": "CPD is right"}
    )
    db.expire_all()
    assert db.get(ManualRequest, request.id).state == "approved"
    (entry,) = db.scalars(select(OutboxEntry).where(OutboxEntry.trn == trn)).all()
    assert (entry.status, entry.state) == ("InProgress", "pending")
    assert "CPD is right" in db.get(Event, entry.event_id).note


def test_approving_a_delivery_request_restarts_the_stopped_queue(
    arranged, seniors, db, clock, signed_in_as
):
    trn, _ = arranged("add-extension")
    caseworker = signed_in_as("caseworker")
    caseworker.post(walk(caseworker, trn, "add-extension", {"number_of_terms": "1"}), {})
    entry = db.scalar(select(OutboxEntry).where(OutboxEntry.trn == trn))
    entry.state, entry.last_error = "failed", "TRS said the teacher has no QTS"
    request = ManualRequest(
        teacher_id=entry.teacher_id,
        trn=trn,
        kind="delivery",
        state="open",
        action="deliver_to_trs",
        answers={"stopped_because": "TRS said the teacher has no QTS"},
        reason="TRS said the teacher has no QTS.",
        teacher_version=1,
        outbox_id=entry.id,
        requested_at=clock.now(),
    )
    db.add(request)
    db.commit()
    seniors[0].post(f"/manual-requests/{request.id}", {"decision": "approve", "note": "QTS added"})
    db.expire_all()
    assert db.get(ManualRequest, request.id).state == "approved"
    assert db.get(OutboxEntry, entry.id).state == "pending"


def test_a_replayed_decision_is_not_made_again(arranged, seniors, db, clock):
    trn, _ = arranged("add-extension")
    teacher = db.scalar(select(Teacher).where(Teacher.trn == trn))
    request = _drift_request(db, teacher, clock)
    url = f"/manual-requests/{request.id}"
    form = {**seniors[0].form_tokens(url), "decision": "approve", "note": "CPD is right"}
    assert seniors[0].client.post(url, data=form).status_code == 302
    replay = seniors[0].client.post(url, data=form)
    assert replay.status_code == 409
    assert count(db, OutboxEntry, OutboxEntry.trn == trn) == 1


def test_no_answer_but_trs_shows_the_correction_is_recorded_as_applied(
    legacy, signed_in_as, db, sandbox_admin
):
    """The PUT outlives the console's timeout; the slower read-back finds it applied."""
    caseworker = signed_in_as("caseworker")
    check = walk(caseworker, legacy, "correct-trs-status", {"status": "RequiredToComplete"}, WHY)
    tokens = caseworker.form_tokens(check)
    sandbox_admin.faults(method="PUT", count=1, latency_ms=6000)
    sandbox_admin.faults(method="GET", share=1.0, latency_ms=3000)  # reads land after the PUT
    try:
        done = caseworker.client.post(check, data=tokens)
    finally:
        sandbox_admin.clear_faults()
    assert done.status_code == 302
    (event,) = db.scalars(select(Event).where(Event.trn == legacy)).all()
    assert event.after["trs_result"] == "applied"
    assert count(db, ManualRequest) == 0
