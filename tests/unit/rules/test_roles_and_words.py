"""Who may ask (a gate before the rules), and the words dates and statuses are shown in."""

from __future__ import annotations

from datetime import date

import pytest

from app.rules import (
    CONSOLE_ACTIONS,
    ROLE_ACTIONS,
    long_date,
    may_decide_manual_request,
    role_may,
    status_words,
)

APPEALS = {"lodge_appeal", "record_appeal_decision"}


@pytest.mark.parametrize("action", [*CONSOLE_ACTIONS["cpd"], *CONSOLE_ACTIONS["trs"]])
def test_roles(action: str) -> None:
    casework = action in CONSOLE_ACTIONS["cpd"] and action not in APPEALS
    assert role_may("caseworker", action) is casework
    assert role_may("senior_caseworker", action) is casework
    assert role_may("appeals_officer", action) is (action in APPEALS)
    assert role_may("viewer", action) is False
    assert role_may("admin", action) is False  # accounts only, never casework
    assert role_may("intruder", action) is False


def test_role_table_names_every_role() -> None:
    from app.models.user import ROLES

    assert set(ROLE_ACTIONS) == set(ROLES)
    assert ROLE_ACTIONS["admin"] == ()


def test_manual_requests_are_decided_by_another_senior_caseworker() -> None:
    assert may_decide_manual_request("senior_caseworker", 1, 2)
    assert not may_decide_manual_request("senior_caseworker", 2, 2)
    assert not may_decide_manual_request("caseworker", 1, 2)
    assert not may_decide_manual_request("appeals_officer", 1, 2)


@pytest.mark.parametrize(
    ("day", "words"),
    [
        (date(2025, 3, 3), "3 March 2025"),
        (date(2026, 10, 6), "6 October 2026"),
        (date(1999, 9, 1), "1 September 1999"),
        (date(2027, 12, 31), "31 December 2027"),
    ],
)
def test_long_date(day: date, words: str) -> None:
    assert long_date(day) == words


@pytest.mark.parametrize(
    ("status", "words"),
    [
        ("None", "No induction status"),
        ("RequiredToComplete", "Required to complete"),
        ("InProgress", "In progress"),
        ("Passed", "Passed"),
        ("Failed", "Failed"),
        ("FailedInWales", "Failed in Wales"),
        ("Exempt", "Exempt"),
    ],
)
def test_status_words(status: str, words: str) -> None:
    assert status_words(status) == words


def test_exempt_with_reasons() -> None:
    assert (
        status_words("Exempt", ["They qualified before 07 May 2000"])
        == "Exempt: qualified before 7 May 2000"
    )
    assert (
        status_words("Exempt", ["They passed induction in Wales", "Overseas Trained Teacher"])
        == "Exempt: passed induction in Wales; Overseas Trained Teacher"
    )
