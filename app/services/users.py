"""Local accounts: creating them and checking a password."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import ROLES, User

# Checked when no account matches, so a wrong email takes as long as a wrong password.
_NO_SUCH_USER = User(password_hash="")
_NO_SUCH_USER.set_password("no-such-user")


class UserError(ValueError):
    pass


def normalise_email(email: str) -> str:
    return email.strip().lower()


def create_user(session: Session, email: str, role: str, password: str, now: datetime) -> User:
    """Add an account; the caller commits. Refuses unknown roles, duplicates and short passwords."""
    email = normalise_email(email)
    if role not in ROLES:
        raise UserError(f"Role must be one of: {', '.join(ROLES)}")
    if len(password) < 12:
        raise UserError("Password must be 12 characters or more")
    if session.scalar(select(User.id).where(User.email == email)) is not None:
        raise UserError(f"An account for {email} already exists")
    user = User(email=email, role=role, active=True, created_at=now)
    user.set_password(password)
    session.add(user)
    return user


def authenticate(session: Session, email: str, password: str) -> User | None:
    """The active user with this email and password, or None."""
    user = session.scalar(select(User).where(func.lower(User.email) == normalise_email(email)))
    if user is None:
        _NO_SUCH_USER.check_password(password)
        return None
    if not user.check_password(password) or not user.active:
        return None
    return user
