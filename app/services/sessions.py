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
from app.models.user import RoleWording

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
class SignedIn(RoleWording):
    """Who a live session belongs to, as far as a request needs to know: read with the session
    in one row of plain columns. Every signed-in request checks its session first, and building
    ORM objects for the session and its account cost a fifth of that check."""

    id: int
    email: str
    role: str
    session_id: str  # the session row's id (the cookie id's digest), to end it at sign-out


@dataclass(frozen=True)
class SessionCheck:
    """The live session's user, or why there is none (`ended` is a reason for the person), and
    whether the check wrote anything (an ended session, a new `last_seen_at`) for the caller to
    commit."""

    user: SignedIn | None
    ended: str | None = None
    wrote: bool = False


# Built once: every signed-in request asks it.
_SESSIONS, _USERS = UserSession.__table__, User.__table__
_SESSION_AND_USER = (
    select(_SESSIONS.c.signed_in_at, _SESSIONS.c.last_seen_at, _SESSIONS.c.ended_at,
           _USERS.c.id, _USERS.c.email, _USERS.c.role, _USERS.c.active)
    .join_from(_SESSIONS, _USERS, _USERS.c.id == _SESSIONS.c.user_id)
    .where(_SESSIONS.c.id == bindparam("digest"))
)  # fmt: skip
_SEEN = (
    update(_SESSIONS)
    .where(_SESSIONS.c.id == bindparam("digest"))
    .values(last_seen_at=bindparam("now"))
)


def check_session(
    session: Session, token: str, now: datetime, idle: timedelta, lifetime: timedelta
) -> SessionCheck:
    """The live session for this cookie id, ending it here if it has just run out."""
    digest = _digest(token)
    # One round trip for both rows: every signed-in request starts here.
    found = session.execute(_SESSION_AND_USER, {"digest": digest}).one_or_none()
    if found is None or found.ended_at is not None:
        return SessionCheck(None)
    if not found.active:
        end_session(session, digest, now, "deactivated")
        return SessionCheck(None, wrote=True)
    if now - found.last_seen_at > idle:
        end_session(session, digest, now, "idle")
        minutes = int(idle.total_seconds() // 60)
        return SessionCheck(
            None,
            f"You were signed out because you had not done anything for {minutes} minutes.",
            wrote=True,
        )
    if now - found.signed_in_at > lifetime:
        end_session(session, digest, now, "lifetime")
        hours = int(lifetime.total_seconds() // 3600)
        return SessionCheck(
            None,
            f"You were signed out because you signed in more than {hours} hours ago.",
            wrote=True,
        )
    seen = now - found.last_seen_at >= SEEN_RESOLUTION
    if seen:
        session.execute(_SEEN, {"digest": digest, "now": now})
    return SessionCheck(SignedIn(found.id, found.email, found.role, digest), wrote=seen)


def end_session(session: Session, session_id: str, now: datetime, because: str) -> None:
    """End one session, unless it has ended already. The caller commits."""
    session.execute(
        update(UserSession)
        .where(UserSession.id == session_id, UserSession.ended_at.is_(None))
        .values(ended_at=now, ended_because=because)
    )


def id_token_of(session: Session, session_id: str) -> str | None:
    """The identity provider's ID token the session was opened with, for its sign-out."""
    return session.scalar(select(UserSession.id_token).where(UserSession.id == session_id))


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
