"""The timeline: every change, newest first, with who, when, what changed, the rule and delivery."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.models import OutboxEntry
from tests.support.journeys import add_period, answer, confirm, parts, start, walk

TRN = "2500001"


def _events(page) -> list[dict]:
    entries = []
    for item in page.select(".app-timeline__event"):
        rows = {
            row.dt.get_text(strip=True): " ".join(row.dd.get_text().split())
            for row in item.select(".govuk-summary-list__row")
        }
        tables = {
            table.caption.get_text(strip=True): [
                [cell.get_text(strip=True) for cell in tr.select("th, td")]
                for tr in table.select("tbody tr")
            ]
            for table in item.select("table")
        }
        entries.append(
            {
                "title": item.h3.get_text(strip=True),
                "byline": " ".join(item.select_one(".app-source").get_text().split()),
                "rows": rows,
                "tables": tables,
            }
        )
    return entries


def test_the_timeline_shows_every_change_newest_first(
    signed_in_as, add_teacher, appropriate_body, db, clock
):
    add_teacher(TRN, induction={"status": "RequiredToComplete"})
    caseworker = signed_in_as("caseworker")
    confirm(
        caseworker,
        walk(
            caseworker,
            TRN,
            "add-induction-period",
            {"appropriate_body_id": str(appropriate_body.id)},
            {"started_on": parts("2024-09-02")},
            {"training_programme": "provider_led"},
        ),
    )
    clock.advance(timedelta(minutes=5))
    db.expire_all()
    first = db.scalars(select(OutboxEntry)).one()  # the first change's outbox row
    first.state, first.sent_at = "sent", clock.now()
    db.commit()
    senior = signed_in_as("senior_caseworker")
    confirm(senior, walk(senior, TRN, "add-extension", {"number_of_terms": "1.5"}))
    clock.advance(timedelta(minutes=5))
    delete = start(senior, TRN, "delete-extension")
    confirm(
        senior,
        walk(senior, TRN, "delete-extension", {"extension_id": _only_choice(senior, delete)}),
    )

    rows = db.scalars(select(OutboxEntry).order_by(OutboxEntry.id)).all()
    rows[1].state, rows[1].last_error = "failed", "TRS said the teacher has no QTS"
    rows[2].attempts, rows[2].last_error = 2, "TRS unavailable"
    db.commit()

    page = signed_in_as("viewer").get(f"/teachers/{TRN}/timeline")
    assert page.select_one('a[aria-current="page"]').get_text(strip=True) == "Timeline"
    events = _events(page)
    assert [e["title"] for e in events] == [
        "Extension of 1.5 terms deleted",
        "Extension of 1.5 terms added",
        "Induction period added: Alpha Teaching School Hub, 2 September 2024 onwards",
    ]
    assert (
        events[2]["byline"]
        == "2 November 2026 at 10:00am by caseworker@example.gov.uk (Caseworker)"
    )
    assert events[0]["byline"] == (
        "2 November 2026 at 10:10am by senior.caseworker@example.gov.uk (Senior caseworker)"
    )
    assert events[2]["rows"]["Allowed by rule"] == "CPD-ADD-PERIOD-ALLOWED"
    assert events[2]["rows"]["TRS"] == "Sent to TRS (In progress), at 2 November 2026 at 10:05am"
    assert events[1]["rows"]["TRS"] == "Stopped (In progress): TRS said the teacher has no QTS"
    assert events[0]["rows"]["TRS"].startswith(
        "Waiting to be sent to TRS (In progress); the last try failed: TRS unavailable, next try at"
    )
    assert events[2]["tables"]["Induction period added"][:3] == [
        ["Appropriate body", "None", "Alpha Teaching School Hub"],
        ["Start date", "None", "2 September 2024"],
        ["End date", "None", "Ongoing"],
    ]
    assert events[0]["tables"] == {"Extension deleted": [["Number of terms", "1.5 terms", "None"]]}


def _only_choice(client, url) -> str:
    (radio,) = client.get(url).select("input[type=radio]")
    return radio["value"]


def test_the_timeline_shows_notes_and_changed_fields(
    signed_in_as, add_teacher, appropriate_body, db
):
    teacher = add_teacher(TRN)
    earlier = add_period(db, teacher, appropriate_body.id, "2024-09-02", "2025-07-18", "3")
    add_period(db, teacher, appropriate_body.id, "2025-09-01")
    caseworker = signed_in_as("caseworker")
    details = answer(
        caseworker,
        start(caseworker, TRN, "change-induction-period"),
        {"period_id": str(earlier.id)},
    )
    check = answer(
        caseworker,
        details,
        {
            "appropriate_body_id": str(appropriate_body.id),
            "started_on": parts("2024-09-02"),
            "finished_on": parts("2025-07-21"),
            "number_of_terms": "3.5",
            "training_programme": "provider_led",
        },
    )
    confirm(caseworker, check)
    confirm(
        caseworker,
        walk(
            caseworker,
            TRN,
            "delete-induction-period",
            {"period_id": str(earlier.id), "support_ticket": "123456"},
        ),
    )
    deleted, changed = _events(caseworker.get(f"/teachers/{TRN}/timeline"))
    assert deleted["rows"]["Note"] == "Support ticket 123456"
    assert changed["tables"]["Induction period changed"] == [
        ["End date", "18 July 2025", "21 July 2025"],
        ["Number of terms", "3 terms", "3.5 terms"],
    ]


def test_an_empty_timeline_and_an_unknown_teacher(signed_in_as, add_teacher):
    add_teacher(TRN)
    viewer = signed_in_as("viewer")
    assert "Nothing has been changed" in viewer.get(f"/teachers/{TRN}/timeline").text
    viewer.get("/teachers/7654321/timeline", _expected_status=404)
    viewer.get("/teachers/12/timeline", _expected_status=404)
    record = viewer.get(f"/teachers/{TRN}")
    links = {a.get_text(strip=True): a for a in record.select(".app-record-navigation a")}
    assert links["Timeline"]["href"] == f"/teachers/{TRN}/timeline"
    assert links["Record"]["aria-current"] == "page"
