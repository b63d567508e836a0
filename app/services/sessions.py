"""Server-side sign-in sessions: the browser holds a random id; the database holds the session.

Only the id's SHA-256 is stored, so a copy of the table opens no session. A session ends at
sign-out, when its account is deactivated or changes role, when an admin ends it, after
`idle` without a request or `lifetime` after sign-in, whichever comes first.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from app.models import User, UserSession

# last_seen_at is written at most this often, so a page's assets do not each cost a write.
SEEN_RESOLUTION = timedelta(seconds=60)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(session: Session, user: User, now: datetime, id_token: str | None = None) -> str:
    """A new session for `user`; returns the random id for the cookie. The caller commits."""
    token = secrets.token_urlsafe(32)
    session.add(
        UserSession(
            id=_digest(token),
            user_id=user.id,
            signed_in_at=now,
            last_seen_at=now,
            id_token=id_token,
        )
    )
    return token


@dataclass(frozen=True)
class SessionCheck:
    """The live session and its user, or why there is none (`ended` is a reason for the person)."""

    row: UserSession | None
    user: User | None
    ended: str | None = None


# Built once: every signed-in request asks it.
_SESSION_AND_USER = (
    select(UserSession, User)
    .join(User, User.id == UserSession.user_id)
    .where(UserSession.id == bindparam("digest"))
)


def check_session(
    session: Session, token: str, now: datetime, idle: timedelta, lifetime: timedelta
) -> SessionCheck:
    """The live session for this cookie id, ending it here if it has just run out."""
    # One round trip for both rows: every signed-in request starts here.
    found = session.execute(_SESSION_AND_USER, {"digest": _digest(token)}).one_or_none()
    if found is None or found[0].ended_at is not None:
        return SessionCheck(None, None)
    row, user = found
    if not user.active:
        end_session(row, now, "deactivated")
        return SessionCheck(None, None)
    if now - row.last_seen_at > idle:
        end_session(row, now, "idle")
        minutes = int(idle.total_seconds() // 60)
        return SessionCheck(
            None,
            None,
            f"You were signed out because you had not done anything for {minutes} minutes.",
        )
    if now - row.signed_in_at > lifetime:
        end_session(row, now, "lifetime")
        hours = int(lifetime.total_seconds() // 3600)
        return SessionCheck(
            None, None, f"You were signed out because you signed in more than {hours} hours ago."
        )
    if now - row.last_seen_at >= SEEN_RESOLUTION:
        row.last_seen_at = now
    return SessionCheck(row, user)


def end_session(row: UserSession, now: datetime, because: str) -> None:
    if row.ended_at is None:
        row.ended_at = now
        row.ended_because = because


def end_sessions_of(session: Session, user_id: int, now: datetime, because: str) -> int:
    """End every live session of one account; returns how many. The caller commits."""
    result = session.execute(
        update(UserSession)
        .where(UserSession.user_id == user_id, UserSession.ended_at.is_(None))
        .values(ended_at=now, ended_because=because)
    )
    return result.rowcount


def live_session_count(session: Session, user_id: int) -> int:
    return len(
        session.scalars(
            select(UserSession.id).where(
                UserSession.user_id == user_id, UserSession.ended_at.is_(None)
            )
        ).all()
    )
