"""Appeals: lodging and deciding inside their windows (UI and policy API), each decision's effect on
CPD and on the status pushed to TRS, and the pages that show appeals."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.clock import LONDON
from app.models import Appeal, Extension, InductionPeriod
from app.rules import APPEAL_DECISION
from app.trs.outbox import OutboxWorker
from tests.support.appeals import FAILED_IN_TRS, FAILED_ON, add_fail
from tests.support.journeys import (
    add_period,
    confirm,
    counts,
    error_messages,
    last_event,
    outbox_for,
    parts,
    start,
    walk,
)

TRN = "2300001"
LODGING_LAST_DAY = date(2026, 11, 24)  # 20 working days after Tuesday 27 October 2026
LODGED_ON = date(2026, 10, 28)
DECISION_LAST_DAY = LODGED_ON + timedelta(days=180)  # 26 April 2027
KEY = {"Authorization": "Bearer test-policy-key"}


@pytest.fixture
def teacher(add_teacher):
    return add_teacher(
        TRN,
        qts_date="2024-07-01",
        induction=FAILED_IN_TRS,
    )


@pytest.fixture
def failed(db, teacher, appropriate_body):
    return add_fail(db, teacher, appropriate_body)


@pytest.fixture
def lodged(db, teacher, failed, clock):
    appeal = Appeal(
        teacher_id=teacher.id,
        induction_period_id=failed.id,
        failed_on=FAILED_ON,
        lodged_on=LODGED_ON,
        created_at=clock.now(),
    )
    db.add(appeal)
    db.commit()
    return appeal


def ask_api(app, action: str, **change) -> dict:
    body = {"trn": TRN, "console": "cpd", "action": action, **change}
    response = app.test_client().post("/api/v1/decisions", json=body, headers=KEY)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


@pytest.mark.parametrize(
    ("today", "outcome", "status"),
    [(LODGING_LAST_DAY, "allowed", 302), (LODGING_LAST_DAY + timedelta(days=1), "manual", 403)],
)
def test_lodging_window_boundary(app, signed_in_as, failed, clock, today, outcome, status):
    clock.set(today)
    answer = ask_api(app, "lodge_appeal")
    assert answer["decision"] == outcome
    assert answer["dates_used"]["lodging_last_day"] == LODGING_LAST_DAY.isoformat()
    officer = signed_in_as("appeals_officer")
    assert officer.get_response(f"/teachers/{TRN}/lodge-appeal").status_code == status
    page = officer.get(f"/teachers/{TRN}")
    assert bool(page.find("a", string="Lodge an appeal")) == (outcome == "allowed")
    if outcome == "manual":
        assert page.find("a", href=f"/teachers/{TRN}/manual-handling/lodge_appeal")


@pytest.mark.parametrize(
    ("today", "outcome", "status"),
    [(DECISION_LAST_DAY, "allowed", 302), (DECISION_LAST_DAY + timedelta(days=1), "manual", 403)],
)
def test_decision_window_boundary(app, signed_in_as, lodged, clock, today, outcome, status):
    clock.set(today)
    answer = ask_api(
        app, "record_appeal_decision", decision="dismissed", decided_on=today.isoformat()
    )
    assert (answer["decision"], answer["dates_used"]["decision_last_day"]) == (
        outcome,
        DECISION_LAST_DAY.isoformat(),
    )
    officer = signed_in_as("appeals_officer")
    response = officer.get_response(f"/teachers/{TRN}/record-appeal-decision")
    assert response.status_code == status


def test_lodge_an_appeal_says_the_deadline_and_pushes_nothing(signed_in_as, failed, db, clock):
    officer = signed_in_as("appeals_officer")
    first = officer.get(start(officer, TRN, "lodge-appeal"))
    assert "Appeals must be received by Tuesday 24 November 2026." in first.text
    before = counts(db)
    check = walk(officer, TRN, "lodge-appeal", {"lodged_on": parts(LODGED_ON)})
    done = confirm(officer, check).headers["Location"]
    done_page = officer.get(done)
    assert done_page.select_one(".govuk-panel__title").get_text(strip=True) == "Appeal lodged"
    # Nothing is sent to TRS, and "What happens next" says so rather than promising a send.
    assert "nothing is sent to TRS" in done_page.text
    assert "The console sends TRS" not in done_page.text
    appeal = db.scalar(select(Appeal))
    assert (appeal.induction_period_id, appeal.failed_on, appeal.lodged_on, appeal.decision) == (
        failed.id,
        FAILED_ON,
        LODGED_ON,
        None,
    )
    event = last_event(db)
    assert (event.action, event.rule_id, event.actor_role) == (
        "lodge_appeal",
        "CPD-APPEAL-LODGE-ALLOWED",
        "appeals_officer",
    )
    assert outbox_for(db, event) is None
    assert counts(db)["outbox"] == before["outbox"]
    page = officer.get(f"/teachers/{TRN}")
    assert "Decision due by" in page.text and "26 April 2027" in page.text
    assert not page.find("a", string="Lodge an appeal")


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"lodged_on": parts("2026-11-03")}, "Date the appeal was received must be today or in the past"),
        ({"lodged_on": parts("2026-10-25")}, "Date the appeal was received must be the same as or after the date of the fail"),
        ({"lodged_on": ["28", "10"]}, "Date the appeal was received must include a year"),
        ({}, "Enter the date the appeal was received"),
    ],
)  # fmt: skip
def test_lodging_errors_write_nothing(signed_in_as, failed, db, data, error):
    officer = signed_in_as("appeals_officer")
    page = officer.post_page(start(officer, TRN, "lodge-appeal"), data)
    assert error_messages(page) == {"lodged_on": error}
    assert db.scalar(select(Appeal)) is None


@pytest.mark.parametrize(
    ("decision", "pushed"), [("upheld", "Passed"), ("extended", "InProgress"), ("dismissed", None)]
)
def test_each_decision_changes_cpd_and_what_is_pushed(
    signed_in_as, lodged, failed, db, clock, decision, pushed
):
    officer = signed_in_as("appeals_officer")
    pages = [{"decision": decision, "decided_on": parts("2026-11-02")}]
    if decision == "extended":
        pages.append({"extension_terms": "2.5"})
    check = walk(officer, TRN, "record-appeal-decision", *pages)
    done = confirm(officer, check).headers["Location"]
    assert officer.get(done).select_one(".govuk-panel__title").get_text(strip=True) == (
        "Appeal decision recorded"
    )
    db.expire_all()
    period = db.get(InductionPeriod, failed.id)
    appeal = db.get(Appeal, lodged.id)
    assert (appeal.decision, appeal.decided_on) == (decision, date(2026, 11, 2))
    expected_outcome = {
        "upheld": ("pass", date(2026, 11, 2), clock.now()),
        "extended": (None, None, None),
        "dismissed": ("fail", FAILED_ON, datetime(2026, 10, 26, 15, tzinfo=LONDON)),
    }[decision]
    assert (period.outcome, period.outcome_on, period.outcome_recorded_at) == expected_outcome
    assert period.finished_on == FAILED_ON
    extensions = db.scalars(select(Extension)).all()
    assert [e.number_of_terms for e in extensions] == (
        [Decimal("2.5")] if decision == "extended" else []
    )
    event = last_event(db)
    assert (event.action, event.rule_id) == (
        "record_appeal_decision",
        "CPD-APPEAL-DECISION-ALLOWED",
    )
    entry = outbox_for(db, event)
    if pushed is None:
        assert entry is None
    else:
        expected_completed = None if pushed == "InProgress" else FAILED_ON
        assert (entry.status, entry.start_date, entry.completed_date) == (
            pushed,
            date(2024, 9, 2),
            expected_completed,
        )
    # The record the rules read now: a decided appeal cannot be decided again.
    assert officer.get_response(f"/teachers/{TRN}/record-appeal-decision").status_code == 403
    caseworker = signed_in_as("caseworker")
    actions = caseworker.get(f"/teachers/{TRN}")
    assert bool(actions.find("a", string="Add an extension")) == (decision == "extended")


def test_an_extension_needs_its_terms(signed_in_as, lodged, db):
    officer = signed_in_as("appeals_officer")
    url = start(officer, TRN, "record-appeal-decision")
    after = officer.post(url, {"decision": "extended", "decided_on": parts("2026-11-02")})
    page = officer.post_page(after.headers["Location"], {"extension_terms": "17"})
    assert error_messages(page) == {"extension_terms": "Number of terms must be between 0.1 and 16"}
    assert db.get(Appeal, lodged.id).decision is None


def test_caseworkers_see_an_appeal_but_cannot_record_one(signed_in_as, lodged):
    caseworker = signed_in_as("caseworker")
    page = caseworker.get(f"/teachers/{TRN}")
    assert "Decision due by" in page.text
    assert caseworker.get_response(f"/teachers/{TRN}/record-appeal-decision").status_code == 403
    assert caseworker.get_response(f"/teachers/{TRN}/lodge-appeal").status_code == 403


def test_appeals_list_orders_open_appeals_by_deadline_and_lists_appealable_fails(
    signed_in_as, add_teacher, appropriate_body, db, clock, lodged
):
    failed_trs = {"status": "Failed", "startDate": "2024-09-02", "completedDate": "2026-10-20"}
    later = add_teacher("2300002", qts_date="2024-07-01", induction=failed_trs)
    period = add_period(db, later, appropriate_body.id, "2024-09-02", "2026-09-01", "6", "fail")
    db.add(
        Appeal(
            teacher_id=later.id,
            induction_period_id=period.id,
            failed_on=date(2026, 9, 1),
            lodged_on=date(2026, 9, 2),
            created_at=clock.now(),
        )
    )
    appealable = add_teacher("2300003", qts_date="2024-07-01", induction=failed_trs)
    add_period(db, appealable, appropriate_body.id, "2024-09-02", "2026-10-20", "6", "fail")
    too_late = add_teacher("2300004", qts_date="2024-07-01", induction=failed_trs)
    add_period(db, too_late, appropriate_body.id, "2024-09-02", "2026-09-20", "6", "fail")
    db.commit()
    signed_in_as("caseworker").get("/teachers/2300003")  # the name index now has this name
    for role in ("appeals_officer", "caseworker"):
        page = signed_in_as(role).get("/appeals")
        open_trns = [a.get_text() for a in page.select("#open-appeals a")]
        assert open_trns == ["TRN 2300002", f"TRN {TRN}"]
        # A name the console has read is the link, with the TRN beside it; else the TRN.
        fails = page.select_one("#appealable-fails tbody tr td")
        assert fails.a.get_text() == "Test Teacher 2300003"
        assert fails.select_one(".govuk-hint").get_text() == "TRN 2300003"
    signed_in_as("viewer").get("/appeals", _expected_status=403)
    assert APPEAL_DECISION.last_day(LODGED_ON) == DECISION_LAST_DAY


@pytest.mark.parametrize(("decision", "status"), [("upheld", "Passed"), ("extended", "InProgress")])
def test_the_decision_reaches_trs(
    app, signed_in_as, lodged, clock, sandbox_admin, decision, status
):
    officer = signed_in_as("appeals_officer")
    pages = [{"decision": decision, "decided_on": parts("2026-11-02")}]
    if decision == "extended":
        pages.append({"extension_terms": "1"})
    confirm(officer, walk(officer, TRN, "record-appeal-decision", *pages))
    worker = OutboxWorker(
        app.extensions["db_sessions"], app.extensions["trs"].client, clock, worker_id="appeals"
    )
    assert worker.drain()["sent"] == 1
    person = sandbox_admin.person(TRN)
    assert (person["status"], person["startDate"]) == (status, "2024-09-02")


def test_the_navigation_counts_appeals_waiting_for_a_decision(signed_in_as, lodged):
    def appeals_link(role: str) -> str:
        link = signed_in_as(role).get("/teachers").find("a", href="/appeals")
        return " ".join(link.get_text().split())

    assert appeals_link("appeals_officer") == "Appeals (1 to decide)"
    assert appeals_link("caseworker") == "Appeals"  # caseworkers do not record decisions
