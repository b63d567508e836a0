"""Appropriate bodies: the organisations that quality-assure an ECT's induction."""

from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base


class AppropriateBody(Base):
    __tablename__ = "appropriate_bodies"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
