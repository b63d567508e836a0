"""Adding, changing and deleting extensions (all answered by the `add_extension` rule)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.models import Extension
from tests.support.journeys import (
    add_extension,
    add_period,
    answer,
    confirm,
    counts,
    error_messages,
    last_event,
    outbox_for,
    start,
    walk,
)

TRN = "2300001"


@pytest.fixture
def teacher(add_teacher, db, appropriate_body):
    teacher = add_teacher(TRN, induction={"status": "InProgress", "startDate": "2024-09-02"})
    add_period(db, teacher, appropriate_body.id, "2024-09-02")
    return teacher


def _terms(db) -> list[Decimal]:
    db.expire_all()
    return [e.number_of_terms for e in db.scalars(select(Extension).order_by(Extension.id))]


def test_add_an_extension(signed_in_as, teacher, db):
    caseworker = signed_in_as("caseworker")
    record = caseworker.get(f"/teachers/{TRN}")
    assert record.find("a", string="Add an extension")
    assert not record.find("a", string="Change an extension")  # none to change yet
    check = walk(caseworker, TRN, "add-extension", {"number_of_terms": "1.5"})
    confirm(caseworker, check)
    assert _terms(db) == [Decimal("1.5")]
    event = last_event(db)
    assert (event.summary, event.rule_id) == (
        "Extension of 1.5 terms added",
        "CPD-EXTENSION-ALLOWED",
    )
    entry = outbox_for(db, event)
    assert (entry.status, entry.start_date) == ("InProgress", date(2024, 9, 2))


@pytest.mark.parametrize(
    ("terms", "message"),
    [
        ("", "Enter the number of terms"),
        ("0", "Number of terms must be between 0.1 and 16"),
        ("16.1", "Number of terms must be between 0.1 and 16"),
        ("0.05", "Number of terms must be between 0.1 and 16"),
        ("1.25", "Number of terms can have no more than one decimal place"),
        ("one", "Number of terms must be a number, like 3 or 4.5"),
        ("9" * 10_000, "Number of terms must be a number, like 3 or 4.5"),
    ],
)
def test_extension_terms_errors(signed_in_as, teacher, db, terms, message):
    caseworker = signed_in_as("caseworker")
    page = caseworker.post_page(start(caseworker, TRN, "add-extension"), {"number_of_terms": terms})
    assert error_messages(page) == {"number_of_terms": message}
    assert _terms(db) == []


def test_change_an_extension(signed_in_as, teacher, db, clock):
    add_extension(db, teacher, "1", clock.now())
    second = add_extension(db, teacher, "2", clock.now())
    caseworker = signed_in_as("caseworker")
    first = start(caseworker, TRN, "change-extension")
    labels = [
        label.get_text(strip=True) for label in caseworker.get(first).select(".govuk-radios__label")
    ]
    assert labels == ["1 term, added on 2 November 2026", "2 terms, added on 2 November 2026"]
    terms = answer(caseworker, first, {"extension_id": str(second.id)})
    assert caseworker.get(terms).select_one("#number_of_terms")["value"] == "2"
    check = answer(caseworker, terms, {"number_of_terms": "2.5"})
    confirm(caseworker, check)
    assert _terms(db) == [Decimal("1"), Decimal("2.5")]
    event = last_event(db)
    assert event.summary == "Extension changed from 2 terms to 2.5 terms"
    assert outbox_for(db, event).status == "InProgress"


def test_delete_an_extension(signed_in_as, teacher, db, clock):
    doomed = add_extension(db, teacher, "1", clock.now())
    caseworker = signed_in_as("caseworker")
    check = walk(caseworker, TRN, "delete-extension", {"extension_id": str(doomed.id)})
    assert caseworker.get(check).select_one(".govuk-button--warning")
    confirm(caseworker, check)
    assert _terms(db) == []
    assert last_event(db).summary == "Extension of 1 term deleted"


def test_unknown_or_another_teachers_extension_is_an_error(
    signed_in_as, teacher, db, clock, add_teacher
):
    add_extension(db, teacher, "1", clock.now())
    stranger = add_teacher("2300009")
    theirs = add_extension(db, stranger, "3", clock.now())
    caseworker = signed_in_as("caseworker")
    first = start(caseworker, TRN, "delete-extension")
    for value in (str(theirs.id), "0", "abc", ""):
        page = caseworker.post_page(first, {"extension_id": value})
        assert error_messages(page) == {"extension_id": "Select the extension"}
    assert len(_terms(db)) == 2


def test_without_extensions_change_and_delete_are_not_found(signed_in_as, teacher):
    caseworker = signed_in_as("caseworker")
    caseworker.get(f"/teachers/{TRN}/change-extension", _expected_status=404)
    caseworker.get(f"/teachers/{TRN}/delete-extension", _expected_status=404)


@pytest.mark.parametrize(
    ("outcome", "reason"),
    [
        ("pass", "A passed induction cannot be extended."),
        ("fail", "An extension after a fail comes from an appeal decision."),
    ],
)
def test_extensions_after_an_outcome_are_forbidden(
    signed_in_as, teacher, db, clock, appropriate_body, outcome, reason
):
    extension = add_extension(db, teacher, "1", clock.now())
    caseworker = signed_in_as("caseworker")
    checks = {
        "add-extension": walk(caseworker, TRN, "add-extension", {"number_of_terms": "1"}),
        "delete-extension": walk(
            caseworker, TRN, "delete-extension", {"extension_id": str(extension.id)}
        ),
    }
    period = teacher.induction_periods[0]
    period.finished_on, period.number_of_terms = date(2026, 7, 17), Decimal("6")
    period.outcome, period.outcome_on, period.outcome_recorded_at = (
        outcome,
        date(2026, 7, 17),
        clock.now(),
    )
    db.commit()
    before = counts(db)
    for check in checks.values():
        assert reason in confirm(caseworker, check, expected=403).get_data(as_text=True)
    for journey in ("add-extension", "change-extension", "delete-extension"):
        assert reason in caseworker.get(f"/teachers/{TRN}/{journey}", _expected_status=403).text
    assert counts(db) == before
