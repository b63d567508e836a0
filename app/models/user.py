"""People who sign in to the console."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, String
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.security import check_password_hash, generate_password_hash

from app.db import Base
from app.models.types import UtcDateTime

ROLES = ("caseworker", "appeals_officer", "senior_caseworker", "viewer")

ROLE_NAMES = {
    "caseworker": "Caseworker",
    "appeals_officer": "Appeals officer",
    "senior_caseworker": "Senior caseworker",
    "viewer": "Viewer",
}


class User(Base):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(
            "role IN ('caseworker', 'appeals_officer', 'senior_caseworker', 'viewer')",
            name="ck_users_role",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(32))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def role_name(self) -> str:
        return ROLE_NAMES[self.role]
