"""Accounts: creating them, checking a password, matching a single sign-on, and administering them.

The identity provider proves who someone is; the console decides whether they get in and with
which role. Every change an admin makes is one transaction with its account event.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from app.models import ROLES, AccountEvent, User
from app.models.user import ROLE_NAMES, RoleWording
from app.services.sessions import SignedIn, end_sessions_of

# Checked when no account matches, so a wrong email takes as long as a wrong password.
_NO_SUCH_USER = User(password_hash="")
_NO_SUCH_USER.set_password("no-such-user")


class UserError(ValueError):
    pass


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_by_email(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(func.lower(User.email) == normalise_email(email)))


def create_user(
    session: Session, email: str, role: str, password: str | None, now: datetime
) -> User:
    """Add an account; the caller commits. Refuses unknown roles, duplicates and short passwords.
    Without a password the account signs in through the identity provider only."""
    email = normalise_email(email)
    if role not in ROLES:
        raise UserError(f"Role must be one of: {', '.join(ROLES)}")
    if password is not None and len(password) < 12:
        raise UserError("Password must be 12 characters or more")
    if find_by_email(session, email) is not None:
        raise UserError(f"An account for {email} already exists")
    user = User(email=email, role=role, active=True, created_at=now)
    if password is not None:
        user.set_password(password)
    session.add(user)
    return user


def authenticate(session: Session, email: str, password: str) -> User | None:
    """The active user with this email and password, or None."""
    user = find_by_email(session, email)
    if user is None or user.password_hash is None:
        _NO_SUCH_USER.check_password(password)
        return None
    if not user.check_password(password) or not user.active:
        return None
    return user


def match_sign_on(
    session: Session, subject: str, email: str | None, email_verified: bool, now: datetime
) -> User | None:
    """The active account a provider's identity belongs to, or None (they do not get in).

    The `sub` decides once linked, and a changed verified email follows it. Before that, only a
    verified email matches, and the first sign-in links the `sub`. The caller commits."""
    user = session.scalar(select(User).where(User.oidc_subject == subject))
    if user is None:
        if not email or not email_verified:
            return None
        user = find_by_email(session, email)
        if user is None or user.oidc_subject is not None or not user.active:
            return None
        user.oidc_subject = subject
        _event(
            session,
            None,
            "sign_on_linked",
            user,
            now,
            None,
            {"oidc_subject": subject},
            f"First single sign-on linked {user.email} to the provider's account",
        )
        return user
    if not user.active:
        return None
    if email and email_verified and normalise_email(email) != user.email:
        new_email = normalise_email(email)
        if find_by_email(session, new_email) is None:
            _event(
                session,
                None,
                "email_followed",
                user,
                now,
                {"email": user.email},
                {"email": new_email},
                f"Email changed at the provider to {new_email}",
            )
            user.email = new_email
    return user


# Administration ----------------------------------------------------------------------------------


def add_account(session: Session, actor: SignedIn, email: str, role: str, now: datetime) -> User:
    """An admin adds an account that signs in through the identity provider. Commits."""
    user = create_user(session, email, role, None, now)
    session.flush()
    _event(
        session,
        actor,
        "account_added",
        user,
        now,
        None,
        {"email": user.email, "role": role},
        f"{actor.email} added {user.email} as {ROLE_NAMES[role]}",
    )
    session.commit()
    return user


def change_role(session: Session, actor: SignedIn, user: User, now: datetime, *, role: str) -> None:
    """Give `user` another role and end their sessions, so the new role applies at once. Commits."""
    if role not in ROLES:
        raise UserError("Select a role")
    if user.id == actor.id:
        raise UserError("You cannot change your own role")
    if role == user.role:
        raise UserError(f"{user.email} is already {ROLE_NAMES[role]}")
    _keep_an_admin(session, user)
    before = user.role
    user.role = role
    end_sessions_of(session, user.id, now, "role_changed")
    _event(
        session,
        actor,
        "role_changed",
        user,
        now,
        {"role": before},
        {"role": role},
        f"{actor.email} changed {user.email} from {ROLE_NAMES[before]} to {ROLE_NAMES[role]}",
    )
    session.commit()


def deactivate(session: Session, actor: SignedIn, user: User, now: datetime) -> None:
    """Stop an account signing in and end its sessions. Commits."""
    if user.id == actor.id:
        raise UserError("You cannot deactivate your own account")
    if not user.active:
        raise UserError(f"{user.email} is already deactivated")
    _keep_an_admin(session, user)
    user.active = False
    end_sessions_of(session, user.id, now, "deactivated")
    _event(
        session,
        actor,
        "account_deactivated",
        user,
        now,
        {"active": True},
        {"active": False},
        f"{actor.email} deactivated {user.email}",
    )
    session.commit()


def reactivate(session: Session, actor: SignedIn, user: User, now: datetime) -> None:
    """Let a deactivated account sign in again, with the role it had. Commits."""
    if user.active:
        raise UserError(f"{user.email} is already active")
    user.active = True
    _event(
        session,
        actor,
        "account_reactivated",
        user,
        now,
        {"active": False},
        {"active": True},
        f"{actor.email} reactivated {user.email} as {ROLE_NAMES[user.role]}",
    )
    session.commit()


def end_user_sessions(session: Session, actor: SignedIn, user: User, now: datetime) -> int:
    """End every session of `user` (a lost laptop); returns how many. Commits."""
    ended = end_sessions_of(session, user.id, now, "ended_by_admin")
    _event(
        session,
        actor,
        "sessions_ended",
        user,
        now,
        None,
        {"sessions_ended": ended},
        f"{actor.email} ended {ended} session(s) of {user.email}",
    )
    session.commit()
    return ended


def _keep_an_admin(session: Session, user: User) -> None:
    """Refuse to take away the last active admin."""
    if user.role != "admin" or not user.active:
        return
    admins = session.scalar(
        select(func.count()).select_from(User).where(User.role == "admin", User.active.is_(True))
    )
    if admins <= 1:
        raise UserError(f"{user.email} is the only admin: add another admin first")


def _event(
    session: Session,
    actor: SignedIn | None,
    action: str,
    user: User,
    now: datetime,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    summary: str,
) -> None:
    session.add(
        AccountEvent(
            occurred_at=now,
            actor_user_id=actor.id if actor else None,
            actor_email=actor.email if actor else "induction-console",
            action=action,
            subject_user_id=user.id,
            subject=user.email,
            summary=summary,
            before=before,
            after=after,
        )
    )


@dataclass(frozen=True)
class AccountOnList(RoleWording):
    """What the user administration list shows of an account: never its password's hash."""

    id: int
    email: str
    role: str
    active: bool


@dataclass(frozen=True)
class AccountChange:
    """A recent account event, as the list shows it."""

    occurred_at: datetime
    summary: str


def accounts(session: Session) -> list[AccountOnList]:
    """Every account, by email. Read as plain values: the list only shows them, and building an
    ORM object for each account was a fifth of the page's work."""
    return [AccountOnList(*row) for row in session.execute(_ACCOUNTS)]


def account_events(session: Session, limit: int = 50) -> list[AccountChange]:
    """The latest account events, newest first."""
    return [AccountChange(*row) for row in session.execute(_LATEST_EVENTS, {"limit": limit})]


# Built once: the user administration page asks both on every view.
_ACCOUNTS = select(User.id, User.email, User.role, User.active).order_by(User.email)
_LATEST_EVENTS = (
    select(AccountEvent.occurred_at, AccountEvent.summary)
    .order_by(AccountEvent.occurred_at.desc(), AccountEvent.id.desc())
    .limit(bindparam("limit"))
)
