"""Finding a teacher and the teacher page, in every state TRS can answer with."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import inspect

from app.clock import LONDON
from app.models import Extension, InductionPeriod, Teacher, TeacherSearchEntry
from app.services.teachers import remember_name, search_teachers
from app.trs.person import TrsPerson


def _summary(page, card_title: str) -> dict[str, str]:
    for card in page.select(".govuk-summary-card"):
        if card.select_one(".govuk-summary-card__title").get_text(strip=True) == card_title:
            return {
                row.select_one(".govuk-summary-list__key").get_text(strip=True): " ".join(
                    row.select_one(".govuk-summary-list__value").get_text().split()
                )
                for row in card.select(".govuk-summary-list__row")
            }
    raise AssertionError(f"no summary card {card_title!r}")


def _card(card) -> dict[str, str]:
    rows = {
        row.select_one(".govuk-summary-list__key").get_text(strip=True): row.select_one(
            ".govuk-summary-list__value"
        ).get_text(strip=True)
        for row in card.select(".govuk-summary-list__row")
    }
    return {"title": card.select_one(".govuk-summary-card__title").get_text(strip=True), **rows}


def test_teachers_table_holds_nothing_trs_owns(database_engine):
    columns = {column["name"] for column in inspect(database_engine).get_columns("teachers")}
    assert columns == {"id", "trn", "created_at", "updated_at", "version"}


def test_search_by_trn_finds_one_teacher(signed_in_as, add_teacher):
    add_teacher("1234567", first_name="Amara", last_name="Okafor")
    add_teacher("1234568")
    viewer = signed_in_as("viewer")
    viewer.get("/teachers/1234567")  # reading TRS fills the name index
    page = viewer.get("/teachers?q=1234567")
    rows = page.select("tbody tr")
    assert len(rows) == 1
    assert rows[0].a["href"] == "/teachers/1234567"
    assert rows[0].a.get_text(strip=True) == "Amara Okafor"


def test_search_by_part_of_a_name_ignores_case_and_pages(signed_in_as, add_teacher, app):
    app.config["SEARCH_PAGE_SIZE"] = 2
    caseworker = signed_in_as("caseworker")
    for index, last_name in enumerate(["Okafor", "OKAFORD", "Smith", "Mokafor"]):
        trn = f"200000{index}"
        add_teacher(trn, first_name="Amara", last_name=last_name)
        caseworker.get(f"/teachers/{trn}")
    page = caseworker.get("/teachers?q=kaFo")
    assert "3 teachers whose name contains “kaFo”" in " ".join(page.h2.get_text().split())
    assert len(page.select("tbody tr")) == 2
    second = caseworker.get("/teachers?q=kaFo&page=2")
    names = [a.get_text(strip=True) for a in second.select("tbody a")]
    assert len(names) == 1
    assert "Smith" not in " ".join(names)
    # Every page counts every match, a page past the last as well.
    for number in (2, 3):
        heading = caseworker.get(f"/teachers?q=kaFo&page={number}").h2.get_text()
        assert "3 teachers whose name contains “kaFo”" in " ".join(heading.split())


def test_search_treats_like_wildcards_as_text(signed_in_as, add_teacher):
    add_teacher("2000001", first_name="Amara", last_name="Okafor")
    caseworker = signed_in_as("caseworker")
    caseworker.get("/teachers/2000001")
    page = caseworker.get("/teachers?q=%25%25")
    assert "0 teachers" in page.h2.get_text()


def _named(trn: str, first: str, last: str) -> TrsPerson:
    return TrsPerson(trn, first, "", last, date(1995, 1, 1), None, None)


def _found(db, query: str) -> list[str]:
    return [hit.name for hit in search_teachers(db, query, page=1, page_size=20).hits]


def test_name_search_follows_a_name_trs_changed(db, add_teacher, clock):
    """The trigram index (a GIN index, or SQLite's FTS5 table kept by triggers) follows renames."""
    teacher = add_teacher("2000001", in_trs=False)
    remember_name(db, teacher.id, _named("2000001", "Amara", "Okafor"), clock.now())
    assert _found(db, "okaf") == ["Amara Okafor"]

    remember_name(db, teacher.id, _named("2000001", "Amara", "Nwosu"), clock.now())

    assert _found(db, "okaf") == []
    assert _found(db, "NWOS") == ["Amara Nwosu"]
    assert _found(db, "ra nw") == ["Amara Nwosu"]  # across the space between names


def test_a_trn_search_counts_its_one_teacher_on_every_page(db, add_teacher, clock):
    teacher = add_teacher("2000001", in_trs=False)
    remember_name(db, teacher.id, _named("2000001", "Amara", "Okafor"), clock.now())

    first, second = (search_teachers(db, "2000001", page=n, page_size=20) for n in (1, 2))

    assert (first.total, [h.name for h in first.hits]) == (1, ["Amara Okafor"])
    assert (second.total, second.hits) == (1, [])


def test_a_trn_search_keeps_the_name_trs_now_holds(
    signed_in_as, db, add_teacher, sandbox_admin, clock
):
    teacher = add_teacher("2000001", in_trs=False)
    remember_name(db, teacher.id, _named("2000001", "Amara", "Okafor"), clock.now())
    # TRS has the name since changed.
    sandbox_admin.create_person(trn="2000001", firstName="Amara", lastName="Nwosu",
                                dateOfBirth="1995-01-01", qtsDate="2020-07-01")  # fmt: skip

    signed_in_as("viewer").get("/teachers?q=2000001")

    db.expire_all()
    assert _found(db, "nwosu") == ["Amara Nwosu"]


def test_name_search_of_two_characters_and_of_quotes(db, add_teacher, clock):
    """Two characters are too short for a trigram and still match; quotes are only text."""
    for trn, first, last in [("2000001", "Li", "Wu"), ("2000002", "Jo", 'O"Neil')]:
        teacher = add_teacher(trn, in_trs=False)
        remember_name(db, teacher.id, _named(trn, first, last), clock.now())
    assert _found(db, "wu") == ["Li Wu"]
    assert _found(db, 'o"n') == ['Jo O"Neil']
    assert _found(db, '"neil') == ['Jo O"Neil']
    assert _found(db, '"wu"') == []
    assert _found(db, "neil OR wu") == []  # search syntax is matched as text


def test_search_errors(signed_in_as):
    viewer = signed_in_as("viewer")
    page = viewer.get("/teachers?q=", _expected_status=400)
    assert "Enter a TRN or a name" in page.select_one(".govuk-error-summary").get_text()
    page = viewer.get("/teachers?q=" + "x" * 101, _expected_status=400)
    assert "Enter between 2 and 100 characters" in page.select_one("#q-error").get_text()


def test_search_by_trn_of_a_teacher_only_trs_knows(signed_in_as, sandbox_admin):
    sandbox_admin.create_person(
        trn="3000001",
        firstName="Llinos",
        lastName="Evans",
        dateOfBirth="1991-08-25",
        qtsDate="2019-07-01",
        induction=None,
    )
    page = signed_in_as("caseworker").get("/teachers?q=3000001")
    assert "CPD holds no induction record for TRN 3000001" in page.text
    assert page.find("a", href="/teachers/3000001").get_text(strip=True).startswith("Llinos Evans")


def test_teacher_page_shows_each_value_with_its_source(
    signed_in_as, add_teacher, db, appropriate_body, clock
):
    teacher = add_teacher(
        "1234567",
        first_name="Amara",
        last_name="Okafor",
        date_of_birth="1997-04-12",
        qts_date="2024-07-01",
        induction={"status": "InProgress", "startDate": "2024-09-02"},
    )
    db.add_all(
        [
            InductionPeriod(
                teacher_id=teacher.id,
                appropriate_body_id=appropriate_body.id,
                started_on=date(2024, 9, 2),
                finished_on=date(2025, 7, 18),
                training_programme="provider_led",
                number_of_terms=Decimal("3.0"),
            ),
            InductionPeriod(
                teacher_id=teacher.id,
                appropriate_body_id=appropriate_body.id,
                started_on=date(2025, 9, 1),
                training_programme="school_led",
            ),
            Extension(
                teacher_id=teacher.id, number_of_terms=Decimal("1.5"), created_at=clock.now()
            ),
        ]
    )
    db.commit()
    page = signed_in_as("viewer").get("/teachers/1234567")
    assert page.h1.get_text(strip=True) == "Amara Okafor"
    assert "TRN 1234567" in page.text
    trs = _summary(page, "Held in TRS")
    assert trs["Name"] == "Amara Okafor"
    assert trs["Date of birth"] == "12 April 1997"
    assert trs["QTS date"] == "1 July 2024"
    assert trs["Induction status"] == "In progress"
    assert trs["Induction start date"] == "2 September 2024"
    cpd = _summary(page, "Held in CPD")
    assert cpd["Induction"] == "In progress since 2 September 2024, 3 terms in finished periods"
    assert cpd["Current appropriate body"] == "Alpha Teaching School Hub"
    assert cpd["Training programme"] == "School-led"
    assert cpd["Extensions"] == "1.5 terms"
    # One card per period, newest first, titled by the appropriate body (a table would not
    # reflow on a narrow screen).
    ongoing, finished = page.select("#induction-periods ~ .govuk-summary-card")[:2]
    assert _card(ongoing)["title"] == "Alpha Teaching School Hub"
    assert _card(ongoing)["Started"] == "1 September 2025"
    assert _card(ongoing)["Finished"] == "Ongoing"
    assert _card(ongoing)["Terms"] == "Not yet known"
    assert [_card(finished)[key] for key in ("Finished", "Programme", "Terms")] == [
        "18 July 2025",
        "Provider-led",
        "3 terms",
    ]
    assert "Read from TRS 2 November 2026 at 10:00am" in page.text


def test_teacher_page_shows_exemption_reasons(signed_in_as, add_teacher):
    add_teacher(
        "1234567",
        induction={
            "status": "Exempt",
            "exemptionReasonIds": ["5a80cee8-98a8-426b-8422-b0e81cb49b36"],
        },
    )
    trs = _summary(signed_in_as("viewer").get("/teachers/1234567"), "Held in TRS")
    # TRS names the reason "... 07 May 2000"; GOV.UK writes dates without a leading zero.
    assert trs["Induction status"] == "Exempt: qualified before 7 May 2000"
    assert trs["Exemption reasons"] == "They qualified before 7 May 2000"


def test_teacher_unknown_to_trs_still_shows_cpd(signed_in_as, add_teacher):
    add_teacher("1234567", in_trs=False)
    page = signed_in_as("viewer").get("/teachers/1234567")
    assert page.h1.get_text(strip=True) == "TRN 1234567"
    assert page.find("p", string="TRN 1234567") is None  # the h1 says it; not again beneath
    assert "TRS has no teacher with TRN 1234567" in page.text
    assert _summary(page, "Held in CPD")["Induction"] == "No induction periods recorded"


def test_trn_neither_system_knows_is_404(signed_in_as):
    signed_in_as("viewer").get("/teachers/7654321", _expected_status=404)
    signed_in_as("viewer").get("/teachers/12345", _expected_status=404)


def test_deactivated_teacher(signed_in_as, add_teacher, sandbox_admin):
    add_teacher("1234567")
    sandbox_admin.deactivate("1234567")
    page = signed_in_as("viewer").get("/teachers/1234567")
    assert "TRS has deactivated this record" in page.text
    titles = [t.get_text(strip=True) for t in page.select(".govuk-summary-card__title")]
    assert titles == ["Held in CPD"]


def test_merged_teacher_links_to_the_retained_trn(signed_in_as, add_teacher, sandbox_admin):
    add_teacher("1234567")
    add_teacher("7654321")
    sandbox_admin.merge("1234567", into="7654321")
    page = signed_in_as("viewer").get("/teachers/1234567")
    assert "TRS merged this record into TRN 7654321" in page.text
    assert page.find("a", href="/teachers/7654321")


def test_trs_unreachable_still_shows_cpd(signed_in_as, add_teacher, sandbox_admin):
    add_teacher("1234567")
    sandbox_admin.faults(status=500, count=50)
    page = signed_in_as("viewer").get("/teachers/1234567")
    assert "TRS could not be read" in page.text
    assert _summary(page, "Held in CPD")["Induction"] == "No induction periods recorded"


def test_reading_trs_refreshes_the_name_index(signed_in_as, add_teacher, db, sandbox_admin):
    teacher = add_teacher("1234567", first_name="Amara", last_name="Okafor")
    viewer = signed_in_as("viewer")
    viewer.get("/teachers/1234567")
    entry = db.get(TeacherSearchEntry, teacher.id)
    assert entry.display_name == "Amara Okafor"
    assert entry.read_from_trs_at == datetime(2026, 11, 2, 10, 0, tzinfo=LONDON)
    assert db.get(Teacher, teacher.id).version == 1


def test_trn_with_a_trailing_newline_is_404(signed_in_as, add_teacher):
    add_teacher("1234567")
    signed_in_as("viewer").get("/teachers/1234567%0A", _expected_status=404)


def test_induction_closed_by_an_exemption_says_so(signed_in_as, add_teacher, db, appropriate_body):
    teacher = add_teacher(
        "1234567",
        induction={
            "status": "Exempt",
            "exemptionReasonIds": ["39550fa9-3147-489d-b808-4feea7f7f979"],
        },
    )
    db.add(
        InductionPeriod(
            teacher_id=teacher.id,
            appropriate_body_id=appropriate_body.id,
            started_on=date(2025, 9, 1),
            finished_on=date(2026, 10, 1),
            training_programme="school_led",
            number_of_terms=Decimal("2"),
            closed_by_exemption=True,
        )
    )
    db.commit()
    cpd = _summary(signed_in_as("viewer").get("/teachers/1234567"), "Held in CPD")
    assert cpd["Induction"] == "Closed on 1 October 2026: TRS recorded an exemption"


@pytest.mark.parametrize("query", ["a%00b", "ab%00", "%00%00", "a%1Fb", "Jo%7FO"])
def test_a_search_with_control_characters_is_400_with_a_message(signed_in_as, query):
    page = signed_in_as("viewer").get(f"/teachers?q={query}", _expected_status=400)
    assert "Enter a TRN or a name" in page.select_one("#q-error").get_text()


@pytest.mark.parametrize("number", ["²", "١", "0", "-1", "1.5", "", "9" * 10, "notanumber"])
def test_a_page_number_that_is_not_ascii_digits_is_400_with_a_message(signed_in_as, number):
    page = signed_in_as("viewer").get(f"/teachers?q=ok&page={number}", _expected_status=400)
    assert "page number" in page.select_one("main").get_text()
