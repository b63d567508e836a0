"""The deadlines work list (`/deadlines`) and its CSV, and the navigation count beside it.

The list is the deadlines service's; this module only reads the filter and renders. Appeals
officers see the appeal windows, caseworkers the outcome corrections and the stopped deliveries and
drift requests waiting longest (app.services.deadlines).
"""

from __future__ import annotations

import csv
import io
import time
from typing import Any

from flask import Blueprint, Response, current_app, g, render_template, request

from app.services.deadlines import DEFAULT_WORKING_DAYS, DeadlinesList, deadlines_list
from app.services.sessions import SignedIn
from app.web.auth import NAVIGATION_COUNTS, require_role
from app.web.context import clock, db_session
from app.web.forms.deadlines import DeadlinesFilterForm

blueprint = Blueprint("deadlines", __name__)
ROLES = ("appeals_officer", "caseworker", "senior_caseworker")
CSV_COLUMNS = (
    "trn",
    "name",
    "what",
    "actions",
    "rule_id",
    "last_day",
    "working_days_left",
    "waiting_since",
    "days_waiting",
)


def _list_for(user: SignedIn, working_days: int = DEFAULT_WORKING_DAYS) -> DeadlinesList:
    """Worked out once a request (the navigation's count and the page share it)."""
    lists = g.setdefault("deadlines_lists", {})
    if working_days not in lists:
        lists[working_days] = deadlines_list(db_session(), user.role, clock().today(), working_days)
    return lists[working_days]


# The navigation shows the count on every page, so it is kept for a minute per role and day (the
# list itself is always worked out afresh, and its page's count with it).
COUNT_KEPT_SECONDS = 60


def _count_for(user: SignedIn) -> int:
    lists = g.get("deadlines_lists", {})
    if DEFAULT_WORKING_DAYS in lists:
        return lists[DEFAULT_WORKING_DAYS].count
    kept = current_app.extensions.setdefault("deadlines_counts", {})
    key = (user.role, clock().today())
    count, until = kept.get(key, (0, 0.0))
    if time.monotonic() >= until:
        count = _list_for(user).count
        kept[key] = (count, time.monotonic() + COUNT_KEPT_SECONDS)
    return count


NAVIGATION_COUNTS["deadlines.deadlines_page"] = (_count_for, "closing soon")


@blueprint.route("/deadlines")
@require_role(*ROLES)
def deadlines_page() -> Any:
    form = DeadlinesFilterForm(request.args if "days" in request.args else None)
    valid = "days" not in request.args or form.validate()
    status = 200 if valid else 400
    return render_template(
        "deadlines/list.html",
        form=form,
        deadlines=_list_for(g.current_user, form.working_days) if valid else None,
        page_title="Deadlines",
    ), status


@blueprint.route("/deadlines.csv")
@require_role(*ROLES)
def deadlines_csv() -> Any:
    form = DeadlinesFilterForm(request.args if "days" in request.args else None)
    if "days" in request.args and not form.validate():
        return deadlines_page()
    listed = _list_for(g.current_user, form.working_days)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for row in listed.deadlines:
        writer.writerow(
            {
                "trn": row.trn,
                "name": _cell(row.name),
                "what": f"{row.window.title} window",
                "actions": "; ".join(row.actions),
                "rule_id": " ".join(row.rule_ids),
                "last_day": row.last_day.isoformat(),
                "working_days_left": row.working_days_left,
            }
        )
    for item in listed.waiting:
        writer.writerow(
            {
                "trn": item.trn,
                "name": _cell(item.name),
                "what": item.what,
                "waiting_since": item.requested_on.isoformat(),
                "days_waiting": item.days_waiting,
            }
        )
    filename = f"deadlines-{clock().today().isoformat()}-{listed.working_days}-working-days.csv"
    return Response(
        out.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _cell(text: str | None) -> str:
    """A name as a spreadsheet shows it, never as a formula (CSV injection)."""
    if not text:
        return ""
    return f"'{text}" if text[0] in "=+-@\t\r" else text
