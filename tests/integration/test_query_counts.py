"""No N+1 queries: the SQL statements a page runs must not grow with the size of the record.

Each page is fetched once to warm what a request may write (the name index, the TRS read cache),
then counted on a second fetch, for a teacher with one period and one event and for one with
twelve periods, several extensions and thirty events: the counts must be equal.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import event

from app.models import (
    Appeal,
    Event,
    Extension,
    InductionPeriod,
    OutboxEntry,
    TeacherSearchEntry,
    User,
)
from tests.support.journeys import walk

SMALL, LARGE = "2600001", "2600002"


def _fill(db, teacher, body, clock, *, periods: int, extensions: int, events: int) -> None:
    """Closed periods back to back (the last ongoing), extensions, and events (half delivered)."""
    start = date(2012, 9, 1)
    for index in range(periods):
        ongoing = index == periods - 1
        db.add(
            InductionPeriod(
                teacher_id=teacher.id,
                appropriate_body_id=body.id,
                started_on=start + timedelta(days=100 * index),
                finished_on=None if ongoing else start + timedelta(days=100 * index + 60),
                training_programme="provider_led",
                number_of_terms=None if ongoing else Decimal("0.5"),
                closed_by_exemption=False,
            )
        )
    for _ in range(extensions):
        db.add(
            Extension(teacher_id=teacher.id, number_of_terms=Decimal("1"), created_at=clock.now())
        )
    for index in range(events):
        change = Event(
            teacher_id=teacher.id,
            trn=teacher.trn,
            occurred_at=clock.now() - timedelta(minutes=index),
            actor_email="system",
            actor_role="system",
            action="add_induction_period",
            summary=f"Change {index}",
        )
        db.add(change)
        db.flush()
        if index % 2:
            db.add(
                OutboxEntry(
                    teacher_id=teacher.id,
                    trn=teacher.trn,
                    event_id=change.id,
                    status="InProgress",
                    start_date=start,
                    modified_on=clock.now(),
                    state="sent",
                    sent_at=clock.now(),
                    next_attempt_at=clock.now(),
                    created_at=clock.now(),
                )
            )
    db.add(
        TeacherSearchEntry(
            teacher_id=teacher.id,
            display_name=f"Test Teacher {teacher.trn}",
            search_name=f"test teacher {teacher.trn}",
            read_from_trs_at=clock.now(),
        )
    )
    db.commit()


@contextmanager
def _counting(app) -> Iterator[list[str]]:
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany) -> None:
        statements.append(statement)

    engine = app.extensions["db_engine"]
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def _queries(app, fetch: Callable[[], object]) -> list[str]:
    fetch()  # warm: the first read may refresh the name index or fill the TRS cache
    with _counting(app) as statements:
        fetch()
    return statements


def _read_from(statement: str) -> str:
    """The table a SELECT reads (its last FROM: a column's subquery comes before it)."""
    return " ".join(statement.split()).rsplit(" FROM ", 1)[1].split()[0]


def _small_and_large(add_teacher, db, appropriate_body, clock) -> None:
    induction = {"status": "InProgress", "startDate": "2012-09-01"}
    _fill(db, add_teacher(SMALL, induction=induction), appropriate_body, clock,
          periods=1, extensions=0, events=1)  # fmt: skip
    _fill(db, add_teacher(LARGE, induction=induction), appropriate_body, clock,
          periods=12, extensions=4, events=30)  # fmt: skip


def test_teacher_page_and_timeline_queries_do_not_grow_with_the_record(
    app, signed_in_as, add_teacher, db, appropriate_body, clock
):
    _small_and_large(add_teacher, db, appropriate_body, clock)
    caseworker = signed_in_as("caseworker")

    for url in ("/teachers/{trn}", "/teachers/{trn}/timeline"):
        small = _queries(app, lambda url=url: caseworker.get(url.format(trn=SMALL)))
        large = _queries(app, lambda url=url: caseworker.get(url.format(trn=LARGE)))
        assert small, url  # the listener saw the page's queries
        assert len(large) == len(small), (url, small, large)

    page = caseworker.get(f"/teachers/{LARGE}/timeline")
    assert len(page.select(".app-timeline__event")) == 30


def test_the_teacher_page_reads_the_teacher_in_one_query(
    app, signed_in_as, add_teacher, db, appropriate_body, clock
):
    """Periods, extensions, appeals and the delivery state come joined to the teacher's row."""
    teacher = add_teacher("2600003", in_trs=False)
    _fail_recently(db, teacher, appropriate_body, clock, clock.today() - timedelta(days=200),
                   appealed=True)  # fmt: skip
    db.add(OutboxEntry(teacher_id=teacher.id, trn=teacher.trn, status="Failed",
                       modified_on=clock.now(), state="pending", next_attempt_at=clock.now(),
                       created_at=clock.now()))  # fmt: skip
    db.commit()
    caseworker = signed_in_as("caseworker")
    statements = _queries(app, lambda: caseworker.get("/teachers/2600003"))
    reads = [_read_from(s) for s in statements if s.lstrip().startswith("SELECT")]
    assert reads == ["user_sessions", "teachers"], statements
    page = caseworker.get("/teachers/2600003")
    assert "Lodged on" in page.get_text()
    assert page.select_one("#delivery-waiting") is not None


def test_a_confirmed_change_reads_the_teacher_once(
    app, signed_in_as, add_teacher, db, appropriate_body, clock
):
    """The confirm POST reuses the rows its own checks read, and reads nothing back after writing
    (the rows in memory are the rows written), whatever the size of the record."""
    _small_and_large(add_teacher, db, appropriate_body, clock)
    caseworker = signed_in_as("caseworker")
    counted = {}
    for trn in (SMALL, LARGE):
        check = walk(caseworker, trn, "add-extension", {"number_of_terms": "1"})
        token = caseworker.csrf_token(check)
        with _counting(app) as statements:
            saved = caseworker.client.post(check, data={"csrf_token": token})
        assert saved.status_code == 302, saved.status_code
        reads = [_read_from(s) for s in statements if s.lstrip().startswith("SELECT")]
        writes = [
            " ".join(s.split()[:3]) for s in statements if not s.lstrip().startswith("SELECT")
        ]
        counted[trn] = (reads, writes)
    assert counted[SMALL] == counted[LARGE], counted
    assert counted[SMALL][0] == ["user_sessions", "teachers"], counted
    # The token is spent in the first write, then the version check; its summary is kept last.
    assert counted[SMALL][1] == [
        "UPDATE write_tokens SET",
        "UPDATE teachers SET",
        "INSERT INTO extensions",
        "INSERT INTO events",
        "INSERT INTO outbox",
        "UPDATE write_tokens SET",
    ], counted


def test_search_queries_do_not_grow_with_the_record_or_the_hits(
    app, signed_in_as, add_teacher, db, appropriate_body, clock
):
    _small_and_large(add_teacher, db, appropriate_body, clock)
    caseworker = signed_in_as("caseworker")

    by_trn = [_queries(app, lambda trn=trn: caseworker.get(f"/teachers?q={trn}")) for trn in (SMALL, LARGE)]  # fmt: skip
    assert by_trn[0] and len(by_trn[0]) == len(by_trn[1]), by_trn
    # The session check, then the teacher by TRN: its one row is the count, and the hit carries
    # what the name index holds, so nothing asks for either again.
    assert [_read_from(s) for s in by_trn[0] if s.lstrip().upper().startswith("SELECT")] == [
        "user_sessions",
        "teachers",
    ], by_trn[0]

    one_hit = _queries(app, lambda: caseworker.get(f"/teachers?q=teacher+{LARGE}"))
    two_hits = _queries(app, lambda: caseworker.get("/teachers?q=test+teacher+26"))
    assert one_hit and len(one_hit) == len(two_hits), (one_hit, two_hits)
    # The session check, then one search whose rows carry the count of every match.
    assert len([s for s in two_hits if s.lstrip().upper().startswith("SELECT")]) == 2, two_hits
    assert LARGE in caseworker.get("/teachers?q=test+teacher+26").get_text()


def _fail_recently(db, teacher, body, clock, day: date, *, appealed: bool = False) -> None:
    """A fail decided on `day` (recorded that day); appealed: an open appeal lodged 172 days ago."""
    period = InductionPeriod(
        teacher_id=teacher.id,
        appropriate_body_id=body.id,
        started_on=date(2024, 9, 2),
        finished_on=day,
        training_programme="provider_led",
        number_of_terms=Decimal("6"),
        outcome="fail",
        outcome_on=day,
        outcome_recorded_at=clock.now() - (clock.today() - day),
        closed_by_exemption=False,
    )
    db.add(period)
    db.flush()
    if appealed:
        db.add(Appeal(teacher_id=teacher.id, induction_period_id=period.id, failed_on=day,
                      lodged_on=clock.today() - timedelta(days=172), created_at=clock.now()))  # fmt: skip
    db.add(TeacherSearchEntry(teacher_id=teacher.id, display_name=f"Test Teacher {teacher.trn}",
                              search_name=f"test teacher {teacher.trn}", read_from_trs_at=clock.now()))  # fmt: skip
    db.commit()


def test_the_deadlines_list_queries_do_not_grow_with_the_teachers(
    app, signed_in_as, add_teacher, db, appropriate_body, clock
):
    """Candidates come from one index-backed query, with their periods, appeals and names."""

    def add(count: int, first: int) -> None:
        for n in range(count):
            teacher = add_teacher(str(first + n), in_trs=False)
            appealed = n % 3 == 0
            # Windows closing within ten working days: a decision, or lodging and correction.
            day = clock.today() - timedelta(days=200 if appealed else 16 + n % 9)
            _fail_recently(db, teacher, appropriate_body, clock, day, appealed=appealed)

    users = {role: signed_in_as(role) for role in ("appeals_officer", "caseworker")}
    add(3, 2610001)
    few = {role: _queries(app, lambda u=user: u.get("/deadlines")) for role, user in users.items()}
    add(12, 2610101)
    many = {role: _queries(app, lambda u=user: u.get("/deadlines")) for role, user in users.items()}
    for role, user in users.items():
        assert few[role] and len(many[role]) == len(few[role]), (role, few[role], many[role])
        # The session; the candidates with their periods, names and appeals; then for
        # caseworkers the requests waiting with their count, for appeals officers the
        # navigation's count of appeals to decide.
        reads = [s for s in many[role] if s.lstrip().upper().startswith("SELECT")]
        assert len(reads) == 3, (role, reads)
        rows = user.get("/deadlines").select("#closing-windows tbody tr")
        assert len(rows) == {"caseworker": 2 + 8, "appeals_officer": 3 + 12}[role]


def test_the_user_list_reads_the_accounts_and_their_events_once_each(app, signed_in_as, db, clock):
    admin = signed_in_as("admin")

    def add(count: int, first: int) -> None:
        db.add_all(
            User(email=f"person.{first + n}@example.gov.uk", role="viewer", active=True,
                 created_at=clock.now())
            for n in range(count)
        )  # fmt: skip
        db.commit()

    add(1, 0)
    few = _queries(app, lambda: admin.get("/users"))
    add(10, 100)
    many = _queries(app, lambda: admin.get("/users"))
    assert few and len(few) == len(many), (few, many)
    # The session, the accounts, the latest account events; the list never reads a password's hash.
    assert [_read_from(s) for s in many] == ["user_sessions", "users", "account_events"], many
    assert not any("password_hash" in s for s in many), many
    assert "person.109@example.gov.uk" in admin.get("/users").get_text()
