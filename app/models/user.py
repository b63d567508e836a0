"""People who sign in to the console, their sign-in sessions, sign-in throttles and account events."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.security import check_password_hash, generate_password_hash

from app.db import Base
from app.models.types import UtcDateTime

# `admin` manages accounts and takes no casework action; the rest are casework roles.
ROLES = ("caseworker", "appeals_officer", "senior_caseworker", "viewer", "admin")

ROLE_NAMES = {
    "caseworker": "Caseworker",
    "appeals_officer": "Appeals officer",
    "senior_caseworker": "Senior caseworker",
    "viewer": "Viewer",
    "admin": "Admin",
}


class RoleWording:
    """An account's role in words, for the ORM's `User` and the plain reads of an account (the
    signed-in person, the user administration list)."""

    role: str

    @property
    def role_name(self) -> str:
        return ROLE_NAMES[self.role]


class User(RoleWording, Base):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(
            "role IN ('caseworker', 'appeals_officer', 'senior_caseworker', 'viewer', 'admin')",
            name="ck_users_role",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    # None for an account that signs in only through the identity provider.
    password_hash: Mapped[str | None] = mapped_column(String(255))
    # The identity provider's `sub`, linked at the first single sign-on.
    oidc_subject: Mapped[str | None] = mapped_column(String(255), unique=True)
    role: Mapped[str] = mapped_column(String(32))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return self.password_hash is not None and check_password_hash(self.password_hash, password)


class UserSession(Base):
    """One sign-in. The cookie holds a random id whose SHA-256 is `id`; nothing else is trusted."""

    __tablename__ = "user_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    signed_in_at: Mapped[datetime] = mapped_column(UtcDateTime())
    last_seen_at: Mapped[datetime] = mapped_column(UtcDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    ended_because: Mapped[str | None] = mapped_column(String(32))
    # For RP-initiated logout at the provider (its `id_token_hint`).
    id_token: Mapped[str | None] = mapped_column(Text)


class SignInThrottle(Base):
    """Failed sign-ins counted against one key: an account's email or a client address."""

    __tablename__ = "sign_in_throttles"

    key: Mapped[str] = mapped_column(String(300), primary_key=True)
    failures: Mapped[int] = mapped_column(default=0)
    last_failure_at: Mapped[datetime] = mapped_column(UtcDateTime())
    locked_until: Mapped[datetime | None] = mapped_column(UtcDateTime())


class AccountEvent(Base):
    """The audit trail for accounts: who gave whom which role when, and each sign-in lock."""

    __tablename__ = "account_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    # None for the console itself (a lock after failed sign-ins).
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_email: Mapped[str] = mapped_column(String(254))
    action: Mapped[str] = mapped_column(String(64))
    subject_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    subject: Mapped[str] = mapped_column(String(300))
    summary: Mapped[str] = mapped_column(Text)
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
