"""One-time permissions to write, and the per-teacher lock a direct TRS write holds.

A page that confirms a change (a journey's check page, a manual-handling form) is issued a
`WriteToken`; the POST that makes the change spends it in the same transaction as the change, so a
replayed POST, a double click or a second tab finds it spent and is shown what was done instead.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base
from app.models.types import UtcDateTime


class WriteToken(Base):
    __tablename__ = "write_tokens"

    token: Mapped[str] = mapped_column(String(43), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    # What the token may be spent on, e.g. "journey:add-extension:1000009".
    purpose: Mapped[str] = mapped_column(String(120))
    issued_at: Mapped[datetime] = mapped_column(UtcDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    # What the write did, in words, for the "already done" page.
    summary: Mapped[str | None] = mapped_column(Text)


class TrsWriteLock(Base):
    """Held while the console sends one teacher's change straight to TRS (a legacy correction),
    so two people cannot both send one on the same reading. `held_until` lets a lock left by a
    crashed process lapse."""

    __tablename__ = "trs_write_locks"

    trn: Mapped[str] = mapped_column(String(7), primary_key=True)
    token: Mapped[str] = mapped_column(String(43))
    held_until: Mapped[datetime] = mapped_column(UtcDateTime())
