"""The services' errors become pages once, for the whole app: each handler's status and heading,
and the session rolled back first, so a later commit in the same request writes nothing."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import select

from app.models import AppropriateBody
from app.rules import Decision
from app.services.casework import ActionRefused, NotFound, RoleMayNot
from app.services.changes import ConcurrentChange
from app.services.records import TrsUnreadable
from app.trs.gateway import TrsReading
from app.web.context import db_session

HALF_WRITTEN = "Written before the error"
REFUSED = Decision(
    outcome="forbidden",
    rule_id="TEST-RULE",
    reason="The rules do not allow this in the test",
    write_target=None,
    make_it_instead="",
    dates_used=(),
    evaluated_on=date(2026, 11, 2),
)
RAISED = {
    "refused": ActionRefused(REFUSED),
    "role": RoleMayNot(),
    "trs": TrsUnreadable(
        TrsReading("2400001", "unavailable", datetime(2026, 11, 2), problem="the sandbox is down")
    ),
    "concurrent": ConcurrentChange("2400001"),
    "gone": NotFound(),
}


@pytest.fixture
def raising(app):
    """A test-only route that writes a row, then raises the named error; every response is
    followed by a commit, as a view that went on to save something would."""

    def fail(error: str):
        db_session().add(AppropriateBody(name=HALF_WRITTEN))
        db_session().flush()
        raise RAISED[error]

    app.add_url_rule("/test-only/raise/<error>", view_func=fail)

    @app.after_request
    def _commit(response):
        db_session().commit()
        return response

    return "/test-only/raise/{}"


@pytest.mark.parametrize(
    ("error", "status", "heading", "words"),
    [
        ("refused", 403, "You cannot do that", "The rules do not allow this in the test"),
        ("role", 403, "You cannot do that", "Your role does not allow this"),
        ("trs", 503, "Sorry, the service is unavailable", "TRS could not be read: the sandbox"),
        ("concurrent", 409, "This record changed while you were editing it", "Someone else"),
        ("gone", 409, "This record changed while you were editing it", "Someone else"),
    ],
)
def test_each_domain_error_is_its_page_and_writes_nothing(
    raising, signed_in_as, db, error, status, heading, words
):
    page = signed_in_as("caseworker").get(raising.format(error), _expected_status=status)
    assert page.h1.get_text(strip=True) == heading
    assert words in page.select_one("main").get_text(" ", strip=True)
    assert db.scalar(select(AppropriateBody).where(AppropriateBody.name == HALF_WRITTEN)) is None
