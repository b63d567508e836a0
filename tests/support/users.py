"""Extra signed-in people for tests that need more than one of a role."""

from __future__ import annotations

from datetime import datetime

from flask import Flask
from sqlalchemy.orm import Session

from app.models import User
from tests.support.pages import ClientRequest


def sign_in_new_user(
    app: Flask, db: Session, email: str, role: str, now: datetime, password: str, password_hash: str
) -> ClientRequest:
    """Add an active user with this role, and a client signed in as them."""
    db.add(User(email=email, role=role, active=True, password_hash=password_hash, created_at=now))
    db.commit()
    client = ClientRequest(app, app.test_client())
    client.sign_in(email, password)
    return client
