"""The appeals list (/appeals) and the appeal summary the teacher page shows.

The list is for appeals officers and caseworkers: open appeals by their decision deadline, soonest
first, then the fails whose lodging window is still open. Who may record anything is the journeys'
business (`role_may` and the rules); these pages only show.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template

from app.models import Teacher
from app.services.appeals import AppealState, appeals_list, teacher_appeals
from app.web.auth import require_role
from app.web.context import clock, db_session

blueprint = Blueprint("appeals", __name__)


@blueprint.route("/appeals")
@require_role("appeals_officer", "caseworker", "senior_caseworker")
def appeals_page() -> Any:
    return render_template(
        "appeals/list.html",
        appeals=appeals_list(db_session(), clock().today()),
        page_title="Appeals",
    )


@blueprint.app_template_global()
def appeals_of(teacher: Teacher | None) -> list[AppealState]:
    """The teacher page's appeals (its template asks, so the teacher view stays as it is)."""
    return teacher_appeals(db_session(), teacher)
