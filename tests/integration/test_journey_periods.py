"""Adding, changing and deleting induction periods, page by page, with every refusal."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.models import AppropriateBody, Event, InductionPeriod, OutboxEntry, Teacher
from app.services import casework
from tests.support.journeys import (
    add_period,
    answer,
    confirm,
    counts,
    error_messages,
    last_event,
    outbox_for,
    parts,
    start,
    walk,
)
from tests.support.pages import check_page

TRN = "2100001"
ADD = "add-induction-period"


@pytest.fixture
def teacher(add_teacher):
    return add_teacher(
        TRN, first_name="Amara", last_name="Okafor", induction={"status": "RequiredToComplete"}
    )


def _add_pages(body_id, started_on, finished_on=None, terms="", programme="school_led"):
    dates = {"started_on": parts(started_on), "number_of_terms": terms}
    if finished_on:
        dates["finished_on"] = parts(finished_on)
    return ({"appropriate_body_id": str(body_id)}, dates, {"training_programme": programme})


def test_add_the_first_period_end_to_end(signed_in_as, teacher, appropriate_body, db):
    version = teacher.version
    caseworker = signed_in_as("caseworker")
    page = caseworker.get(f"/teachers/{TRN}")
    assert page.find("a", string="Add an induction period")["href"] == f"/teachers/{TRN}/{ADD}"

    first = start(caseworker, TRN, ADD)
    page = caseworker.get(first)
    assert page.h1.get_text(strip=True) == "Which appropriate body is this induction period with?"
    assert "Amara Okafor, TRN 2100001" in page.select_one(".govuk-caption-l").get_text()
    dates = answer(caseworker, first, {"appropriate_body_id": str(appropriate_body.id)})
    assert dates.endswith("/dates")
    programme = answer(caseworker, dates, {"started_on": parts("2024-09-02")})
    check = answer(caseworker, programme, {"training_programme": "school_led"})
    page = caseworker.get(check)
    rows = {
        row.dt.get_text(strip=True): row.dd.get_text(strip=True)
        for row in page.select(".govuk-summary-list__row")
    }
    assert rows == {
        "Appropriate body": "Alpha Teaching School Hub",
        "Start date": "2 September 2024",
        "End date": "Ongoing",
        "Number of terms": "Not yet known",
        "Training programme": "School-led",
    }
    assert counts(db)["induction_periods"] == 0  # answers wait in the session, not the database

    done = confirm(caseworker, check).headers["Location"]
    page = caseworker.get(done)
    assert page.select_one(".govuk-panel__title").get_text(strip=True) == "Induction period added"

    period = db.scalar(select(InductionPeriod))
    assert (period.started_on, period.finished_on, period.training_programme) == (
        date(2024, 9, 2),
        None,
        "school_led",
    )
    event = last_event(db)
    assert (event.action, event.rule_id, event.actor_role) == (
        "add_induction_period",
        "CPD-ADD-PERIOD-ALLOWED",
        "caseworker",
    )
    entry = outbox_for(db, event)
    assert (entry.status, entry.start_date, entry.completed_date, entry.state) == (
        "InProgress",
        date(2024, 9, 2),
        None,
        "pending",
    )
    assert db.get(Teacher, teacher.id).version == version + 1
    timeline = caseworker.get(f"/teachers/{TRN}/timeline")
    assert "Induction period added" in timeline.select_one(".app-timeline__event h3").get_text()


def test_the_first_period_of_a_teacher_only_trs_knows_creates_the_cpd_record(
    signed_in_as, sandbox_admin, appropriate_body, db
):
    sandbox_admin.create_person(trn="2100002", induction={"status": "RequiredToComplete"})
    caseworker = signed_in_as("caseworker")
    check = walk(caseworker, "2100002", ADD, *_add_pages(appropriate_body.id, "2025-09-01"))
    confirm(caseworker, check)
    teacher = db.scalar(select(Teacher).where(Teacher.trn == "2100002"))
    assert [p.started_on for p in teacher.induction_periods] == [date(2025, 9, 1)]
    assert last_event(db).teacher_id == teacher.id


def test_insert_an_earlier_finished_period(signed_in_as, teacher, appropriate_body, db):
    add_period(db, teacher, appropriate_body.id, "2025-09-01")
    caseworker = signed_in_as("caseworker")
    check = walk(
        caseworker, TRN, ADD, *_add_pages(appropriate_body.id, "2024-09-02", "2025-07-18", "2.5")
    )
    confirm(caseworker, check)
    periods = db.scalars(select(InductionPeriod).order_by(InductionPeriod.started_on)).all()
    assert [(p.started_on, p.number_of_terms) for p in periods] == [
        (date(2024, 9, 2), Decimal("2.5")),
        (date(2025, 9, 1), None),
    ]
    event = last_event(db)
    assert outbox_for(db, event).start_date == date(2024, 9, 2)
    # The event keeps the rows as a fresh read gives them: the new period first, by its start.
    assert [p["started_on"] for p in event.after["induction_periods"]] == [
        "2024-09-02",
        "2025-09-01",
    ]


@pytest.mark.parametrize(
    ("dates", "field", "message"),
    [
        ({"started_on": parts("2026-11-03")}, "started_on", "Start date must be today or in the past"),
        (
            {"started_on": parts("2020-06-30")},
            "started_on",
            "Start date must be the same as or after the QTS date (1 July 2020)",
        ),
        ({"started_on": ["31", "2", "2025"]}, "started_on", "Start date must be a real date"),
        ({"started_on": ["1", "9"]}, "started_on", "Start date must include a year"),
        ({"started_on": ["1"]}, "started_on", "Start date must include a month and year"),
        ({"started_on": ["", "", ""]}, "started_on", "Enter the start date"),
        ({}, "started_on", "Enter the start date"),
        ({"started_on": ["a", "b", "c"]}, "started_on", "Start date must be a real date"),
        ({"started_on": ["1", "9", "24"]}, "started_on", "Year must include 4 numbers"),
        ({"started_on": ["1", "9", "2024", "7"]}, "started_on", "Start date must be a real date"),
        ({"started_on": ["9" * 10_000] * 3}, "started_on", "Start date must be a real date"),
        (
            {"started_on": parts("2024-09-02"), "finished_on": parts("2025-07-18")},
            "number_of_terms",
            "Enter the number of terms: the period has an end date",
        ),
        (
            {"started_on": parts("2024-09-02"), "number_of_terms": "3"},
            "number_of_terms",
            "Leave the number of terms blank while the period is ongoing",
        ),
        (
            {"started_on": parts("2024-09-02"), "finished_on": parts("2025-07-18"), "number_of_terms": "17"},
            "number_of_terms",
            "Number of terms must be between 0 and 16",
        ),
        (
            {"started_on": parts("2024-09-02"), "finished_on": parts("2025-07-18"), "number_of_terms": "2.25"},
            "number_of_terms",
            "Number of terms can have no more than one decimal place",
        ),
        (
            {"started_on": parts("2024-09-02"), "finished_on": parts("2025-07-18"), "number_of_terms": "three"},
            "number_of_terms",
            "Number of terms must be a number, like 3 or 4.5",
        ),
        (
            {"started_on": parts("2024-09-02"), "finished_on": parts("2025-07-18"), "number_of_terms": "x" * 10_000},
            "number_of_terms",
            "Number of terms must be a number, like 3 or 4.5",
        ),
        (
            {"started_on": parts("2025-09-02"), "finished_on": parts("2025-07-18"), "number_of_terms": "1"},
            "finished_on",
            "End date must be the same as or after the start date",
        ),
        (
            {"started_on": parts("2025-09-02"), "finished_on": parts("2026-12-18"), "number_of_terms": "1"},
            "finished_on",
            "End date must be today or in the past",
        ),
    ],
)  # fmt: skip
def test_bad_dates_and_terms_are_errors_on_their_fields(
    signed_in_as, teacher, appropriate_body, db, dates, field, message
):
    caseworker = signed_in_as("caseworker")
    url = answer(
        caseworker, start(caseworker, TRN, ADD), {"appropriate_body_id": str(appropriate_body.id)}
    )
    before = counts(db)
    page = caseworker.post_page(url, dates)
    assert page.title.get_text().startswith("Error: ")
    assert error_messages(page) == {field: message}
    assert counts(db) == before


def test_overlaps_and_an_inserted_ongoing_period_are_errors_on_their_fields(
    signed_in_as, teacher, appropriate_body, db
):
    add_period(db, teacher, appropriate_body.id, "2024-09-02", "2025-07-18", "3")
    add_period(db, teacher, appropriate_body.id, "2025-09-01")
    caseworker = signed_in_as("caseworker")
    url = answer(
        caseworker, start(caseworker, TRN, ADD), {"appropriate_body_id": str(appropriate_body.id)}
    )
    inside = caseworker.post_page(
        url,
        {
            "started_on": parts("2025-01-06"),
            "finished_on": parts("2025-03-01"),
            "number_of_terms": "1",
        },
    )
    assert error_messages(inside) == {
        "started_on": "Start date must not overlap another induction period"
    }
    reaching = caseworker.post_page(
        url,
        {
            "started_on": parts("2024-01-08"),
            "finished_on": parts("2024-10-01"),
            "number_of_terms": "1",
        },
    )
    assert error_messages(reaching) == {
        "finished_on": "End date must not overlap another induction period"
    }
    before_both = caseworker.post_page(url, {"started_on": parts("2024-01-08")})
    assert error_messages(before_both) == {
        "finished_on": "A period that starts before the period from 2 September 2024 to 18 July 2025 needs an end date."
    }
    assert counts(db)["induction_periods"] == 2


def test_unknown_choices_are_errors(signed_in_as, teacher, appropriate_body, db):
    caseworker = signed_in_as("caseworker")
    first = start(caseworker, TRN, ADD)
    for value in ("999999", "x" * 10_000, ""):
        page = caseworker.post_page(first, {"appropriate_body_id": value})
        assert error_messages(page) == {"appropriate_body_id": "Select the appropriate body"}
    dates = answer(caseworker, first, {"appropriate_body_id": str(appropriate_body.id)})
    programme = answer(caseworker, dates, {"started_on": parts("2024-09-02")})
    page = caseworker.post_page(programme, {"training_programme": "self_taught"})
    assert error_messages(page) == {"training_programme": "Select the training programme"}
    assert counts(db)["induction_periods"] == 0


def test_pages_out_of_order_go_back_to_the_first_unanswered_one(
    signed_in_as, teacher, appropriate_body
):
    caseworker = signed_in_as("caseworker")
    start(caseworker, TRN, ADD)
    response = caseworker.get_response(f"/teachers/{TRN}/{ADD}/check")
    assert response.headers["Location"].endswith("/appropriate-body")
    fresh = signed_in_as("caseworker")  # no journey in this session at all
    response = fresh.get_response(f"/teachers/{TRN}/{ADD}/dates")
    assert response.headers["Location"] == f"/teachers/{TRN}/{ADD}"


@pytest.mark.parametrize(
    ("arrange", "reason"),
    [
        (
            lambda admin, db, t, body: admin.set_induction(TRN, "Passed", "2019-09-02", "2020-07-17"),
            "TRS already shows this teacher's induction as Passed, completed on 17 July 2020",
        ),
        (
            lambda admin, db, t, body: admin.set_induction(
                TRN, "Exempt", exemption_reason_ids=["5a80cee8-98a8-426b-8422-b0e81cb49b36"]
            ),
            "TRS records this teacher as exempt (qualified before 7 May 2000)",
        ),
        (
            lambda admin, db, t, body: admin.set_induction(TRN, "FailedInWales", "2021-09-01", "2022-07-01"),
            "A failed induction in Wales cannot be served again in England.",
        ),
        (lambda admin, db, t, body: admin.deactivate(TRN), "TRS has deactivated this teacher's record"),
        (
            lambda admin, db, t, body: add_period(db, t, body.id, "2024-09-02", "2026-07-17", "6", "pass"),
            "This induction already has an outcome: a pass on 17 July 2026. Reopen the outcome first.",
        ),
    ],
)  # fmt: skip
def test_a_forbidden_add_is_refused_at_every_step(
    signed_in_as, teacher, appropriate_body, db, sandbox_admin, arrange, reason
):
    caseworker = signed_in_as("caseworker")
    check = walk(caseworker, TRN, ADD, *_add_pages(appropriate_body.id, "2025-09-01"))
    arrange(sandbox_admin, db, teacher, appropriate_body)
    before = counts(db)
    refused = check_page(confirm(caseworker, check, expected=403))
    assert reason in refused.text
    for url in (f"/teachers/{TRN}/{ADD}", f"/teachers/{TRN}/{ADD}/dates"):
        page = caseworker.get(url, _expected_status=403)
        assert reason in page.text
    caseworker.post(
        f"/teachers/{TRN}/{ADD}/dates",
        {"started_on": parts("2025-09-01")},
        _expected_status=403,
        _csrf_from=f"/teachers/{TRN}",
    )
    assert counts(db) == before


@pytest.mark.parametrize("role", ["viewer", "appeals_officer"])
def test_roles_without_the_right_are_refused(signed_in_as, teacher, appropriate_body, db, role):
    person = signed_in_as(role)
    person.get(f"/teachers/{TRN}/{ADD}", _expected_status=403)
    person.get(f"/teachers/{TRN}/{ADD}/appropriate-body", _expected_status=403)
    person.post(
        f"/teachers/{TRN}/{ADD}/check", {}, _expected_status=403, _csrf_from=f"/teachers/{TRN}"
    )
    assert counts(db)["induction_periods"] == 0


def test_senior_caseworkers_may_add_periods(signed_in_as, teacher, appropriate_body, db):
    senior = signed_in_as("senior_caseworker")
    confirm(senior, walk(senior, TRN, ADD, *_add_pages(appropriate_body.id, "2025-09-01")))
    assert last_event(db).actor_role == "senior_caseworker"


def test_the_second_of_two_concurrent_saves_is_refused_with_the_current_record(
    signed_in_as, teacher, appropriate_body, db
):
    first, second = signed_in_as("caseworker"), signed_in_as("senior_caseworker")
    first_check = walk(first, TRN, ADD, *_add_pages(appropriate_body.id, "2025-09-01"))
    second_check = walk(
        second, TRN, ADD, *_add_pages(appropriate_body.id, "2024-09-02", "2025-07-18", "3")
    )
    confirm(first, first_check)
    text = check_page(confirm(second, second_check, expected=409)).text
    assert "This record changed while you were editing it" in text
    assert "1 September 2025 to now" in text  # the current values, the first save's period
    assert [p.started_on for p in db.scalars(select(InductionPeriod))] == [date(2025, 9, 1)]
    assert counts(db)["events"] == 1


def test_a_write_failing_halfway_leaves_nothing(
    signed_in_as, teacher, appropriate_body, db, monkeypatch
):
    real = casework.add_event

    def record_then_fail(session, **kwargs):
        real(session, **kwargs)
        session.flush()  # the period, the event and the outbox row are in the transaction
        raise RuntimeError("the database went away")

    monkeypatch.setattr(casework, "add_event", record_then_fail)
    caseworker = signed_in_as("caseworker")
    check = walk(caseworker, TRN, ADD, *_add_pages(appropriate_body.id, "2025-09-01"))
    version = teacher.version
    confirm(caseworker, check, expected=500)
    assert counts(db) == {"induction_periods": 0, "extensions": 0, "events": 0, "outbox": 0}
    assert db.get(Teacher, teacher.id).version == version


# -- changing a period ---------------------------------------------------------------------------


EDIT = "change-induction-period"


def _details(body_id, started_on, finished_on=None, terms="", programme="provider_led"):
    data = {
        "appropriate_body_id": str(body_id),
        "started_on": parts(started_on),
        "number_of_terms": terms,
        "training_programme": programme,
    }
    if finished_on:
        data["finished_on"] = parts(finished_on)
    return data


def test_change_a_period(signed_in_as, teacher, appropriate_body, db):
    other = AppropriateBody(name="Birmingham City Council")
    db.add(other)
    db.commit()
    earlier = add_period(db, teacher, appropriate_body.id, "2024-09-02", "2025-07-18", "3")
    add_period(db, teacher, appropriate_body.id, "2025-09-01")
    caseworker = signed_in_as("caseworker")
    first = start(caseworker, TRN, EDIT)
    choices = [
        label.get_text(strip=True) for label in caseworker.get(first).select(".govuk-radios__label")
    ]
    assert choices == [
        "Alpha Teaching School Hub, 2 September 2024 to 18 July 2025",
        "Alpha Teaching School Hub, 1 September 2025 onwards",
    ]
    details = answer(caseworker, first, {"period_id": str(earlier.id)})
    page = caseworker.get(details)
    assert [i["value"] for i in page.select("#started_on input")] == ["02", "09", "2024"]
    assert page.select_one("#number_of_terms")["value"] == "3"
    check = answer(
        caseworker, details, _details(other.id, "2024-09-02", "2025-07-21", "3.5", "school_led")
    )
    rows = {
        row.dt.get_text(strip=True): row.dd.get_text(strip=True)
        for row in caseworker.get(check).select(".govuk-summary-list__row")
    }
    assert rows["End date"] == "21 July 2025 (was 18 July 2025)"
    assert rows["Appropriate body"] == "Birmingham City Council (was Alpha Teaching School Hub)"
    assert rows["Start date"] == "2 September 2024"
    confirm(caseworker, check)
    db.expire_all()
    changed = db.get(InductionPeriod, earlier.id)
    assert (changed.appropriate_body.name, changed.finished_on, changed.number_of_terms) == (
        "Birmingham City Council",
        date(2025, 7, 21),
        Decimal("3.5"),
    )
    event = last_event(db)
    assert event.rule_id == "CPD-EDIT-PERIOD-ALLOWED"
    assert event.before["induction_periods"][0]["finished_on"] == "2025-07-18"
    assert event.after["induction_periods"][0]["finished_on"] == "2025-07-21"
    assert outbox_for(db, event).status == "InProgress"


def test_changing_the_outcome_period_in_the_window_moves_the_outcome_date(
    signed_in_as, teacher, appropriate_body, db
):
    period = add_period(db, teacher, appropriate_body.id, "2024-09-02", "2026-07-17", "6", "fail")
    caseworker = signed_in_as("caseworker")
    details = start(caseworker, TRN, EDIT)  # the one period, chosen without asking
    ongoing = caseworker.post_page(details, _details(appropriate_body.id, "2024-09-02"))
    assert error_messages(ongoing) == {"finished_on": "Enter the end date"}
    check = answer(
        caseworker, details, _details(appropriate_body.id, "2024-09-02", "2026-07-20", "6")
    )
    confirm(caseworker, check)
    db.expire_all()
    assert db.get(InductionPeriod, period.id).outcome_on == date(2026, 7, 20)
    assert last_event(db).rule_id == "CPD-EDIT-OUTCOME-PERIOD-IN-WINDOW"
    entry = db.scalar(select(OutboxEntry))
    assert (entry.status, entry.completed_date) == ("Failed", date(2026, 7, 20))


def test_an_edit_cannot_move_a_period_after_the_outcome(
    signed_in_as, teacher, appropriate_body, db
):
    """Adding a period after a pass is forbidden; moving an earlier one there is too, on its field."""
    earlier = add_period(db, teacher, appropriate_body.id, "2023-09-04", "2024-07-19", "3")
    add_period(db, teacher, appropriate_body.id, "2024-09-02", "2026-07-17", "6", "pass")
    before = counts(db)
    caseworker = signed_in_as("caseworker")
    details = answer(caseworker, start(caseworker, TRN, EDIT), {"period_id": str(earlier.id)})
    ongoing = caseworker.post_page(details, _details(appropriate_body.id, "2026-09-01"))
    assert error_messages(ongoing) == {
        "started_on": "This induction already has an outcome: a pass on 17 July 2026. A period "
        "cannot start after it or stay ongoing. Reopen the outcome first."
    }
    finished = caseworker.post_page(
        details, _details(appropriate_body.id, "2026-09-01", "2026-10-30", "1")
    )
    assert list(error_messages(finished)) == ["started_on"]
    assert counts(db) == before
    assert db.get(InductionPeriod, earlier.id).started_on == date(2023, 9, 4)


def test_a_period_whose_outcome_window_closed_needs_manual_handling(
    signed_in_as, teacher, appropriate_body, db, clock
):
    recorded = clock.now().replace(year=2026, month=7, day=20)
    old = add_period(db, teacher, appropriate_body.id, "2023-09-04", "2024-07-19", "3")
    outcome = add_period(
        db, teacher, appropriate_body.id, "2024-09-02", "2026-07-17", "3", "pass", recorded
    )
    caseworker = signed_in_as("caseworker")
    first = start(caseworker, TRN, EDIT)
    page = caseworker.post_page(first, {"period_id": str(outcome.id)})
    assert "the correction window closed on 19 August 2026" in error_messages(page)["period_id"]
    answer(caseworker, first, {"period_id": str(old.id)})  # the other period can still be changed
    db.delete(db.get(InductionPeriod, old.id))
    db.commit()
    page = caseworker.get(f"/teachers/{TRN}/{EDIT}", _expected_status=403)
    assert "Ask for manual handling" in page.text


def test_an_unknown_period_is_an_error(signed_in_as, teacher, appropriate_body, db, add_teacher):
    add_period(db, teacher, appropriate_body.id, "2024-09-02", "2025-07-18", "3")
    period = add_period(db, teacher, appropriate_body.id, "2025-09-01")
    stranger = add_teacher("2100009")
    theirs = add_period(db, stranger, appropriate_body.id, "2024-09-02")
    caseworker = signed_in_as("caseworker")
    first = start(caseworker, TRN, EDIT)
    for value in ("999999", str(theirs.id), "-1", "x" * 10_000):
        page = caseworker.post_page(first, {"period_id": value})
        assert error_messages(page) == {"period_id": "Select the induction period"}
    assert db.get(InductionPeriod, period.id).started_on == date(2025, 9, 1)


def test_choosing_another_period_forgets_the_first_ones_answers(
    signed_in_as, teacher, appropriate_body, db
):
    earlier = add_period(db, teacher, appropriate_body.id, "2024-09-02", "2025-07-18", "3")
    later = add_period(db, teacher, appropriate_body.id, "2025-09-01")
    caseworker = signed_in_as("caseworker")
    first = start(caseworker, TRN, EDIT)
    details = answer(caseworker, first, {"period_id": str(earlier.id)})
    answer(caseworker, details, _details(appropriate_body.id, "2024-09-02", "2025-07-21", "3"))
    answer(caseworker, first, {"period_id": str(later.id)})
    page = caseworker.get(details)
    assert [i["value"] for i in page.select("#started_on input")] == ["01", "09", "2025"]


# -- deleting a period ---------------------------------------------------------------------------

DELETE = "delete-induction-period"


@pytest.mark.parametrize(
    ("note", "ticket", "kept"),
    [
        ("Added twice by mistake", "", "Added twice by mistake"),
        ("", "123456", "Support ticket 123456"),
        ("Duplicate", "654321", "Support ticket 654321. Duplicate"),
    ],
)
def test_delete_a_period_with_a_note_or_ticket(
    signed_in_as, teacher, appropriate_body, db, note, ticket, kept
):
    add_period(db, teacher, appropriate_body.id, "2024-09-02", "2025-07-18", "3")
    doomed = add_period(db, teacher, appropriate_body.id, "2025-09-01")
    caseworker = signed_in_as("caseworker")
    check = walk(
        caseworker,
        TRN,
        DELETE,
        {"period_id": str(doomed.id), "note": note, "support_ticket": ticket},
    )
    page = caseworker.get(check)
    assert (
        page.select_one(".govuk-button--warning").get_text(strip=True) == "Delete induction period"
    )
    confirm(caseworker, check)
    assert [p.started_on for p in db.scalars(select(InductionPeriod))] == [date(2024, 9, 2)]
    event = last_event(db)
    assert (event.note, event.rule_id) == (kept, "CPD-DELETE-PERIOD-ALLOWED")
    assert outbox_for(db, event).status == "InProgress"


def test_deleting_the_last_period_sends_required_to_complete(
    signed_in_as, teacher, appropriate_body, db
):
    only = add_period(db, teacher, appropriate_body.id, "2025-09-01")
    caseworker = signed_in_as("caseworker")
    confirm(
        caseworker,
        walk(caseworker, TRN, DELETE, {"period_id": str(only.id), "note": "Wrong teacher"}),
    )
    entry = outbox_for(db, last_event(db))
    assert (entry.status, entry.start_date, entry.completed_date) == (
        "RequiredToComplete",
        None,
        None,
    )


@pytest.mark.parametrize(
    ("data", "errors"),
    [
        ({"note": "", "support_ticket": ""}, {"note": "Enter a note or a support ticket number"}),
        ({"support_ticket": "12345"}, {"support_ticket": "Support ticket number must be 6 digits, like 123456"}),
        ({"support_ticket": "1234567"}, {"support_ticket": "Support ticket number must be 6 digits, like 123456"}),
        ({"note": "n" * 1001}, {"note": "Note must be 1,000 characters or fewer"}),
        ({"note": "n" * 10_000, "support_ticket": "x" * 10_000}, {
            "note": "Note must be 1,000 characters or fewer",
            "support_ticket": "Support ticket number must be 6 digits, like 123456",
        }),
    ],
)  # fmt: skip
def test_a_delete_needs_a_note_or_a_ticket(
    signed_in_as, teacher, appropriate_body, db, data, errors
):
    period = add_period(db, teacher, appropriate_body.id, "2025-09-01")
    caseworker = signed_in_as("caseworker")
    page = caseworker.post_page(
        start(caseworker, TRN, DELETE), {"period_id": str(period.id), **data}
    )
    assert error_messages(page) == errors
    assert counts(db)["induction_periods"] == 1


def test_the_outcome_period_cannot_be_deleted(signed_in_as, teacher, appropriate_body, db):
    add_period(db, teacher, appropriate_body.id, "2023-09-04", "2024-07-19", "3")
    outcome = add_period(db, teacher, appropriate_body.id, "2024-09-02", "2026-07-17", "3", "pass")
    caseworker = signed_in_as("caseworker")
    page = caseworker.post_page(
        start(caseworker, TRN, DELETE), {"period_id": str(outcome.id), "note": "Oops"}
    )
    assert error_messages(page) == {
        "period_id": "This period carries the induction's outcome: a pass on 17 July 2026. Reopen the outcome first."
    }
    assert counts(db)["induction_periods"] == 2
    assert db.scalars(select(Event)).all() == []


def test_a_confirm_post_the_rules_now_refuse_for_an_answer_is_a_403(
    signed_in_as, teacher, appropriate_body, db
):
    caseworker = signed_in_as("caseworker")
    check = walk(caseworker, TRN, ADD, *_add_pages(appropriate_body.id, "2025-09-01"))
    add_period(db, teacher, appropriate_body.id, "2025-01-06", "2025-12-19", "3")  # no version bump
    page = caseworker.get(check)  # on the page, the refusal is an error on the field
    assert error_messages(page) == {
        "started_on": "Start date must not overlap another induction period"
    }
    refused = check_page(confirm(caseworker, check, expected=403))
    assert (
        "The period would overlap the period from 6 January 2025 to 19 December 2025."
        in refused.text
    )
    assert counts(db)["induction_periods"] == 1


def test_two_caseworkers_changing_one_period(signed_in_as, teacher, appropriate_body, db):
    add_period(db, teacher, appropriate_body.id, "2024-09-02", "2025-07-18", "3")
    checks = []
    for person in (signed_in_as("caseworker"), signed_in_as("senior_caseworker")):
        details = start(person, TRN, EDIT)  # the one period, chosen without asking
        checks.append(
            (
                person,
                answer(
                    person,
                    details,
                    _details(appropriate_body.id, "2024-09-02", "2025-07-18", "3.5"),
                ),
            )
        )
    confirm(*checks[0])
    page = check_page(confirm(*checks[1], expected=409))
    assert page.h1.get_text(strip=True) == "This record changed while you were editing it"
    assert "2 September 2024 to 18 July 2025, 3.5 terms" in page.text
    assert page.select_one("a.govuk-button")["href"] == f"/teachers/{TRN}/{EDIT}"
    assert counts(db)["events"] == 1


def test_the_support_ticket_format_is_in_its_hint(signed_in_as, teacher, appropriate_body, db):
    """The format was revealed only by the error after a wrong guess."""
    add_period(db, teacher, appropriate_body.id, "2025-09-01")
    caseworker = signed_in_as("caseworker")
    page = caseworker.get(start(caseworker, TRN, DELETE))
    assert page.select_one("#support_ticket-hint").get_text(strip=True) == "6 digits, like 123456"


# -- the one period there is to choose ----------------------------------------------------------


def test_a_teachers_one_period_is_chosen_without_asking(
    signed_in_as, teacher, appropriate_body, db
):
    only = add_period(db, teacher, appropriate_body.id, "2024-09-02", "2025-07-18", "3")
    caseworker = signed_in_as("caseworker")
    details = start(caseworker, TRN, EDIT)
    assert details.endswith(f"/{EDIT}/details")
    page = caseworker.get(details)
    assert page.select("input[name=period_id]") == []
    assert page.select_one(".govuk-back-link")["href"] == f"/teachers/{TRN}"
    assert [i["value"] for i in page.select("#started_on input")] == ["02", "09", "2024"]
    check = answer(
        caseworker, details, _details(appropriate_body.id, "2024-09-02", "2025-07-21", "3")
    )
    rows = caseworker.get(check).select(".govuk-summary-list__row")
    period_row = next(r for r in rows if r.dt.get_text(strip=True) == "Induction period")
    assert period_row.select(".govuk-summary-list__actions a") == []  # nothing to change it to
    assert any(r.select(".govuk-summary-list__actions a") for r in rows)
    assert caseworker.get(f"/teachers/{TRN}/{EDIT}/period", _expected_status=302)
    confirm(caseworker, check)
    db.expire_all()
    assert db.get(InductionPeriod, only.id).finished_on == date(2025, 7, 21)

    first = start(caseworker, TRN, DELETE)
    page = caseworker.get(first)
    assert page.select("input[name=period_id]") == []
    assert "You are deleting the induction period with Alpha Teaching School Hub" in page.text
    check = answer(caseworker, first, {"note": "Wrong teacher"})
    rows = caseworker.get(check).select(".govuk-summary-list__row")
    assert rows[0].dd.get_text(strip=True).startswith("Alpha Teaching School Hub")
    assert rows[0].select(".govuk-summary-list__actions a") == []
    confirm(caseworker, check)
    assert db.scalars(select(InductionPeriod)).all() == []
    assert last_event(db).note == "Wrong teacher"


def test_a_teacher_with_two_periods_is_asked_which(signed_in_as, teacher, appropriate_body, db):
    earlier = add_period(db, teacher, appropriate_body.id, "2024-09-02", "2025-07-18", "3")
    later = add_period(db, teacher, appropriate_body.id, "2025-09-01")
    caseworker = signed_in_as("caseworker")
    for journey in (EDIT, DELETE):
        first = start(caseworker, TRN, journey)
        assert first.endswith(f"/{journey}/period")
        values = [i["value"] for i in caseworker.get(first).select("input[name=period_id]")]
        assert values == [str(earlier.id), str(later.id)]
    check = answer(caseworker, first, {"period_id": str(later.id), "note": "Added twice"})
    rows = caseworker.get(check).select(".govuk-summary-list__row")
    assert rows[0].select_one(".govuk-summary-list__actions a")["href"].endswith("/period")
    confirm(caseworker, check)
    assert [p.id for p in db.scalars(select(InductionPeriod))] == [earlier.id]


def test_a_refusal_of_the_one_period_is_a_403_with_the_reason(
    signed_in_as, teacher, appropriate_body, db
):
    """No answer chose the period, so its refusal is not an error on a question never shown."""
    add_period(db, teacher, appropriate_body.id, "2024-09-02", "2026-07-17", "3", "pass")
    caseworker = signed_in_as("caseworker")
    page = caseworker.get(f"/teachers/{TRN}/{DELETE}", _expected_status=403)
    assert "This period carries the induction's outcome" in page.text
    assert counts(db)["induction_periods"] == 1
