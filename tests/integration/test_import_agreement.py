"""The import judges a teacher by agreement with TRS; imported outcomes and appeals then follow
the windows the rules promise. Real files, the real command, the TRS sandbox, both databases."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import NamedTuple

import pytest
from sqlalchemy import select

from app.importing import ALL_COLUMNS, read_import_file
from app.importing.judging import outcome_dates_problem
from app.models import Appeal, Event, InductionPeriod, OutboxEntry, Teacher
from tests.conftest import TODAY
from tests.integration.test_import import read_report, row_counts, run_import
from tests.support.import_files import period, write_import_file
from tests.support.journeys import confirm, last_event, parts, walk

FAILED_ON = "2026-10-26"  # a Monday, a week before the tests' today (Monday 2 November 2026)
FAILED_IN_TRS = {"status": "Failed", "startDate": "2024-09-02", "completedDate": FAILED_ON}
PASSED_ON = "2026-07-17"
PASSED_IN_TRS = {"status": "Passed", "startDate": "2023-09-01", "completedDate": PASSED_ON}


def failed(trn: str, **optional: str) -> dict[str, str]:
    return period(trn, "2024-09-02", FAILED_ON, terms="6", outcome="fail", outcome_date=FAILED_ON,
                  **optional)  # fmt: skip


def passed(trn: str) -> dict[str, str]:
    return period(trn, "2023-09-01", PASSED_ON, terms="6", outcome="pass", outcome_date=PASSED_ON)


def write(tmp_path: Path, rows: list[dict[str, str]], name: str = "inductions.csv") -> Path:
    return write_import_file(tmp_path / name, rows, columns=ALL_COLUMNS)


class Case(NamedTuple):
    """One row of the agreement table: what TRS holds, what the file has, what the import does."""

    trn: str
    trs: dict | str  # the sandbox's induction, or "absent", "deactivated", "no QTS", "exempt"
    rows: list[dict[str, str]]
    result: str
    rule_id: str
    sent: tuple[str, date, date | None] | None = None  # the outbox row of an imported teacher


AGREEMENT = [
    # Same status and dates: imported.
    Case("3100001", FAILED_IN_TRS, [failed("3100001")], "imported", "IMPORT-AGREES-WITH-TRS",
         ("Failed", date(2024, 9, 2), date(2026, 10, 26))),
    Case("3100002", PASSED_IN_TRS, [passed("3100002")], "imported", "IMPORT-AGREES-WITH-TRS",
         ("Passed", date(2023, 9, 1), date(2026, 7, 17))),
    Case("3100003", {"status": "InProgress", "startDate": "2025-09-01"},
         [period("3100003", "2025-09-01")], "imported", "IMPORT-AGREES-WITH-TRS",
         ("InProgress", date(2025, 9, 1), None)),
    # TRS not started: imported, and CPD's status is sent.
    Case("3100004", {"status": "RequiredToComplete"}, [period("3100004", "2025-09-01")],
         "imported", "IMPORT-TRS-NOT-STARTED", ("InProgress", date(2025, 9, 1), None)),
    Case("3100005", {"status": "None"}, [passed("3100005")], "imported", "IMPORT-TRS-NOT-STARTED",
         ("Passed", date(2023, 9, 1), date(2026, 7, 17))),
    Case("3100006", {"status": "RequiredToComplete"}, [failed("3100006")], "imported",
         "IMPORT-TRS-NOT-STARTED", ("Failed", date(2024, 9, 2), date(2026, 10, 26))),
    # TRS in progress and an ongoing period in the file: imported (CPD's start is sent).
    Case("3100007", {"status": "InProgress", "startDate": "2024-09-01"},
         [period("3100007", "2024-09-02", "2025-07-18", terms="3"), period("3100007", "2025-09-01")],
         "imported", "IMPORT-TRS-IN-PROGRESS-FILE-ONGOING", ("InProgress", date(2024, 9, 2), None)),
    # Anything else: a conflict naming both sides.
    Case("3100011", PASSED_IN_TRS, [period("3100011", "2025-09-01")], "conflict",
         "IMPORT-DISAGREES-WITH-TRS"),
    Case("3100012", {**FAILED_IN_TRS, "completedDate": "2026-10-20"}, [failed("3100012")],
         "conflict", "IMPORT-DISAGREES-WITH-TRS"),
    Case("3100013", {"status": "InProgress", "startDate": "2024-09-02"}, [failed("3100013")],
         "conflict", "IMPORT-DISAGREES-WITH-TRS"),
    Case("3100014", "exempt", [period("3100014", "2025-09-01")], "conflict", "CPD-P3-EXEMPT"),
    Case("3100015", {"status": "FailedInWales"}, [period("3100015", "2025-09-01")], "conflict",
         "CPD-P2-FAILED-IN-WALES"),
    Case("3100016", "no QTS", [period("3100016", "2025-09-01")], "conflict", "IMPORT-NO-QTS"),
    Case("3100017", "absent", [period("3100017", "2025-09-01")], "conflict",
         "CPD-P1-NO-ACTIVE-TRS-RECORD"),
    Case("3100018", "deactivated", [period("3100018", "2025-09-01")], "conflict",
         "CPD-P1-NO-ACTIVE-TRS-RECORD"),
]  # fmt: skip


def arrange(sandbox_admin, case: Case) -> None:
    if case.trs == "absent":
        return
    if case.trs == "no QTS":
        sandbox_admin.create_person(case.trn, qtsDate=None)
    elif case.trs == "exempt":
        reason = sandbox_admin.exemption_reasons()[0]["inductionExemptionReasonId"]
        induction = {"status": "Exempt", "exemptionReasonIds": [reason]}
        sandbox_admin.create_person(case.trn, induction=induction)
    else:
        sandbox_admin.create_person(
            case.trn, induction=None if case.trs == "deactivated" else case.trs
        )
    if case.trs == "deactivated":
        sandbox_admin.deactivate(case.trn)


def test_each_row_of_the_agreement_table_and_a_rerun_that_changes_nothing(
    app, db, sandbox_admin, appropriate_body, tmp_path
):
    for case in AGREEMENT:
        arrange(sandbox_admin, case)
    file = write(tmp_path, [row for case in AGREEMENT for row in case.rows])
    report = tmp_path / "report.csv"

    result = run_import(app, file, "--report", report)

    assert result.exit_code == 3, result.output  # the conflicts are for a person to settle
    events = {e.trn: e.rule_id for e in db.scalars(select(Event))}
    entries = {e["trn"]: e for e in read_report(report)}
    judged = {
        case.trn: ("imported", events[case.trn]) if case.trn in events
        else (entries[case.trn]["result"], entries[case.trn]["rule_id"])
        for case in AGREEMENT
    }  # fmt: skip
    assert judged == {case.trn: (case.result, case.rule_id) for case in AGREEMENT}
    sent = {
        o.trn: (o.status, o.start_date, o.completed_date) for o in db.scalars(select(OutboxEntry))
    }
    assert sent == {case.trn: case.sent for case in AGREEMENT if case.result == "imported"}
    assert "TRS was behind; CPD's status sent to TRS: 4 teachers." in result.stdout
    assert entries["3100004"]["reason"] == (
        "TRS shows Required to complete; the file implies In progress, started on 1 September "
        "2025. TRS is behind: CPD's status is sent to TRS."
    )
    assert entries["3100012"]["reason"].startswith(
        "TRS shows Failed, started on 2 September 2024, completed on 20 October 2026, but the "
        "file implies Failed, started on 2 September 2024, completed on 26 October 2026."
    )
    assert entries["3100014"]["reason"].endswith(
        "The file has an ongoing induction period that started on 1 September 2025."
    )
    assert "3100003" not in entries  # agreed, nothing to say

    first = row_counts(db)
    again = run_import(app, file)

    assert "Imported: 0 teachers." in again.stdout
    assert "Already imported, unchanged: 7 teachers." in again.stdout
    assert row_counts(db) == first


def test_a_recent_fail_imported_is_appealed_through_the_console_inside_its_window(
    app, db, sandbox_admin, appropriate_body, signed_in_as, tmp_path
):
    sandbox_admin.create_person("3100021", induction=FAILED_IN_TRS)
    report = tmp_path / "report.csv"

    result = run_import(app, write(tmp_path, [failed("3100021")]), "--report", report)

    assert result.exit_code == 0, result.output
    [note] = read_report(report)
    assert "correction window counts from the outcome's own date, 26 October 2026" in note["reason"]
    officer = signed_in_as("appeals_officer")
    page = officer.get("/teachers/3100021")
    deadline = page.find("dt", string=lambda s: s and "Appeals must be received by" in s)
    assert deadline.find_next("dd").get_text(strip=True) == "24 November 2026"
    check = walk(officer, "3100021", "lodge-appeal", {"lodged_on": parts("2026-11-02")})
    assert confirm(officer, check).status_code == 302
    appeal = db.scalar(select(Appeal))
    assert (appeal.failed_on, appeal.lodged_on, appeal.decision) == (
        date(2026, 10, 26), date(2026, 11, 2), None
    )  # fmt: skip
    assert last_event(db).rule_id == "CPD-APPEAL-LODGE-ALLOWED"


def test_a_2019_pass_imported_cannot_be_reopened_without_manual_handling(
    app, db, sandbox_admin, appropriate_body, signed_in_as, tmp_path
):
    old = {"status": "Passed", "startDate": "2017-09-01", "completedDate": "2019-07-19"}
    sandbox_admin.create_person("3100031", qtsDate="2017-07-01", induction=old)
    sandbox_admin.create_person("3100032", induction=PASSED_IN_TRS)
    rows = [
        period("3100031", "2017-09-01", "2019-07-19", terms="6", outcome="pass",
               outcome_date="2019-07-19"),
        {**passed("3100032"), "outcome_recorded_on": "2026-10-20"},  # recorded recently in CPD
    ]  # fmt: skip

    result = run_import(app, write(tmp_path, rows))

    assert result.exit_code == 0, result.output
    assert (
        "Outcomes without outcome_recorded_on" in result.stdout and ": 1 teacher." in result.stdout
    )
    caseworker = signed_in_as("caseworker")
    assert caseworker.get_response("/teachers/3100031/reopen-outcome").status_code == 403
    page = caseworker.get("/teachers/3100031")
    assert page.find("a", href="/teachers/3100031/manual-handling/reopen_outcome")
    assert "the correction window closed on 18 August 2019" in page.text
    # The same kind of pass, recorded in CPD on 20 October: its window is open until 19 November.
    assert caseworker.get_response("/teachers/3100032/reopen-outcome").status_code == 302


def test_an_imported_appeal_in_flight_is_decided_through_the_console(
    app, db, sandbox_admin, appropriate_body, signed_in_as, tmp_path
):
    sandbox_admin.create_person("3100041", induction=FAILED_IN_TRS)
    file = write(tmp_path, [failed("3100041", appeal_lodged_on="2026-10-28")])

    assert run_import(app, file).exit_code == 0

    period_id = db.scalar(select(InductionPeriod.id).join(Teacher).where(Teacher.trn == "3100041"))
    appeal = db.scalar(select(Appeal))
    assert (appeal.induction_period_id, appeal.failed_on, appeal.lodged_on, appeal.decision) == (
        period_id, date(2026, 10, 26), date(2026, 10, 28), None
    )  # fmt: skip
    again = run_import(app, file)
    assert "Already imported, unchanged: 1 teacher." in again.stdout
    officer = signed_in_as("appeals_officer")
    page = officer.get("/teachers/3100041")
    due = page.find("dt", string=lambda s: s and "Decision due by" in s)
    assert due.find_next("dd").get_text(strip=True) == "26 April 2027"
    decision = {"decision": "dismissed", "decided_on": parts("2026-11-02")}
    check = walk(officer, "3100041", "record-appeal-decision", decision)
    assert confirm(officer, check).status_code == 302
    db.expire_all()
    assert (db.get(Appeal, appeal.id).decision, db.get(Appeal, appeal.id).decided_on) == (
        "dismissed", date(2026, 11, 2)
    )  # fmt: skip
    assert last_event(db).rule_id == "CPD-APPEAL-DECISION-ALLOWED"


# Reading the optional columns needs no database: these run once, not once per backend.


@pytest.mark.parametrize(
    ("optional", "problem"),
    [
        ({"appeal_lodged_on": "2026-10-28", "appeal_decision": "upheld",
          "appeal_decided_on": "2026-11-01"}, "appeal_decision “upheld” changed the outcome"),
        ({"appeal_decision": "dismissed", "appeal_decided_on": "2026-11-01"},
         "Enter appeal_lodged_on"),
        ({"appeal_lodged_on": "2026-10-28", "appeal_decision": "dismissed"},
         "appeal_decision and appeal_decided_on go together"),
        ({"appeal_lodged_on": "2026-10-28", "appeal_decision": "maybe",
          "appeal_decided_on": "2026-11-01"}, "must be dismissed or left blank"),
    ],
)  # fmt: skip
def test_appeal_columns_that_do_not_make_an_appeal_reject_the_row(tmp_path, optional, problem):
    parsed = read_import_file(write(tmp_path, [failed("3100051", **optional)]))

    [entry] = parsed.entries
    assert (entry.result, problem in entry.reason) == ("rejected", True), entry.reason


def test_an_appeal_or_recorded_date_without_a_fail_rejects_the_row(tmp_path):
    rows = [
        {**passed("3100061"), "appeal_lodged_on": "2026-07-20"},
        {**period("3100062", "2025-09-01"), "outcome_recorded_on": "2026-10-01"},
    ]

    parsed = read_import_file(write(tmp_path, rows))

    reasons = {e.trn: e.reason for e in parsed.entries}
    assert "The appeal columns are for a fail, and outcome is pass." in reasons["3100061"]
    assert reasons["3100062"] == "outcome_recorded_on is given but outcome is blank."


@pytest.mark.parametrize(
    ("optional", "problem"),
    [
        ({"outcome_recorded_on": "2026-10-25"},
         "The outcome_recorded_on, 25 October 2026, is before the outcome was decided."),
        ({"outcome_recorded_on": "2026-11-03"},
         "The outcome_recorded_on, 3 November 2026, is in the future."),
        ({"appeal_lodged_on": "2026-10-20"},
         "The appeal_lodged_on, 20 October 2026, is before the outcome was decided."),
        ({"appeal_lodged_on": "2026-10-28", "appeal_decision": "dismissed",
          "appeal_decided_on": "2026-10-27"},
         "The appeal_decided_on, 27 October 2026, is before it was lodged."),
    ],
)  # fmt: skip
def test_the_outcomes_dates_must_follow_one_another_and_not_be_in_the_future(
    tmp_path, optional, problem
):
    [row] = read_import_file(write(tmp_path, [failed("3100071", **optional)])).teachers["3100071"]

    assert outcome_dates_problem(row, TODAY) == problem
