"""The database keeps its own promises: constraints hold whatever the services do."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from app.migrations import in_metadata
from app.models import Appeal, Base, Extension, InductionPeriod, Teacher


@pytest.fixture
def teacher(db, clock) -> Teacher:
    teacher = Teacher(trn="1234567", created_at=clock.now(), updated_at=clock.now())
    db.add(teacher)
    db.commit()
    return teacher


def _period(teacher, body, started_on, finished_on=None, **fields) -> InductionPeriod:
    return InductionPeriod(
        teacher_id=teacher.id,
        appropriate_body_id=body.id,
        started_on=started_on,
        finished_on=finished_on,
        training_programme=fields.pop("training_programme", "school_led"),
        number_of_terms=fields.pop("number_of_terms", Decimal("2") if finished_on else None),
        **fields,
    )


def _refused(db, *rows) -> None:
    db.add_all(rows)
    # PostgreSQL refuses an over-long value as a DataError before any constraint is checked.
    with pytest.raises((IntegrityError, DataError)):
        db.commit()
    db.rollback()


def test_migrations_match_the_models(database_engine):
    with database_engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"include_name": in_metadata})
        differences = [
            d
            for d in compare_metadata(context, Base.metadata)
            # Dialect-only constraints and the PostgreSQL exclusion constraint are not in metadata.
            if not (isinstance(d, tuple) and d[0] in ("remove_constraint", "add_constraint"))
        ]
    assert differences == []


@pytest.mark.parametrize("trn", ["123456", "12345678", "12345a7", "", " 123456"])
def test_trn_must_be_seven_digits(db, clock, trn):
    _refused(db, Teacher(trn=trn, created_at=clock.now(), updated_at=clock.now()))


def test_trn_is_unique(db, clock, teacher):
    _refused(db, Teacher(trn="1234567", created_at=clock.now(), updated_at=clock.now()))


def test_period_cannot_finish_before_it_starts(db, teacher, appropriate_body):
    _refused(db, _period(teacher, appropriate_body, date(2025, 9, 1), date(2025, 8, 31)))


@pytest.mark.parametrize("terms", [Decimal("-0.1"), Decimal("16.1")])
def test_period_terms_in_range(db, teacher, appropriate_body, terms):
    _refused(
        db,
        _period(
            teacher, appropriate_body, date(2025, 9, 1), date(2026, 7, 1), number_of_terms=terms
        ),
    )


def test_finished_period_needs_terms(db, teacher, appropriate_body):
    period = _period(teacher, appropriate_body, date(2025, 9, 1), date(2026, 7, 1))
    period.number_of_terms = None
    _refused(db, period)


def test_one_outcome_per_teacher(db, teacher, appropriate_body, clock):
    outcome = {
        "outcome": "pass",
        "outcome_on": date(2025, 1, 1),
        "outcome_recorded_at": clock.now(),
    }
    db.add(_period(teacher, appropriate_body, date(2024, 1, 1), date(2025, 1, 1), **outcome))
    db.commit()
    _refused(db, _period(teacher, appropriate_body, date(2025, 2, 1), date(2025, 6, 1), **outcome))


def test_outcome_needs_its_date_and_a_finish(db, teacher, appropriate_body):
    _refused(db, _period(teacher, appropriate_body, date(2024, 1, 1), None, outcome="fail"))


def test_one_ongoing_period_per_teacher(db, teacher, appropriate_body):
    db.add(_period(teacher, appropriate_body, date(2024, 1, 1)))
    db.commit()
    _refused(db, _period(teacher, appropriate_body, date(2025, 1, 1)))


def test_programme_is_one_of_two(db, teacher, appropriate_body):
    _refused(db, _period(teacher, appropriate_body, date(2024, 1, 1), training_programme="other"))


@pytest.mark.parametrize("terms", [Decimal("0"), Decimal("16.5")])
def test_extension_terms_in_range(db, teacher, clock, terms):
    _refused(db, Extension(teacher_id=teacher.id, number_of_terms=terms, created_at=clock.now()))


def test_overlapping_periods_refused_by_postgresql(db, teacher, appropriate_body, database_engine):
    db.add(_period(teacher, appropriate_body, date(2024, 1, 1), date(2024, 12, 31)))
    db.commit()
    # Starting on the day the last one finished is allowed (half-open ranges, as in RECT).
    db.add(_period(teacher, appropriate_body, date(2024, 12, 31), date(2025, 3, 1)))
    db.commit()
    overlapping = _period(teacher, appropriate_body, date(2024, 6, 1), date(2024, 7, 1))
    if database_engine.dialect.name == "postgresql":
        _refused(db, overlapping)
    else:  # SQLite has no exclusion constraints: the service layer guards it there.
        db.add(overlapping)
        db.commit()
        assert len(db.get(Teacher, teacher.id).induction_periods) == 3


def test_second_save_of_a_stale_teacher_is_refused(app, teacher):
    sessions = app.extensions["db_sessions"]
    with sessions() as first, sessions() as second:
        mine = first.get(Teacher, teacher.id)
        theirs = second.get(Teacher, teacher.id)
        mine.trn = "7654321"
        first.commit()
        theirs.trn = "1111111"
        with pytest.raises(StaleDataError):
            second.commit()
    with sessions() as check:
        assert check.get(Teacher, teacher.id).trn == "7654321"


def test_deleting_an_appealed_period_keeps_the_appeal_as_history(
    db, teacher, appropriate_body, clock
):
    period = _period(teacher, appropriate_body, date(2024, 9, 2), date(2026, 7, 1))
    db.add(period)
    db.flush()
    appeal = Appeal(
        teacher_id=teacher.id,
        induction_period_id=period.id,
        failed_on=date(2026, 7, 1),
        lodged_on=date(2026, 7, 10),
        decision="extended",
        decided_on=date(2026, 9, 1),
        extension_terms=Decimal("2"),
        created_at=clock.now(),
    )
    db.add(appeal)
    db.commit()
    db.delete(period)
    db.commit()
    db.expire_all()
    assert db.get(Appeal, appeal.id).induction_period_id is None
