"""The `/_sandbox/` area: acting as the TRS console, bulk set-up, reset."""

from __future__ import annotations

import csv
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from app.demo import PASSED_IN_WALES, QUALIFIED_BEFORE_MAY_2000
from app.trs.errors import TrsNotFound
from tests.support.sandbox import SandboxAdminError

T0 = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
REASONS_CSV = Path(__file__).resolve().parents[2] / "app" / "data" / "trs-exemption-reasons.csv"


def test_health(sandbox_admin):
    assert sandbox_admin.health() == {"status": "ok"}


def test_reset_clears_persons_the_put_log_and_faults_then_reseeds(sandbox_admin, trs_client):
    seeded = len(sandbox_admin.persons())
    sandbox_admin.create_person("4000001")
    trs_client().put_cpd_induction("4000001", "RequiredToComplete", None, None, T0)
    sandbox_admin.faults(500, share=1.0)

    assert sandbox_admin.reset() == seeded

    trns = {p["trn"] for p in sandbox_admin.persons()}
    assert "4000001" not in trns and "1000001" in trns
    assert sandbox_admin.cpd_requests() == []
    assert sandbox_admin.list_faults() == []


def test_reset_without_seed_leaves_it_empty(sandbox_admin, trs_client):
    assert sandbox_admin.reset(seed=False) == 0
    assert sandbox_admin.persons() == []
    with pytest.raises(TrsNotFound):
        trs_client().get_person("1000001")


def test_reset_can_date_the_demo_teachers_from_a_given_day(sandbox_admin):
    sandbox_admin.reset(today=date(2030, 1, 15))
    # 1000009 gained QTS 120 days before "today"
    assert sandbox_admin.person("1000009")["qtsDate"] == "2029-09-17"


def test_the_persons_list_carries_what_bulk_checks_need(sandbox_admin, trs_client):
    sandbox_admin.create_person("4000002")
    trs_client().put_cpd_induction("4000002", "InProgress", date(2025, 9, 1), None, T0)

    [person] = [p for p in sandbox_admin.persons() if p["trn"] == "4000002"]

    assert person["status"] == "InProgress"
    assert person["startDate"] == "2025-09-01"
    assert person["completedDate"] is None
    assert person["lastModifiedOn"] == "2026-03-02T09:30:00.000Z"
    assert person["cpdStatus"] == "InProgress"
    assert person["trsStatus"] == "RequiredToComplete"


def test_bulk_create(sandbox_admin, trs_client):
    persons = [
        {
            "trn": f"5{i:06d}",
            "firstName": "Bulk",
            "lastName": f"Teacher {i}",
            "dateOfBirth": "1990-01-01",
            "qtsDate": "2020-07-01",
            "induction": {"status": "InProgress", "startDate": "2020-09-01"},
        }
        for i in range(2000)
    ]
    assert sandbox_admin.create_persons(persons) == 2000
    assert trs_client().get_person("5001999").last_name == "Teacher 1999"
    assert len(sandbox_admin.persons()) >= 2000


def test_bulk_create_refuses_a_taken_trn_and_adds_none(sandbox_admin):
    before = len(sandbox_admin.persons())
    response = sandbox_admin.http.post(
        "/_sandbox/persons/bulk",
        json=[
            {"trn": "4000010", "firstName": "A", "lastName": "B", "dateOfBirth": "1990-01-01"},
            {"trn": "1000001", "firstName": "A", "lastName": "B", "dateOfBirth": "1990-01-01"},
        ],
    )
    assert response.status_code == 409
    assert len(sandbox_admin.persons()) == before


def test_a_new_person_gets_a_default_induction_from_their_qts(sandbox_admin):
    assert sandbox_admin.create_person("4000003")["status"] == "RequiredToComplete"
    assert sandbox_admin.create_person("4000004", qtsDate=None)["status"] == "None"


def test_creating_a_taken_trn_is_409(sandbox_admin):
    with pytest.raises(SandboxAdminError, match="409"):
        sandbox_admin.create_person("1000001")


@pytest.mark.parametrize(
    "fields",
    [
        {"trn": "123"},
        {"firstName": ""},
        {"dateOfBirth": "1 Jan 1990"},
        {"qtsDate": "2020-02-30"},
        {"induction": {"status": "Finished"}},
        {"induction": {"status": "Exempt"}},
        {"induction": {"status": "Exempt", "exemptionReasonIds": ["not-a-reason"]}},
        {"induction": {"status": "InProgress", "exemptionReasonIds": [PASSED_IN_WALES]}},
    ],
)
def test_a_person_that_makes_no_sense_is_refused(sandbox_admin, fields):
    body = {
        "trn": "4000005",
        "firstName": "A",
        "lastName": "B",
        "dateOfBirth": "1990-01-01",
        **fields,
    }
    response = sandbox_admin.http.post("/_sandbox/persons", json=body)
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/problem+json")


def test_the_trs_console_can_set_any_status_and_dates(sandbox_admin, trs_client):
    sandbox_admin.create_person("4000006")
    sandbox_admin.set_induction("4000006", "FailedInWales", "2019-09-01", "2021-07-01")
    induction = trs_client().get_person("4000006").induction
    assert (induction.status, induction.start_date, induction.completed_date) == (
        "FailedInWales",
        date(2019, 9, 1),
        date(2021, 7, 1),
    )


def test_the_trs_console_sets_exempt_with_several_reasons(sandbox_admin, trs_client):
    sandbox_admin.create_person("4000007")
    sandbox_admin.set_induction(
        "4000007", "Exempt", exemption_reason_ids=[QUALIFIED_BEFORE_MAY_2000, PASSED_IN_WALES]
    )
    reasons = trs_client().get_person("4000007").induction.exemption_reasons
    assert [r.id for r in reasons] == [QUALIFIED_BEFORE_MAY_2000, PASSED_IN_WALES]


def test_the_trs_console_may_not_use_an_unknown_reason(sandbox_admin):
    sandbox_admin.create_person("4000008")
    with pytest.raises(SandboxAdminError, match="400"):
        sandbox_admin.set_induction("4000008", "Exempt", exemption_reason_ids=["nope"])
    assert sandbox_admin.person("4000008")["status"] == "RequiredToComplete"


def test_changing_someone_unknown_is_404(sandbox_admin):
    with pytest.raises(SandboxAdminError, match="404"):
        sandbox_admin.set_induction("4999999", "None")
    with pytest.raises(SandboxAdminError, match="404"):
        sandbox_admin.deactivate("4999999")
    with pytest.raises(SandboxAdminError, match="404"):
        sandbox_admin.merge("1000001", into="4999999")


def test_a_record_cannot_be_merged_into_itself(sandbox_admin):
    with pytest.raises(SandboxAdminError, match="400"):
        sandbox_admin.merge("1000001", into="1000001")


def test_exemption_reasons_are_trs_own(sandbox_admin):
    with REASONS_CSV.open(newline="", encoding="utf-8") as handle:
        expected = [
            {"inductionExemptionReasonId": r["inductionExemptionReasonId"], "name": r["name"]}
            for r in csv.DictReader(handle)
        ]
    assert sandbox_admin.exemption_reasons() == expected
    assert len(expected) > 10
