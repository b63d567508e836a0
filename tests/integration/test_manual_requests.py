"""Manual handling: raising a request for a change outside its window, the seniors' queue, and the
four-eyes decision (approve makes the change past that window only; reject keeps the reason)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import flag_modified

from app.clock import LONDON
from app.models import Appeal, Event, InductionPeriod, ManualRequest, Teacher, User
from tests.conftest import TEST_PASSWORD, TEST_PASSWORD_HASH
from tests.support.appeals import FAILED_IN_TRS, FAILED_ON, add_fail
from tests.support.journeys import counts, last_event, outbox_for, parts
from tests.support.pages import ClientRequest

TRN = "2400001"
LATE = date(2026, 11, 25)  # the day after the lodging window's last day, 24 November 2026
LODGE_URL = f"/teachers/{TRN}/manual-handling/lodge_appeal"
REOPEN_URL = f"/teachers/{TRN}/manual-handling/reopen_outcome"


@pytest.fixture
def teacher(add_teacher):
    return add_teacher(
        TRN,
        qts_date="2024-07-01",
        induction=FAILED_IN_TRS,
    )


@pytest.fixture
def failed(db, teacher, appropriate_body, clock):
    clock.set(LATE + timedelta(days=1))  # both the lodging and the correction windows closed
    return add_fail(db, teacher, appropriate_body)


@pytest.fixture
def second_senior(app, db, clock) -> ClientRequest:
    """Another senior caseworker: the one who may decide the first one's requests."""
    email = "second.senior@example.gov.uk"
    db.add(
        User(
            email=email,
            role="senior_caseworker",
            active=True,
            password_hash=TEST_PASSWORD_HASH,
            created_at=clock.now(),
        )
    )
    db.commit()
    client = ClientRequest(app, app.test_client())
    client.sign_in(email, TEST_PASSWORD)
    return client


def raise_late_appeal(officer: ClientRequest) -> str:
    response = officer.post(
        LODGE_URL,
        {
            "lodged_on": parts(LATE),
            "reason": "The notice was posted in time but reached us late",
            "evidence": "Envelope scanned to ticket 123456",
        },
    )
    return response.headers["Location"]


def decide(client: ClientRequest, url: str, decision: str, note: str, status: int = 302):
    return client.post(url, {"decision": decision, "note": note}, _expected_status=status)


def test_a_late_appeal_is_raised_and_another_person_approves_it(signed_in_as, failed, db, users):
    officer = signed_in_as("appeals_officer")
    page = officer.get(LODGE_URL)
    assert "the last day to lodge an appeal was 24 November 2026" in page.text
    url = raise_late_appeal(officer)
    request = db.scalar(select(ManualRequest))
    assert url == f"/manual-requests/{request.id}"
    assert (request.kind, request.state, request.action, request.rule_id) == (
        "out_of_window",
        "open",
        "lodge_appeal",
        "CPD-APPEAL-LODGING-WINDOW",
    )
    assert request.answers == {"lodged_on": "2026-11-25"}
    assert request.teacher_version == db.get(Teacher, failed.teacher_id).version
    assert db.scalar(select(Appeal)) is None

    senior = signed_in_as("senior_caseworker")
    queue = senior.get("/manual-requests")
    assert [a.get_text() for a in queue.select("#requests a")] == [f"Request {request.id}"]
    page = senior.get(url)
    assert "Notice of appeal received" in page.text and "25 November 2026" in page.text
    decide(senior, url, "approve", "Posted in time: the post office receipt shows 20 November")

    db.expire_all()
    appeal = db.scalar(select(Appeal))
    assert (appeal.lodged_on, appeal.induction_period_id) == (LATE, failed.id)
    event = last_event(db)
    assert (event.action, event.rule_id, event.actor_email) == (
        "lodge_appeal",
        "CPD-APPEAL-LODGING-WINDOW",
        users["senior_caseworker"],
    )
    assert users["appeals_officer"] in event.note and "post office receipt" in event.note
    assert outbox_for(db, event) is None  # lodging leaves TRS's status as it is
    request = db.get(ManualRequest, request.id)
    assert (request.state, request.decision_note) == (
        "approved",
        "Posted in time: the post office receipt shows 20 November",
    )
    assert db.get(User, request.decided_by_user_id).email == users["senior_caseworker"]


def test_an_approved_reopen_writes_the_outbox_row(signed_in_as, failed, db, second_senior):
    """A senior raises it (seniors may), a different senior approves: the status goes back."""
    senior = signed_in_as("senior_caseworker")
    url = senior.post(
        REOPEN_URL, {"note": "Recorded against the wrong teacher", "reason": "Found late"}
    ).headers["Location"]
    decide(senior, url, "approve", "Mine to approve?", status=403)  # never their own
    assert db.get(InductionPeriod, failed.id).outcome == "fail"
    decide(second_senior, url, "approve", "The appropriate body confirmed the mistake")
    db.expire_all()
    assert db.get(InductionPeriod, failed.id).outcome is None
    entry = outbox_for(db, last_event(db))
    assert (entry.status, entry.start_date, entry.completed_date) == (
        "InProgress",
        date(2024, 9, 2),
        None,
    )


def test_only_another_senior_caseworker_may_decide_even_by_a_crafted_post(signed_in_as, failed, db):
    officer = signed_in_as("appeals_officer")
    url = raise_late_appeal(officer)
    caseworker = signed_in_as("caseworker")
    assert not caseworker.get(url).find("form", action=url)
    for client in (caseworker, officer):
        client.post(
            url,
            {"decision": "approve", "note": "crafted"},
            _expected_status=403,
            _csrf_from=REOPEN_URL if client is caseworker else LODGE_URL,
        )
    signed_in_as("caseworker").get("/manual-requests", _expected_status=403)
    db.expire_all()
    assert db.scalar(select(ManualRequest)).state == "open"
    assert db.scalar(select(Appeal)) is None


def test_the_database_refuses_a_request_decided_by_its_requester(failed, db, users):
    requester = db.scalar(select(User).where(User.email == users["senior_caseworker"]))
    request = ManualRequest(
        teacher_id=failed.teacher_id,
        trn=TRN,
        kind="out_of_window",
        state="approved",
        action="reopen_outcome",
        reason="test",
        requested_by_user_id=requester.id,
        requested_at=datetime(2026, 11, 25, tzinfo=LONDON),
        decided_by_user_id=requester.id,
    )
    db.add(request)
    with pytest.raises(IntegrityError):
        db.commit()
    db.rollback()


def test_approval_asks_the_rules_again(signed_in_as, failed, db, clock):
    url = raise_late_appeal(signed_in_as("appeals_officer"))
    # An appeal arrives by another route without touching the teacher's version.
    db.add(
        Appeal(
            teacher_id=failed.teacher_id,
            induction_period_id=failed.id,
            failed_on=FAILED_ON,
            lodged_on=date(2026, 11, 1),
            created_at=clock.now(),
        )
    )
    db.commit()
    before = counts(db)
    senior = signed_in_as("senior_caseworker")
    page = senior.post_page(url, {"decision": "approve", "note": "ok"})
    assert "The rules do not allow this change: An appeal against this fail was already lodged" in (
        page.text
    )
    assert counts(db) == before
    db.expire_all()
    assert db.scalar(select(ManualRequest)).state == "open"
    assert len(db.scalars(select(Appeal)).all()) == 1


def test_a_stale_request_cannot_be_approved_but_can_be_rejected(signed_in_as, failed, db, clock):
    url = raise_late_appeal(signed_in_as("appeals_officer"))
    teacher = db.get(Teacher, failed.teacher_id)
    teacher.updated_at = clock.now() + timedelta(minutes=5)
    flag_modified(teacher, "updated_at")
    db.add(
        Event(
            teacher_id=teacher.id,
            trn=TRN,
            occurred_at=clock.now() + timedelta(minutes=5),
            actor_email="caseworker@example.gov.uk",
            actor_role="caseworker",
            action="edit_induction_period",
            summary="Induction period changed",
        )
    )
    db.commit()
    senior = signed_in_as("senior_caseworker")
    page = senior.get(url)
    assert "Induction period changed" in page.select_one("#changes-since").text
    page = senior.post_page(url, {"decision": "approve", "note": "ok"})
    assert "The record has changed since this request was raised" in page.text
    db.expire_all()
    assert db.scalar(select(Appeal)) is None
    decide(senior, url, "reject", "Raise a new request against the record as it is now")
    db.expire_all()
    request = db.scalar(select(ManualRequest))
    assert (request.state, request.decision_note) == (
        "rejected",
        "Raise a new request against the record as it is now",
    )
    assert db.scalar(select(Appeal)) is None
    decide(senior, url, "approve", "again", status=403)  # decided already


def test_queue_filters_by_state_and_kind(signed_in_as, failed, db, clock):
    officer = signed_in_as("appeals_officer")
    first = raise_late_appeal(officer)
    senior = signed_in_as("senior_caseworker")
    decide(senior, first, "reject", "No evidence it was posted in time")
    clock.advance(timedelta(minutes=5))
    second = raise_late_appeal(officer)
    ids = {url: url.rsplit("/", 1)[1] for url in (first, second)}
    open_page = senior.get("/manual-requests?state=open")
    assert [a.get_text() for a in open_page.select("#requests a")] == [f"Request {ids[second]}"]
    rejected = senior.get("/manual-requests?state=rejected&kind=out_of_window")
    assert [a.get_text() for a in rejected.select("#requests a")] == [f"Request {ids[first]}"]
    assert not senior.get("/manual-requests?state=open&kind=drift").select("#requests a")
    newest = senior.get("/manual-requests?state=&sort=newest")
    assert [a.get_text() for a in newest.select("#requests a")] == [
        f"Request {ids[second]}",
        f"Request {ids[first]}",
    ]


def test_a_request_needs_a_reason_and_valid_answers(signed_in_as, failed, db):
    officer = signed_in_as("appeals_officer")
    page = officer.post_page(LODGE_URL, {"lodged_on": parts("2026-11-27")})
    errors = {
        tag["id"]: tag.get_text(" ", strip=True) for tag in page.select(".govuk-error-message")
    }
    assert "Enter a note" in errors["reason-error"]
    page = officer.post_page(LODGE_URL, {"lodged_on": parts("2026-11-27"), "reason": "late"})
    assert "must be today or in the past" in page.select_one("#lodged_on-error").text
    assert db.scalar(select(ManualRequest)) is None


def test_an_action_not_answered_manual_has_no_request_page(signed_in_as, failed, clock):
    clock.set(date(2026, 11, 24))
    signed_in_as("appeals_officer").get(LODGE_URL, _expected_status=404)


def test_a_late_period_correction_is_made_exactly_as_requested(
    signed_in_as, failed, db, appropriate_body
):
    url = f"/teachers/{TRN}/manual-handling/edit_induction_period"
    caseworker = signed_in_as("caseworker")
    assert caseworker.get(url).find("input", attrs={"name": "period_id", "value": str(failed.id)})
    answers = {
        "period_id": str(failed.id),
        "appropriate_body_id": str(appropriate_body.id),
        "started_on": parts("2024-09-09"),
        "finished_on": parts(FAILED_ON),
        "number_of_terms": "5.5",
        "training_programme": "school_led",
        "reason": "The appropriate body sent the right start date after the window",
    }
    request_url = caseworker.post(url, answers).headers["Location"]
    stored = db.scalar(select(ManualRequest))
    assert (stored.rule_id, stored.answers["started_on"], stored.answers["number_of_terms"]) == (
        "CPD-EDIT-OUTCOME-CORRECTION-WINDOW",
        "2024-09-09",
        "5.5",
    )
    decide(signed_in_as("senior_caseworker"), request_url, "approve", "Confirmed by the AB")
    db.expire_all()
    period = db.get(InductionPeriod, failed.id)
    assert (period.started_on, str(period.number_of_terms), period.outcome) == (
        date(2024, 9, 9),
        "5.5",
        "fail",
    )
    assert outbox_for(db, last_event(db)).start_date == date(2024, 9, 9)
