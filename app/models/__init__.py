"""SQLAlchemy models, one module per aggregate. Importing this package registers every table."""

from app.db import Base
from app.models.appeal import APPEAL_DECISIONS, Appeal
from app.models.appropriate_body import AppropriateBody
from app.models.event import Event
from app.models.manual_request import REQUEST_KINDS, REQUEST_STATES, ManualRequest
from app.models.outbox import OutboxEntry
from app.models.search_index import TeacherSearchEntry
from app.models.teacher import Extension, InductionPeriod, Teacher
from app.models.user import (
    ROLES,
    AccountEvent,
    SignInThrottle,
    User,
    UserSession,
)
from app.models.write_token import TrsWriteLock, WriteToken

__all__ = [
    "APPEAL_DECISIONS",
    "REQUEST_KINDS",
    "REQUEST_STATES",
    "ROLES",
    "AccountEvent",
    "Appeal",
    "AppropriateBody",
    "Base",
    "Event",
    "Extension",
    "InductionPeriod",
    "ManualRequest",
    "OutboxEntry",
    "SignInThrottle",
    "Teacher",
    "TeacherSearchEntry",
    "TrsWriteLock",
    "User",
    "WriteToken",
    "UserSession",
]
