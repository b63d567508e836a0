"""Seeding the demo: users, appropriate bodies and the CPD side of the demo teachers.

Development only: `seed_demo` refuses unless the config allows it, so production never has demo
users. Running it twice adds nothing the second time.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.clock import LONDON
from app.demo import APPROPRIATE_BODIES, demo_teachers
from app.models import (
    AppropriateBody,
    Extension,
    InductionPeriod,
    Teacher,
    TeacherSearchEntry,
    User,
)

DEMO_PASSWORD = "demo-password"
DEMO_USERS = (
    ("caseworker@example.gov.uk", "caseworker"),
    ("appeals.officer@example.gov.uk", "appeals_officer"),
    ("senior.caseworker@example.gov.uk", "senior_caseworker"),
    ("viewer@example.gov.uk", "viewer"),
    ("admin@example.gov.uk", "admin"),
)


def seed_demo(session: Session, now: datetime) -> dict[str, int]:
    """Add whatever of the demo is missing; returns how many of each thing it added."""
    added = {"users": 0, "appropriate_bodies": 0, "teachers": 0}
    for email, role in DEMO_USERS:
        if session.scalar(select(User.id).where(User.email == email)) is None:
            # Built directly: the published demo password is shorter than real accounts allow.
            user = User(email=email, role=role, active=True, created_at=now)
            user.set_password(DEMO_PASSWORD)
            session.add(user)
            added["users"] += 1
    bodies = {b.name: b for b in session.scalars(select(AppropriateBody))}
    for name in APPROPRIATE_BODIES:
        if name not in bodies:
            bodies[name] = AppropriateBody(name=name)
            session.add(bodies[name])
            added["appropriate_bodies"] += 1
    session.flush()
    existing = set(session.scalars(select(Teacher.trn)))
    for demo in demo_teachers(now.astimezone(LONDON).date()):
        if not demo.in_cpd or demo.trn in existing:
            continue
        teacher = Teacher(trn=demo.trn, created_at=now, updated_at=now)
        for period in demo.periods:
            recorded = period.outcome_recorded_on
            teacher.induction_periods.append(
                InductionPeriod(
                    appropriate_body=bodies[period.appropriate_body],
                    started_on=period.started_on,
                    finished_on=period.finished_on,
                    training_programme=period.training_programme,
                    number_of_terms=_terms(period.number_of_terms),
                    outcome=period.outcome,
                    outcome_on=period.finished_on if period.outcome else None,
                    outcome_recorded_at=(
                        datetime(recorded.year, recorded.month, recorded.day, 12, tzinfo=LONDON)
                        if recorded
                        else None
                    ),
                )
            )
        for terms in demo.extensions:
            teacher.extensions.append(Extension(number_of_terms=_terms(terms), created_at=now))
        session.add(teacher)
        if demo.trs is not None and demo.first_name:
            session.flush()
            name = " ".join(p for p in (demo.first_name, demo.middle_name, demo.last_name) if p)
            session.add(
                TeacherSearchEntry(
                    teacher_id=teacher.id,
                    display_name=name,
                    search_name=name.lower(),
                    read_from_trs_at=now,
                )
            )
        added["teachers"] += 1
    session.commit()
    return added


def _terms(value: float | None) -> Decimal | None:
    return None if value is None else Decimal(str(value))
