"""Every write that leaves the console happens once: one-time write tokens.

A page that confirms a change is issued a token (`issue`). The POST that makes the change spends it
(`Once.claim`) in the same transaction as the change, as the first write of that transaction, so two
POSTs carrying one token queue on its row: the first writes, the second finds it spent and raises
`AlreadyDone` with what the first did (`Once.settle` keeps that, before the commit). A transaction
that rolls back leaves the token unspent, so a refused or failed change can be confirmed again.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, insert, update
from sqlalchemy.orm import Session

from app.models import User, WriteToken


class AlreadyDone(Exception):
    """The token was spent already: this confirmation made its change before."""

    def __init__(self, summary: str | None, by: str | None, at: datetime | None) -> None:
        super().__init__(summary or "This change was made already.")
        self.summary = summary
        self.by = by
        self.at = at


class UnknownToken(Exception):
    """No token of this person's for this purpose: the form is not one the console issued."""


def already_done(session: Session, row: WriteToken) -> AlreadyDone:
    """What a spent token's write did, who made it and when."""
    user = session.get(User, row.user_id)
    return AlreadyDone(row.summary, user.email if user else None, row.used_at)


def spent(session: Session, token: str | None) -> AlreadyDone | None:
    """The write a token was spent on, or None when it is unspent (or unknown)."""
    row = session.get(WriteToken, token, populate_existing=True) if token else None
    return already_done(session, row) if row is not None and row.used_at else None


def issue(session: Session, user_id: int, purpose: str, now: datetime) -> str:
    """A new token for `purpose` (committed, so any worker can spend it)."""
    token = secrets.token_urlsafe(32)
    session.execute(
        _ISSUE, {"token": token, "user_id": user_id, "purpose": purpose, "issued_at": now}
    )
    session.commit()
    return token


@dataclass(frozen=True)
class Once:
    """A token as a write carries it: whose it is and what it is for."""

    token: str
    user_id: int
    purpose: str

    def claim(self, session: Session, now: datetime) -> None:
        """Spend the token in the caller's transaction; raises AlreadyDone or UnknownToken."""
        spent = session.execute(
            _CLAIM, {"token_": self.token, "user_id_": self.user_id, "purpose_": self.purpose,
                     "now": now},
        )  # fmt: skip
        if spent.rowcount == 1:
            return
        row = session.get(WriteToken, self.token, populate_existing=True)
        if row is None or row.user_id != self.user_id or row.purpose != self.purpose:
            raise UnknownToken(self.purpose)
        raise already_done(session, row)

    def settle(self, session: Session, summary: str) -> None:
        """Keep what the write did with the spent token (the caller commits)."""
        session.execute(_SETTLE, {"token_": self.token, "what": summary})

    def release(self, session: Session) -> None:
        """Unspend the token: the write it was spent on was verified not to have happened."""
        session.execute(_RELEASE, {"token_": self.token})


# Built once, on the table itself: a token is never held as an object while it is issued or
# spent (the reads after a claim load the row afresh), and the ORM's unit of work and bulk update
# only added work to each check page and confirm.
_TOKENS = WriteToken.__table__
_ISSUE = insert(_TOKENS)
_THIS_TOKEN = _TOKENS.c.token == bindparam("token_")
_CLAIM = (
    update(_TOKENS)
    .where(
        _THIS_TOKEN,
        _TOKENS.c.user_id == bindparam("user_id_"),
        _TOKENS.c.purpose == bindparam("purpose_"),
        _TOKENS.c.used_at.is_(None),
    )
    .values(used_at=bindparam("now"))
)
_SETTLE = update(_TOKENS).where(_THIS_TOKEN).values(summary=bindparam("what"))
_RELEASE = update(_TOKENS).where(_THIS_TOKEN).values(used_at=None, summary=None)
