"""The names the console last read from TRS, kept only so caseworkers can find a teacher by name.

TRS owns names and its API cannot search them, so the console keeps this index, refreshed every time
it reads a person from TRS. It is never shown as the record: the teacher page always reads TRS live.
Search results say when the name was read.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base
from app.models.types import UtcDateTime

# The trigram index each database keeps over `search_name` (migration 0002): a GIN index on
# PostgreSQL, an FTS5 table on SQLite. Not in the metadata: the migration owns them.
TRIGRAM_INDEX = "ix_teacher_search_index_trigrams"
TRIGRAM_TABLE = "teacher_search_trigrams"


class TeacherSearchEntry(Base):
    __tablename__ = "teacher_search_index"

    teacher_id: Mapped[int] = mapped_column(ForeignKey("teachers.id"), primary_key=True)
    display_name: Mapped[str] = mapped_column(String(300))
    # Lower-cased "first middle last": what a partial, case-insensitive search matches.
    search_name: Mapped[str] = mapped_column(String(300), index=True)
    read_from_trs_at: Mapped[datetime] = mapped_column(UtcDateTime())
