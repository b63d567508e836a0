"""Finding teachers and reading what CPD holds about one."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import ColumnElement, Select, bindparam, column, func, select, table, text
from sqlalchemy.orm import Session, joinedload

from app.models import InductionPeriod, Teacher, TeacherSearchEntry
from app.models.search_index import TRIGRAM_TABLE
from app.services.teacher_page import TeacherAsRead
from app.trs.person import TrsPerson

TRN_PATTERN = re.compile(r"^[0-9]{7}\Z")  # \Z: "$" would also accept a trailing newline
SEARCH_INDEX_REFRESH = timedelta(hours=1)


@dataclass(frozen=True)
class SearchHit:
    teacher_id: int
    trn: str
    name: str | None
    name_read_at: datetime | None


@dataclass(frozen=True)
class SearchResults:
    query: str
    by: str  # "trn" or "name"
    hits: list[SearchHit]
    total: int
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


def search_teachers(session: Session, query: str, page: int, page_size: int) -> SearchResults:
    """By TRN when the query is seven digits (exact), otherwise by name (partial, any case)."""
    query = " ".join(query.split())
    page = max(page, 1)
    if TRN_PATTERN.match(query):
        # A TRN is unique: its one row (or none) is the count as well, in one round trip.
        rows = session.execute(_BY_TRN, {"trn": query}).all()
        total = len(rows)
        rows = rows[(page - 1) * page_size : page * page_size]
        by = "trn"
    else:
        # Every match is counted in the name index alone (each entry has its teacher), and the
        # count rides on each row of the page, so one round trip answers both. Counted over the
        # page's join instead (a window), the database joined and numbered every match before
        # the limit: a surname shared by 10,000 teachers cost it over 100 ms a search. Only a page
        # past the last, which has no rows to carry the count, asks for it alone.
        by_name, count, part = _name_search(session, query.lower())
        bound = {"part": part, "limit": page_size, "offset": (page - 1) * page_size}
        counted = session.execute(by_name, bound).all()
        rows = [row[:4] for row in counted]
        total = counted[0][4] if counted else session.scalar(count, bound)
        by = "name"
    hits = [SearchHit(*row) for row in rows]
    return SearchResults(query, by, hits, total or 0, page, page_size)


def _name_search(session: Session, part: str) -> tuple[Select, Select, str]:
    """The page of names containing `part`, its count alone, and the value to bind as `part`.

    Served by the trigram index of migration 0002. PostgreSQL's pg_trgm index serves LIKE itself.
    SQLite's FTS5 trigram table answers a quoted phrase of three or more characters as a
    substring match (a LIKE with ESCAPE would bypass it); a two-character search, too short for a
    trigram, reads every name instead.
    """
    if session.get_bind().dialect.name == "sqlite" and len(part) >= 3:
        return *_BY_PHRASE, '"' + part.replace('"', '""') + '"'
    return *_BY_LIKE, "%" + _escape_like(part) + "%"


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


# Built once, with the query bound on every run: building a statement and its cache key cost
# about as much as running it. A teacher whose name the console has not read yet is still found
# by TRN; a name search starts from the name index (a teacher with no entry cannot match).
_HITS = select(
    Teacher.id, Teacher.trn, TeacherSearchEntry.display_name, TeacherSearchEntry.read_from_trs_at
).select_from(Teacher)
_BY_TRN = _HITS.outerjoin(TeacherSearchEntry, TeacherSearchEntry.teacher_id == Teacher.id).where(
    Teacher.trn == bindparam("trn")
)


def _by_name(condition: ColumnElement[bool]) -> tuple[Select, Select]:
    count = select(func.count()).select_from(TeacherSearchEntry).where(condition)
    page = (
        _HITS.join(TeacherSearchEntry, TeacherSearchEntry.teacher_id == Teacher.id)
        .where(condition)
        .add_columns(count.scalar_subquery())
        .order_by(TeacherSearchEntry.search_name, Teacher.trn)
        .limit(bindparam("limit"))
        .offset(bindparam("offset"))
    )
    return page, count


_TRIGRAMS = table(TRIGRAM_TABLE, column("rowid"))
_BY_PHRASE = _by_name(
    TeacherSearchEntry.teacher_id.in_(
        select(_TRIGRAMS.c.rowid).where(text(f"{TRIGRAM_TABLE} MATCH :part"))
    )
)
_BY_LIKE = _by_name(TeacherSearchEntry.search_name.like(bindparam("part"), escape="\\"))


def find_teacher(session: Session, trn: str) -> Teacher | None:
    """A teacher with their periods (and appropriate bodies), extensions and appeals, in one
    query: a teacher has a dozen periods, a few extensions and an appeal or two at most, so joining
    them to the teacher's row costs a few dozen rows and saves a round trip each on every journey
    page and save. (The teacher page, which only reads, has a query of its own:
    `app/services/teacher_page.py`.)"""
    return session.scalars(_TEACHER_BY_TRN, {"trn": trn}).unique().one_or_none()


def in_stored_order(teacher: Teacher) -> None:
    """Put a teacher's rows in memory in the order a fresh read gives them (periods by start
    date), after a change has edited them. Within the change's transaction the rows in memory are
    the rows as they stand: the change's version check refuses any save that raced it."""
    teacher.induction_periods.sort(key=lambda period: period.started_on)


# Built once: every journey page and save asks it.
_TEACHER_BY_TRN = (
    select(Teacher)
    .options(
        joinedload(Teacher.induction_periods).joinedload(InductionPeriod.appropriate_body),
        joinedload(Teacher.extensions),
        joinedload(Teacher.appeals),
    )
    .where(Teacher.trn == bindparam("trn"))
)


def names_by_trn(session: Session, trns: Iterable[str]) -> dict[str, str]:
    """TRN -> the teacher's name as the name index last read it from TRS, in one query; a
    teacher whose name the console has not read yet is left out."""
    wanted = set(trns)
    if not wanted:
        return {}
    rows = session.execute(
        select(Teacher.trn, TeacherSearchEntry.display_name)
        .join(TeacherSearchEntry, TeacherSearchEntry.teacher_id == Teacher.id)
        .where(Teacher.trn.in_(wanted))
    )
    return {trn: name for trn, name in rows}


def remember_name(
    session: Session,
    teacher_id: int,
    person: TrsPerson,
    now: datetime,
    known: SearchHit | None = None,
) -> None:
    """Refresh the search index from a TRS reading, at most hourly unless the name changed.

    The caller passes what the entry held (`known`: the teacher page's read and a search both
    have it), so a name read within the hour costs no query.
    """
    if known is not None and _name_is_fresh(known.name, known.name_read_at, person, now):
        return
    entry = session.get(TeacherSearchEntry, teacher_id)
    if entry and _name_is_fresh(entry.display_name, entry.read_from_trs_at, person, now):
        return
    if entry is None:
        entry = TeacherSearchEntry(teacher_id=teacher_id)
        session.add(entry)
    entry.display_name = person.full_name
    entry.search_name = person.full_name.lower()
    entry.read_from_trs_at = now
    session.commit()


def _name_is_fresh(
    name: str | None, read_at: datetime | None, person: TrsPerson, now: datetime
) -> bool:
    return name == person.full_name and read_at is not None and now - read_at < SEARCH_INDEX_REFRESH


@dataclass(frozen=True)
class InductionSummary:
    """The state of a teacher's induction in CPD, for a caseworker to read at a glance."""

    state: str  # "none", "in_progress", "paused", "passed", "failed", "closed_by_exemption"
    since: date | None
    terms_so_far: Decimal
    extension_terms: Decimal


def summarise_induction(teacher: TeacherAsRead) -> InductionSummary:
    periods = teacher.induction_periods
    terms = sum((p.number_of_terms or Decimal("0") for p in periods), Decimal("0"))
    extensions = teacher.total_extension_terms
    if not periods:
        return InductionSummary("none", None, terms, extensions)
    outcome = teacher.outcome_period
    if outcome is not None:
        state = "passed" if outcome.outcome == "pass" else "failed"
        return InductionSummary(state, outcome.outcome_on, terms, extensions)
    latest = periods[-1]
    if latest.closed_by_exemption and teacher.ongoing_period is None:
        return InductionSummary("closed_by_exemption", latest.finished_on, terms, extensions)
    started = min(p.started_on for p in periods)
    state = "in_progress" if teacher.ongoing_period else "paused"
    return InductionSummary(state, started, terms, extensions)
