"""The appeals list (/appeals) and the appeal summary the teacher page shows.

The list is for appeals officers and caseworkers: open appeals by their decision deadline, soonest
first, then the fails whose lodging window is still open. Who may record anything is the journeys'
business (`role_may` and the rules); these pages only show.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template
from sqlalchemy import func, select

from app.models import Appeal
from app.rules import role_may
from app.services.appeals import AppealState, appeals_list, teacher_appeals
from app.services.sessions import SignedIn
from app.services.teacher_page import TeacherAsRead
from app.services.teachers import names_by_trn
from app.web.auth import NAVIGATION_COUNTS, require_role
from app.web.context import clock, db_session

blueprint = Blueprint("appeals", __name__)


@blueprint.route("/appeals")
@require_role("appeals_officer", "caseworker", "senior_caseworker")
def appeals_page() -> Any:
    appeals = appeals_list(db_session(), clock().today())
    trns = (a.trn for a in (*appeals.open_appeals, *appeals.appealable_fails))
    return render_template(
        "appeals/list.html",
        appeals=appeals,
        names=names_by_trn(db_session(), trns),
        page_title="Appeals",
    )


def _appeals_to_decide(user: SignedIn) -> int:
    """Lodged appeals with no decision yet, for the people who record appeal decisions."""
    if not role_may(user.role, "record_appeal_decision"):
        return 0
    return db_session().scalar(
        select(func.count()).select_from(Appeal).where(Appeal.decision.is_(None))
    )


NAVIGATION_COUNTS["appeals.appeals_page"] = (_appeals_to_decide, "to decide")


@blueprint.app_template_global()
def appeals_of(teacher: TeacherAsRead | None) -> list[AppealState]:
    """The teacher page's appeals (its template asks, so the teacher view stays as it is)."""
    return teacher_appeals(teacher)
