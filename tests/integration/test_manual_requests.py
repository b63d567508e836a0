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


def raise_late_appeal(officer: ClientRequest) -> str:
    response = officer.post(
        LODGE_URL,
        {
            "lodged_on": parts(LATE),
            "reason": "The notice was posted in time but reached us late",
            "evidence": "Envelope scanned to ticket 123456",
        },
    )
    return sent_to_request(response.headers["Location"])


def sent_to_request(location: str) -> str:
    """Raising a request ends on its confirmation page; the request's own page is beside it."""
    assert location.endswith("/sent"), location
    return location.removesuffix("/sent")


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
    url = sent_to_request(url)
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
    # A caseworker sees their own requests there, never the queue of others' to decide.
    assert not signed_in_as("caseworker").get("/manual-requests").select("#requests")
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
    decided = decide(senior, url, "approve", "again", status=409)  # decided already
    assert "This request was decided by senior.caseworker@example.gov.uk on" in decided.get_data(
        as_text=True
    )


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
    assert (
        errors["reason-error"] == "Error: Enter why this change is needed outside its time window"
    )
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
    assert caseworker.get(url).find("input", attrs={"name": "period_id"}) is None  # the only one
    answers = {
        "appropriate_body_id": str(appropriate_body.id),
        "started_on": parts("2024-09-09"),
        "finished_on": parts(FAILED_ON),
        "number_of_terms": "5.5",
        "training_programme": "school_led",
        "reason": "The appropriate body sent the right start date after the window",
    }
    request_url = sent_to_request(caseworker.post(url, answers).headers["Location"])
    stored = db.scalar(select(ManualRequest))
    assert (stored.rule_id, stored.answers["started_on"], stored.answers["number_of_terms"]) == (
        "CPD-EDIT-OUTCOME-CORRECTION-WINDOW",
        "2024-09-09",
        "5.5",
    )
    assert stored.answers["period_id"] == str(failed.id)
    decide(signed_in_as("senior_caseworker"), request_url, "approve", "Confirmed by the AB")
    db.expire_all()
    period = db.get(InductionPeriod, failed.id)
    assert (period.started_on, str(period.number_of_terms), period.outcome) == (
        date(2024, 9, 9),
        "5.5",
        "fail",
    )
    assert outbox_for(db, last_event(db)).start_date == date(2024, 9, 9)


# -- the screens, as a new user meets them ---------------------------------------------------


@pytest.mark.parametrize("action", ["lodge_appeal", "reopen_outcome", "edit_induction_period"])
def test_a_request_form_shows_no_errors_before_it_is_sent(signed_in_as, failed, action):
    role = "appeals_officer" if action == "lodge_appeal" else "caseworker"
    page = signed_in_as(role).get(f"/teachers/{TRN}/manual-handling/{action}")
    assert not page.select(".govuk-error-summary")
    assert not page.select(".govuk-error-message")
    assert not page.title.get_text().startswith("Error:")


def test_each_error_on_a_request_names_its_own_question(signed_in_as, failed):
    page = signed_in_as("caseworker").post_page(REOPEN_URL, {})
    summary = [a.get_text(strip=True) for a in page.select(".govuk-error-summary a")]
    assert summary == [
        "Enter why the outcome was recorded in error",
        "Enter why this change is needed outside its time window",
    ]


def test_raising_a_request_ends_on_a_confirmation_panel_with_a_way_back(signed_in_as, failed):
    officer = signed_in_as("appeals_officer")
    response = officer.post(
        LODGE_URL, {"lodged_on": parts(LATE), "reason": "Posted in time, arrived late"}
    )
    page = officer.get(response.headers["Location"])
    assert page.select_one(".govuk-panel__title").get_text(strip=True) == (
        "Manual-handling request sent"
    )
    assert page.select_one(".govuk-back-link")["href"] == f"/teachers/{TRN}"
    assert page.find("a", string="View request 1")["href"] == "/manual-requests/1"
    # Only the person who raised it is shown its confirmation.
    signed_in_as("caseworker").get(response.headers["Location"], _expected_status=404)


def test_the_request_page_says_when_it_was_raised_once(signed_in_as, failed):
    url = raise_late_appeal(signed_in_as("appeals_officer"))
    page = signed_in_as("senior_caseworker").get(url)
    rows = {
        row.dt.get_text(strip=True): row.dd.get_text(strip=True)
        for row in page.select(".govuk-summary-list__row")
    }
    assert rows["Raised"] == "26 November 2026 at 12:00pm"
    assert "Raised on" not in rows


def test_an_approved_request_shows_the_change_made_in_words(signed_in_as, failed, second_senior):
    senior = signed_in_as("senior_caseworker")
    url = sent_to_request(
        senior.post(
            REOPEN_URL, {"note": "Recorded against the wrong teacher", "reason": "Found late"}
        ).headers["Location"]
    )
    decide(second_senior, url, "approve", "The appropriate body confirmed the mistake")
    change = second_senior.get(url).select_one("#requested-change")
    text = " ".join(change.get_text(" ", strip=True).split())
    assert text.startswith("Change made Outcome reopened")
    assert "note" not in text.split()  # never a raw field name


def test_queue_filters_offer_each_state_and_kind_and_say_what_they_show(
    signed_in_as, failed, teacher
):
    url = raise_late_appeal(signed_in_as("appeals_officer"))
    senior = signed_in_as("senior_caseworker")
    page = senior.get("/manual-requests")
    states = {o["value"]: o.has_attr("selected") for o in page.select("#state option")}
    kinds = [o["value"] for o in page.select("#kind option")]
    assert states == {
        "any": False,
        "open": True,
        "approved": False,
        "rejected": False,
        "resolved": False,
    }
    assert kinds == ["any", "out_of_window", "drift", "delivery"]
    decide(senior, url, "reject", "No evidence it was posted in time")
    empty = senior.get("/manual-requests")
    assert empty.select_one("#no-requests").get_text(strip=True) == "There are no open requests."
    assert [
        a.get_text() for a in senior.get("/manual-requests?state=any").select("#requests a")
    ] == ["Request 1"]


def test_every_requester_sees_their_requests_with_who_decided_when_and_why(
    signed_in_as, failed, db
):
    caseworker = signed_in_as("caseworker")
    url = sent_to_request(
        caseworker.post(
            REOPEN_URL, {"note": "Recorded against the wrong teacher", "reason": "Found late"}
        ).headers["Location"]
    )
    decide(signed_in_as("senior_caseworker"), url, "reject", "Ask the appropriate body first")
    page = caseworker.get("/manual-requests")
    assert page.h1.get_text(strip=True) == "Your manual-handling requests"
    assert not page.select("#requests")  # the queue is the deciders'
    row = {
        td["data-label"]: " ".join(td.get_text(" ", strip=True).split())
        for td in page.select("#your-requests tbody tr td")
    }
    assert row["State"] == "Rejected"
    assert row["Decided by"] == "senior.caseworker@example.gov.uk"
    assert row["Decided"] == "26 November 2026 at 12:00pm"
    assert row["Why"] == "Ask the appropriate body first"


def test_the_queue_names_each_teacher_beside_the_trn(signed_in_as, failed):
    officer = signed_in_as("appeals_officer")
    officer.get(f"/teachers/{TRN}")  # where a request starts; the page keeps the name index
    raise_late_appeal(officer)
    page = signed_in_as("senior_caseworker").get("/manual-requests")
    teacher = page.select_one("#requests tbody tr td[data-label=Teacher]").get_text(" ", strip=True)
    assert teacher == f"Test Teacher {TRN} TRN {TRN}"


def test_the_navigation_counts_what_waits_for_the_signed_in_user(signed_in_as, failed, db):
    def manual_link(client: ClientRequest) -> str:
        page = client.get("/teachers")
        link = page.find("a", href="/manual-requests")
        return " ".join(link.get_text().split())

    officer = signed_in_as("appeals_officer")
    raise_late_appeal(officer)
    assert manual_link(signed_in_as("senior_caseworker")) == "Manual requests (1 to decide)"
    # Nothing waits for the requester: another person decides their request.
    assert manual_link(officer) == "Manual requests"
    assert manual_link(signed_in_as("caseworker")) == "Manual requests"


def test_a_period_request_for_the_one_period_starts_from_its_values(
    signed_in_as, failed, db, appropriate_body
):
    url = f"/teachers/{TRN}/manual-handling/edit_induction_period"
    caseworker = signed_in_as("caseworker")
    # The teacher's one period is not asked about, and the page starts from its values.
    page = caseworker.get(url)
    names = [
        tag["name"]
        for tag in page.select("form[method=post] [name]")
        if tag.get("type") != "hidden"
    ]
    assert names[0] == "appropriate_body_id"
    assert "period_id" not in names
    assert int(page.select_one("#started_on-day")["value"]) == 2
    assert int(page.select_one("#started_on-month")["value"]) == 9
    assert page.select_one("#number_of_terms")["value"] == "6"


def test_a_period_request_checks_its_dates_as_the_journey_does(signed_in_as, failed, db):
    """The change-period journey's own details step reaches the request page: its setup and
    starting values need the period (given here, the teacher's one), and its dates are checked in
    GOV.UK's words on their own field."""
    url = f"/teachers/{TRN}/manual-handling/edit_induction_period"
    caseworker = signed_in_as("caseworker")
    page = caseworker.get(url)
    assert page.select_one("#appropriate_body_id option[selected]")  # the body's choices, set up
    assert page.select_one("#finished_on-year")["value"] == str(FAILED_ON.year)
    page = caseworker.post_page(
        url,
        {
            "appropriate_body_id": page.select_one("#appropriate_body_id option[selected]")[
                "value"
            ],
            "started_on": ["31", "2", "2024"],
            "finished_on": parts(FAILED_ON),
            "number_of_terms": "6",
            "training_programme": "school_led",
            "reason": "The appropriate body sent the right start date after the window",
        },
    )
    assert page.select_one("#started_on-error").get_text(" ", strip=True) == (
        "Error: Start date must be a real date"
    )
    assert [a["href"] for a in page.select(".govuk-error-summary a")] == ["#started_on-day"]
    assert page.title.get_text().startswith("Error:")
    assert db.scalar(select(ManualRequest)) is None


def test_a_question_an_earlier_answer_brings_in_is_asked_once_that_answer_is_sent(
    signed_in_as, failed, db, clock
):
    """Recording an appeal decision late: its extension question applies only to an extended
    induction, so the request page asks it once that decision is sent, without an error yet."""
    db.add(
        Appeal(
            teacher_id=failed.teacher_id,
            induction_period_id=failed.id,
            failed_on=FAILED_ON,
            lodged_on=date(2026, 11, 20),
            created_at=clock.now(),
        )
    )
    db.commit()
    clock.set(date(2027, 6, 1))  # the 180-day decision window closed on 19 May 2027
    url = f"/teachers/{TRN}/manual-handling/record_appeal_decision"
    officer = signed_in_as("appeals_officer")
    page = officer.get(url)
    assert page.select_one("#extension_terms") is None
    assert page.select_one("input[name=steps]")["value"] == "decision"
    answers = {
        "steps": "decision",
        "decision": "extended",
        "decided_on": parts("2027-05-20"),
        "reason": "The panel's letter reached us after the window",
    }
    page = officer.post_page(url, answers)
    assert page.select_one("#extension_terms") is not None
    assert not page.select(".govuk-error-message")
    assert page.select_one("input[name=steps]")["value"] == "decision extension"
    assert db.scalar(select(ManualRequest)) is None
    answers["steps"] = "decision extension"
    page = officer.post_page(url, {**answers, "extension_terms": "1.55"})
    assert page.select_one("#extension_terms-error")
    officer.post(url, {**answers, "extension_terms": "1.5"})
    stored = db.scalar(select(ManualRequest))
    assert (stored.answers["decision"], stored.answers["extension_terms"]) == ("extended", "1.5")
