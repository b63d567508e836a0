"""What a request needs from the app: its database session, the clock and the TRS gateway."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import current_app, g
from sqlalchemy.orm import Session

from app.clock import Clock

if TYPE_CHECKING:
    from app.trs.gateway import TrsGateway


def db_session() -> Session:
    """The request's session, opened on first use and closed when the request ends."""
    if "db_session" not in g:
        g.db_session = current_app.extensions["db_sessions"]()
    return g.db_session


def clock() -> Clock:
    return current_app.extensions["clock"]


def trs_gateway() -> TrsGateway:
    return current_app.extensions["trs"]
