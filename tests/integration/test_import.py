"""`flask import-inductions`: real files, the real command, the TRS sandbox and both databases."""

from __future__ import annotations

import csv
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app import importing
from app.clock import LONDON
from app.importing import judging, trs_lookup, writing
from app.models import AppropriateBody, Event, InductionPeriod, OutboxEntry, Teacher
from app.rules import TeacherRecord
from app.trs.client import TrsClient
from app.trs.outbox import Backoff
from tests.conftest import TODAY
from tests.support.import_files import BODY, period, write_import_file

TABLES = (Teacher, InductionPeriod, Event, OutboxEntry, AppropriateBody)


def run_import(app, *args):
    return app.test_cli_runner().invoke(args=["import-inductions", *map(str, args)])


def read_report(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as report:
        return list(csv.DictReader(report))


def row_counts(db) -> dict[str, int]:
    db.expire_all()
    return {m.__tablename__: db.scalar(select(func.count()).select_from(m)) for m in TABLES}


def to_act_on(entries: list[dict[str, str]]) -> list[dict[str, str]]:
    """The report's entries without the notes on imported teachers."""
    return [e for e in entries if e["result"] != "imported"]


def imported_trns(db) -> set[str]:
    return set(db.scalars(select(Teacher.trn)))


@pytest.fixture
def person(sandbox_admin):
    """Creates a teacher in the TRS sandbox: QTS on 1 July 2020 unless told otherwise."""
    return sandbox_admin.create_person


@pytest.fixture
def merged_3000011(person, sandbox_admin) -> None:
    """TRS merged 3000011 into 3000010, the TRN it retains."""
    person("3000010")
    person("3000011")
    sandbox_admin.merge("3000011", into="3000010")


@pytest.fixture
def mixed_file(tmp_path, person, appropriate_body) -> Path:
    """Two good teachers and, one kind each, the rows and teachers the import must refuse."""
    for trn in ("3000001", "3000002", "3000003", "3000006", "3000007", "3000008"):
        person(trn)
    person("3000005", qtsDate=None)
    rows = [
        period("3000001", "2024-09-01", "2025-07-20", terms="3", programme="school_led"),
        period("3000002", "2023-09-01", "2025-07-18", terms="6", outcome="pass",
               outcome_date="2025-07-18"),
        period("3000003", "2024-09-01", "2025-07-20", terms="3"),
        period("3000003", "2025-09-01", "2026-02-30"),  # not a real date
        period("123456", "2024-09-01"),  # a spreadsheet dropped the leading zero
        period("3000004", "2024-09-01"),  # not in TRS
        period("3000005", "2024-09-01"),  # no QTS
        period("3000006", "2019-09-02"),  # before QTS
        period("3000007", "2024-09-01", "2025-07-20", terms="3"),
        period("3000007", "2025-03-01"),  # overlaps the period above
        period("3000008", "2024-09-01", body="Omega Appropriate Body"),  # unknown body
        period("3000001", "2025-09-01"),  # the file is not sorted by teacher
    ]  # fmt: skip
    return write_import_file(tmp_path / "inductions.csv", rows)


def test_a_mixed_file_imports_the_good_teachers_and_reports_the_rest(app, db, mixed_file, tmp_path):
    report = tmp_path / "report.csv"

    result = run_import(app, mixed_file, "--report", report)

    assert result.exit_code == 3, result.output
    assert imported_trns(db) == {"3000001", "3000002"}
    assert "Imported: 2 teachers." in result.stdout
    assert "Rejected rows: 7 (4 teachers not imported)." in result.stdout
    assert "Conflicts with TRS; not imported: 2 teachers." in result.stdout
    entries = {(e["line"], e["trn"]): e for e in read_report(report)}
    assert {k: e["result"] for k, e in entries.items() if e["result"] != "rejected"} == {
        ("2", "3000001"): "imported",  # TRS was behind: the report says so
        ("3", "3000002"): "imported",
        ("7", "3000004"): "conflict",
        ("8", "3000005"): "conflict",
    }
    assert "it may be 0123456" in entries[("6", "123456")]["reason"]
    assert "“2026-02-30” is not a real date" in entries[("5", "3000003")]["reason"]
    assert "line 5 was rejected" in entries[("4", "3000003")]["reason"]
    assert entries[("7", "3000004")]["rule_id"] == "CPD-P1-NO-ACTIVE-TRS-RECORD"
    assert "TRS has no record with this TRN" in entries[("7", "3000004")]["reason"]
    assert (
        "The file has an ongoing induction period that started on 1 September 2024"
        in (entries[("7", "3000004")]["reason"])
    )
    assert entries[("8", "3000005")]["rule_id"] == "IMPORT-NO-QTS"
    assert entries[("9", "3000006")]["rule_id"] == "CPD-PERIOD-START-BEFORE-QTS"
    assert "before the teacher's QTS date, 1 July 2020" in entries[("9", "3000006")]["reason"]
    assert entries[("11", "3000007")]["rule_id"] == "CPD-PERIOD-OVERLAP"
    assert "line 11 was rejected" in entries[("10", "3000007")]["reason"]
    assert "--create-appropriate-bodies" in entries[("12", "3000008")]["reason"]
    periods = db.scalars(
        select(InductionPeriod).join(Teacher).where(Teacher.trn == "3000001")
    ).all()
    assert [
        (p.started_on, p.finished_on, p.training_programme, p.number_of_terms) for p in periods
    ] == [
        (date(2024, 9, 1), date(2025, 7, 20), "school_led", Decimal("3.0")),
        (date(2025, 9, 1), None, "provider_led", None),
    ]


def test_a_dry_run_writes_nothing_but_reports_everything(app, db, mixed_file, tmp_path):
    before = row_counts(db)
    report = tmp_path / "report.csv"

    result = run_import(
        app, mixed_file, "--dry-run", "--create-appropriate-bodies", "--report", report
    )

    assert result.exit_code == 3, result.output
    assert row_counts(db) == before
    assert before["teachers"] == 0 and before["appropriate_bodies"] == 1
    assert "Dry run: nothing was written to the database." in result.stdout
    assert "Would import: 3 teachers." in result.stdout  # with the body it would create
    assert "Appropriate bodies would be created: Omega Appropriate Body." in result.stdout
    results = [e["result"] for e in read_report(report)]
    assert (results.count("rejected"), results.count("conflict")) == (6, 2)
    assert results.count("imported") == 3  # notes: TRS was behind for each


def test_imported_teachers_get_one_import_event_and_an_outbox_row_with_the_derived_status(
    app, db, mixed_file, clock
):
    run_import(app, mixed_file)

    events = db.scalars(select(Event).order_by(Event.trn)).all()
    assert [(e.trn, e.action, e.actor_email, e.actor_role) for e in events] == [
        ("3000001", "import_inductions", "import", "system"),
        ("3000002", "import_inductions", "import", "system"),
    ]
    assert len(events[0].after["induction_periods"]) == 2
    outbox = db.scalars(select(OutboxEntry).order_by(OutboxEntry.trn)).all()
    assert [(o.trn, o.status, o.start_date, o.completed_date, o.state) for o in outbox] == [
        ("3000001", "InProgress", date(2024, 9, 1), None, "pending"),
        ("3000002", "Passed", date(2023, 9, 1), date(2025, 7, 18), "pending"),
    ]
    assert {o.event_id for o in outbox} == {e.id for e in events}
    passed = db.scalars(select(InductionPeriod).where(InductionPeriod.outcome == "pass")).one()
    # No outcome_recorded_on in the file: recorded as of the outcome's own date (a London day).
    assert passed.outcome_on == date(2025, 7, 18)
    assert passed.outcome_recorded_at.astimezone(LONDON).date() == date(2025, 7, 18)


def test_running_the_same_file_again_changes_nothing_and_says_so(
    app, db, person, appropriate_body, tmp_path
):
    person("3000001")
    person("3000002")
    file = write_import_file(
        tmp_path / "inductions.csv",
        [
            period("3000001", "2024-09-01", "2025-07-20", terms="3.5"),
            period("3000001", "2025-09-01"),
            period("3000002", "01/09/2023", "18/07/2025", terms="6", outcome="fail",
                   outcome_date="18/07/2025"),
        ],
    )  # fmt: skip
    assert run_import(app, file).exit_code == 0
    first = row_counts(db)
    versions = dict(db.execute(select(Teacher.trn, Teacher.version)).all())

    again = run_import(app, file)

    assert again.exit_code == 0, again.output
    assert "Imported: 0 teachers." in again.stdout
    assert "Already imported, unchanged: 2 teachers." in again.stdout
    assert "Nothing was changed in CPD." in again.stdout
    assert row_counts(db) == first == {
        "teachers": 2, "induction_periods": 3, "events": 2, "outbox": 2, "appropriate_bodies": 1
    }  # fmt: skip
    assert dict(db.execute(select(Teacher.trn, Teacher.version)).all()) == versions


def test_a_file_that_changes_an_imported_teacher_is_reported_not_applied(
    app, db, person, appropriate_body, tmp_path
):
    person("3000001")
    rows = [
        period("3000001", "2024-09-01", "2025-07-20", terms="3"),
        period("3000001", "2025-09-01"),
    ]
    run_import(app, write_import_file(tmp_path / "first.csv", rows))
    rows[0]["number_of_terms"] = "3.5"
    report = tmp_path / "report.csv"

    result = run_import(app, write_import_file(tmp_path / "second.csv", rows), "--report", report)

    assert result.exit_code == 3
    assert "Differs from CPD; not changed: 1 teacher." in result.stdout
    [entry] = read_report(report)
    assert (entry["line"], entry["trn"], entry["result"]) == ("2", "3000001", "differs")
    assert "number_of_terms is 3.0 in CPD but 3.5 in the file" in entry["reason"]
    assert "lines 2 and 3" in entry["reason"]
    terms = db.scalars(select(InductionPeriod.number_of_terms).order_by(InductionPeriod.started_on))
    assert list(terms) == [Decimal("3.0"), None]
    assert row_counts(db)["events"] == 1


def test_teachers_whose_trs_status_disagrees_are_conflicts_and_not_imported(
    app, db, person, sandbox_admin, appropriate_body, tmp_path
):
    reason_id = sandbox_admin.exemption_reasons()[0]["inductionExemptionReasonId"]
    person(
        "3000001",
        induction={"status": "Passed", "startDate": "2022-09-01", "completedDate": "2024-07-19"},
    )
    person("3000002", induction={"status": "Exempt", "exemptionReasonIds": [reason_id]})
    person("3000003", induction={"status": "FailedInWales"})
    person("3000004", induction={"status": "InProgress", "startDate": "2025-09-01"})
    report = tmp_path / "report.csv"
    file = write_import_file(
        tmp_path / "inductions.csv",
        [period(trn, "2025-09-01") for trn in ("3000001", "3000002", "3000003", "3000004")],
    )  # fmt: skip

    result = run_import(app, file, "--report", report)

    assert result.exit_code == 3
    assert "Conflicts with TRS; not imported: 3 teachers." in result.stdout
    assert imported_trns(db) == {"3000004"}
    entries = {e["trn"]: e for e in read_report(report)}
    assert {trn: (e["result"], e["rule_id"]) for trn, e in entries.items()} == {
        "3000001": ("conflict", "IMPORT-DISAGREES-WITH-TRS"),
        "3000002": ("conflict", "CPD-P3-EXEMPT"),
        "3000003": ("conflict", "CPD-P2-FAILED-IN-WALES"),
    }
    assert entries["3000001"]["reason"].startswith(
        "TRS shows Passed, started on 1 September 2022, completed on 19 July 2024, but the "
        "file implies In progress, started on 1 September 2025."
    )
    assert (
        "The file has an ongoing induction period that started on 1 September 2025"
        in (entries["3000003"]["reason"])
    )


def test_a_merged_trn_is_imported_under_the_retained_trn_and_reported(
    app, db, merged_3000011, appropriate_body, tmp_path
):
    report = tmp_path / "report.csv"
    file = write_import_file(tmp_path / "inductions.csv", [period("3000011", "2025-09-01")])

    result = run_import(app, file, "--report", report)

    assert result.exit_code == 0, result.output
    assert imported_trns(db) == {"3000010"}
    [entry] = to_act_on(read_report(report))
    assert (entry["trn"], entry["result"]) == ("3000011", "merged")
    assert "TRS has merged TRN 3000011 into 3000010, so the import uses 3000010" in entry["reason"]
    assert db.scalars(select(OutboxEntry.trn)).all() == ["3000010"]
    again = run_import(app, file)
    assert "Already imported, unchanged: 1 teacher." in again.stdout
    assert row_counts(db)["induction_periods"] == 1


def test_a_merged_trn_whose_retained_trn_is_also_in_the_file_is_a_conflict(
    app, db, merged_3000011, appropriate_body, tmp_path
):
    report = tmp_path / "report.csv"
    file = write_import_file(
        tmp_path / "inductions.csv",
        [period("3000011", "2024-09-01", "2025-07-20", terms="3"), period("3000010", "2025-09-01")],
    )

    result = run_import(app, file, "--report", report)

    assert result.exit_code == 3
    assert imported_trns(db) == {"3000010"}
    [entry] = to_act_on(read_report(report))
    assert (entry["trn"], entry["result"]) == ("3000011", "conflict")
    assert "The file also has rows for 3000010" in entry["reason"]
    assert row_counts(db)["induction_periods"] == 1


def test_a_bom_uk_dates_unsorted_rows_and_a_body_by_id_or_any_case_are_read(
    app, db, person, appropriate_body, tmp_path
):
    person("3000001")
    file = write_import_file(
        tmp_path / "excel.csv",
        [
            period("3000001", "1/9/2025", body=str(appropriate_body.id), programme="School-led"),
            period("3000001", "02/09/2024", "18/07/2025", terms="2.5", body=BODY.upper()),
        ],
        encoding="utf-8-sig",
    )

    result = run_import(app, file)

    assert result.exit_code == 0, result.output
    periods = db.scalars(select(InductionPeriod).order_by(InductionPeriod.started_on)).all()
    assert [
        (p.started_on, p.finished_on, p.appropriate_body_id, p.training_programme) for p in periods
    ] == [
        (date(2024, 9, 2), date(2025, 7, 18), appropriate_body.id, "provider_led"),
        (date(2025, 9, 1), None, appropriate_body.id, "school_led"),
    ]


def test_missing_bodies_are_created_once_when_asked(app, db, person, tmp_path):
    person("3000001")
    person("3000002")
    file = write_import_file(
        tmp_path / "inductions.csv",
        [
            period(trn, "2025-09-01", body="Omega  Appropriate Body")
            for trn in ("3000001", "3000002")
        ],
    )

    result = run_import(app, file, "--create-appropriate-bodies")

    assert result.exit_code == 0, result.output
    assert "Appropriate bodies created: Omega Appropriate Body." in result.stdout
    assert db.scalars(select(AppropriateBody.name)).all() == ["Omega Appropriate Body"]
    assert row_counts(db)["induction_periods"] == 2


def test_a_teacher_cpd_holds_without_periods_is_imported_onto_the_same_row(
    app, db, add_teacher, appropriate_body, tmp_path, clock
):
    teacher = add_teacher("3000001")
    clock.advance(timedelta(hours=1))
    file = write_import_file(tmp_path / "inductions.csv", [period("3000001", "2025-09-01")])

    assert run_import(app, file).exit_code == 0

    db.expire_all()
    assert db.scalars(select(Teacher.id)).all() == [teacher.id]
    assert db.get(Teacher, teacher.id).version == 2
    event = db.scalars(select(Event)).one()
    assert event.before == {"induction_periods": [], "extensions": []}


def test_a_teacher_trs_cannot_answer_for_is_left_for_the_next_run(
    app, db, person, sandbox_admin, appropriate_body, tmp_path, monkeypatch
):
    monkeypatch.setattr(trs_lookup, "RETRIES", 0)
    person("3000001")
    file = write_import_file(tmp_path / "inductions.csv", [period("3000001", "2025-09-01")])
    report = tmp_path / "report.csv"
    sandbox_admin.faults(503, method="GET", share=1.0)

    result = run_import(app, file, "--report", report)

    assert result.exit_code == 3
    assert row_counts(db)["teachers"] == 0
    [entry] = read_report(report)
    assert entry["result"] == "try_again"
    assert entry["reason"].startswith("TRS could not be read")
    sandbox_admin.clear_faults()
    assert run_import(app, file).exit_code == 0
    assert imported_trns(db) == {"3000001"}


def test_a_teacher_trs_answers_on_a_retry_is_imported(
    app, db, person, sandbox_admin, appropriate_body, tmp_path, monkeypatch
):
    monkeypatch.setattr(trs_lookup, "RETRY_BACKOFF", Backoff(base_seconds=0.01))
    person("3000001")
    file = write_import_file(tmp_path / "inductions.csv", [period("3000001", "2025-09-01")])
    sandbox_admin.faults(429, retry_after=0, method="GET", count=2)

    result = run_import(app, file)

    assert result.exit_code == 0, result.output
    assert imported_trns(db) == {"3000001"}


def test_a_progress_bar_goes_to_stderr_and_the_help_says_how_to_write_dates(
    app, db, person, appropriate_body, tmp_path
):
    person("3000001")
    file = write_import_file(tmp_path / "inductions.csv", [period("3000001", "2025-09-01")])

    result = run_import(app, file)

    assert "Checking teachers" in result.stderr
    assert "Checking teachers" not in result.stdout
    help_text = run_import(app, "--help").stdout
    assert "yyyy-mm-dd" in help_text and "dd/mm/yyyy" in help_text


def _empty(path: Path) -> None:
    path.write_bytes(b"")


def _header_only(path: Path) -> None:
    write_import_file(path, [])


def _missing_columns(path: Path) -> None:
    write_import_file(path, [period("3000001", "2025-09-01")], columns=importing.COLUMNS[:-2])


def _unknown_column(path: Path) -> None:
    write_import_file(
        path, [period("3000001", "2025-09-01")], columns=(*importing.COLUMNS, "notes")
    )


def _not_utf8(path: Path) -> None:
    write_import_file(
        path, [period("3000001", "2025-09-01", body="Ysgol Bryn Môr")], encoding="cp1252"
    )


def _too_big(path: Path) -> None:
    with path.open("wb") as sparse:  # 500 MB that take no room on disk
        sparse.truncate(500 * 1024 * 1024)


@pytest.mark.parametrize(
    ("make_file", "message"),
    [
        (_empty, "inductions.csv is empty. Its first row must name the columns: trn,"),
        (_header_only, "inductions.csv has the column names but no rows to import."),
        (_missing_columns, "it has no columns outcome, outcome_date."),
        (_unknown_column, "column notes is not one the import takes."),
        (_not_utf8, "inductions.csv is not UTF-8 text"),
        (_too_big, "inductions.csv is 500 MB; the import takes files of up to 200 MB."),
    ],
    ids=["empty", "header-only", "missing-columns", "unknown-column", "not-utf8", "500-mb"],
)
def test_a_file_the_import_cannot_read_is_refused_with_exit_code_2_and_nothing_written(
    app, db, person, appropriate_body, tmp_path, make_file, message
):
    person("3000001")
    make_file(tmp_path / "inductions.csv")
    report = tmp_path / "report.csv"
    before = row_counts(db)

    result = run_import(app, tmp_path / "inductions.csv", "--report", report)

    assert result.exit_code == 2
    assert message in " ".join(result.stderr.split())
    assert row_counts(db) == before
    assert not report.exists()


def test_a_failed_write_sends_its_batch_back_one_teacher_at_a_time(
    app, db, person, appropriate_body, clock, tmp_path, monkeypatch
):
    for trn in ("3000001", "3000002", "3000003"):
        person(trn)
    file = write_import_file(
        tmp_path / "inductions.csv",
        [period(trn, "2025-09-01") for trn in ("3000001", "3000002", "3000003")],
    )
    sent_back = []
    one_by_one = writing.BatchWriter._one_by_one

    def spy(self, writes):
        sent_back.append([write.trn for write in writes])
        one_by_one(self, writes)

    monkeypatch.setattr(writing.BatchWriter, "_one_by_one", spy)

    with app.extensions["db_sessions"]() as session:
        clashed = []

        def clash_once(done: int) -> None:  # a second 3000002 makes the batch's INSERT fail
            if not clashed:
                clashed.append(True)
                session.add(Teacher(trn="3000002", created_at=clock.now(), updated_at=clock.now()))

        result = importing.import_inductions(
            session,
            app.extensions["trs"].client,
            clock,
            importing.read_import_file(file),
            progress=clash_once,
        )

    assert sent_back == [["3000001", "3000002", "3000003"]]
    assert result.counts["imported"] == 3
    assert {(e.trn, e.result) for e in result.entries} == {
        (trn, "imported") for trn in ("3000001", "3000002", "3000003")
    }  # the notes that TRS was behind, and nothing else
    assert row_counts(db) == {
        "teachers": 3, "induction_periods": 3, "events": 3, "outbox": 3, "appropriate_bodies": 1
    }  # fmt: skip


def test_a_teacher_added_in_cpd_while_the_import_runs_is_left_for_the_next_run(
    app, db, person, appropriate_body, clock, tmp_path, monkeypatch
):
    monkeypatch.setattr(writing, "BATCH_TEACHERS", 1)
    person("3000001")
    person("3000002")
    file = write_import_file(
        tmp_path / "inductions.csv",
        [period("3000001", "2025-09-01"), period("3000002", "2025-09-01")],
    )

    def caseworker_adds_3000002(_done: int) -> None:
        if not db.scalar(select(Teacher).where(Teacher.trn == "3000002")):
            db.add(Teacher(trn="3000002", created_at=clock.now(), updated_at=clock.now()))
            db.commit()

    with app.extensions["db_sessions"]() as session:
        result = importing.import_inductions(
            session,
            app.extensions["trs"].client,
            clock,
            importing.read_import_file(file),
            progress=caseworker_adds_3000002,
        )

    assert result.counts["imported"] == 1
    assert [(e.trn, e.result) for e in result.entries] == [
        ("3000001", "imported"),  # the note that TRS was behind; none left for 3000002
        ("3000002", "try_again"),
    ]
    entry = result.entries[1]
    assert "CPD changed this teacher while the file was being imported" in entry.reason
    assert row_counts(db)["induction_periods"] == 1


def test_when_trs_refuses_the_consoles_key_the_import_stops_with_a_clear_message(
    app, db, person, appropriate_body, trs_sandbox, tmp_path, monkeypatch
):
    person("3000001")
    file = write_import_file(tmp_path / "inductions.csv", [period("3000001", "2025-09-01")])
    report = tmp_path / "report.csv"
    with TrsClient(trs_sandbox.base_url, "not-the-key") as refused:
        monkeypatch.setattr(app.extensions["trs"], "client", refused)

        result = run_import(app, file, "--report", report)

    assert result.exit_code == 1
    assert "its API key was refused" in result.stderr
    assert row_counts(db)["teachers"] == 0
    assert not report.exists()


# Reading a file and checking periods need no database: these run once, not once per backend.


def test_reading_a_file_rejects_bad_rows_and_keeps_the_rest(tmp_path):
    path = tmp_path / "rows.csv"
    path.write_text(
        ",".join(importing.COLUMNS) + "\n"
        "3000001,Alpha,2025-09-01,,Provider-led,,,,\n"  # a trailing blank cell, as Excel adds
        ",,,,,,,\n"  # a blank row: skipped, not counted
        "3000002,Alpha,2025-09-01,,provider_led,,,,surplus\n"
        "3000003,Alpha,2025-09-01,2026-07-20,online,three,pass,\n"
        "3000004,Alpha,09/01/2025,,school_led,,,2026-07-20\n",
        encoding="utf-8",
    )

    parsed = importing.read_import_file(path)

    assert parsed.rows_read == 4
    assert [(r.line, r.programme) for r in parsed.teachers["3000001"]] == [(2, "provider_led")]
    reasons = {e.line: e.reason for e in parsed.entries}
    assert reasons[4] == "The row has 9 values; the header names 8."
    assert "training_programme “online” must be provider_led or school_led." in reasons[5]
    assert "number_of_terms “three” must be a number such as 3 or 4.5." in reasons[5]
    assert "Enter outcome_date (as yyyy-mm-dd or dd/mm/yyyy)." in reasons[5]
    assert reasons[6] == "outcome_date is given but outcome is blank: give both or neither."
    assert parsed.bad_lines == {"3000002": [4], "3000003": [5], "3000004": [6]}


@pytest.mark.parametrize(
    ("terms", "outcome_date", "problem"),
    [
        ("4.55", "2026-07-20", "number_of_terms must have at most one decimal place."),
        ("", "2026-07-20", "Enter number_of_terms."),
        ("6", "2026-11-03", "The outcome_date, 3 November 2026, is in the future."),
    ],
)
def test_an_outcome_the_rules_cannot_read_names_the_column(terms, outcome_date, problem):
    row = importing.Row(2, BODY, date(2024, 9, 1), date(2026, 7, 20), "provider_led",
                       Decimal(terms) if terms else None, "pass", date.fromisoformat(outcome_date))  # fmt: skip

    checked = judging.check_periods(TeacherRecord(qts_date=date(2020, 7, 1)), [row], TODAY)

    assert (checked.failed_row, checked.decision, checked.problem) == (row, None, problem)


def test_digits_of_other_scripts_are_row_problems_not_values(
    app, db, person, appropriate_body, tmp_path
):
    """A TRN, date, terms or body id in Arabic-Indic or superscript digits is reported, never read
    as the number Python would make of it (nor a crash on "²", which int() refuses)."""
    person("3000001")
    file = write_import_file(
        tmp_path / "scripts.csv",
        [
            period("٣٠٠٠٠٠١", "2024-09-01"),
            period("3000001", "٢٠٢٤-09-01"),
            period("3000001", "2024-09-01", "2025-07-18", terms="٣"),
            period("3000001", "2024-09-01", body="²"),
            period("3000001", "2024-09-01", body="١"),
        ],
    )
    report = tmp_path / "report.csv"

    result = run_import(app, file, "--report", report)

    assert result.exit_code == 3, result.output
    assert imported_trns(db) == set()
    reasons = " ".join(row["reason"] for row in read_report(report))
    assert "TRN “٣٠٠٠٠٠١” must be 7 digits." in reasons
    assert "started_on “٢٠٢٤-09-01” must be a date" in reasons
    assert "number_of_terms “٣” must be a number such as 3 or 4.5." in reasons
