"""The appropriate bodies an import file names, found by id or by name, created when asked."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.models import AppropriateBody
from app.rules.numbers import read_whole_number


class Bodies:
    """The appropriate bodies the file names: by id (all digits) or by name (any case)."""

    def __init__(self, session: Session, create: bool) -> None:
        self.session = session
        self.create = create
        self.by_id: dict[int, AppropriateBody] = {}
        self.by_name: dict[str, AppropriateBody] = {}
        for body in session.scalars(select(AppropriateBody)):
            self._know(body)

    def _know(self, body: AppropriateBody) -> None:
        self.by_id[body.id] = body
        self.by_name[body.name.casefold()] = body

    def problem(self, written: str) -> str | None:
        """Why `written` names no appropriate body; None when it does (or will be created)."""
        body_id = read_whole_number(written)
        if body_id is not None:
            return None if body_id in self.by_id else f"No appropriate body has id {written}."
        if self.create or written.casefold() in self.by_name:
            return None
        return (
            f"No appropriate body is called “{written}”. Check the name against the console's "
            "list, or run the import with --create-appropriate-bodies to add it."
        )

    def find(self, written: str) -> AppropriateBody | None:
        body_id = read_whole_number(written)
        if body_id is not None:
            return self.by_id.get(body_id)
        return self.by_name.get(written.casefold())

    def name_of(self, body_id: int | None) -> str:
        body = self.by_id.get(body_id) if body_id is not None else None
        return body.name if body else "a body not in CPD yet"

    def missing(self, written: Iterable[str]) -> list[str]:
        """The names CPD does not hold, once each, spelt as the file first spells them."""
        names: dict[str, str] = {}
        for name in written:
            if read_whole_number(name) is None and name.casefold() not in self.by_name:
                names.setdefault(name.casefold(), name)
        return list(names.values())

    def add(self, names: list[str]) -> None:
        """Create the bodies, each committed on its own before any teacher is written."""
        for name in names:
            self.session.add(AppropriateBody(name=name))
            try:
                self.session.commit()
            except IntegrityError:  # someone added it since the import began
                self.session.rollback()
        for body in self.session.scalars(select(AppropriateBody)):
            self._know(body)
