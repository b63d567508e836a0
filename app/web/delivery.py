""" "Check TRS now": reconcile one teacher on demand, then say what was found (docs/domain.md).

Caseworkers press it after someone changed the teacher in TRS (an exemption, say), instead of
waiting for the scheduled reconciliation.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, url_for

from app.services.teachers import TRN_PATTERN, find_teacher
from app.trs.reconcile import check_teacher
from app.web.auth import require_role
from app.web.context import clock, db_session, trs_gateway

blueprint = Blueprint("delivery", __name__)
CHECK_ROLES = ("caseworker", "senior_caseworker", "appeals_officer")
# Outcomes that need nobody's attention are flashed as a success; the rest as information.
_SUCCESS = frozenset({"in_step", "exemption_closed", "trs_status_stands", "delivery_resumed"})


def may_check_trs(role: str) -> bool:
    """Whether the teacher page offers this role "Check TRS now" (the route checks it again)."""
    return role in CHECK_ROLES


@blueprint.post("/teachers/<trn>/check-trs")
@require_role(*CHECK_ROLES)
def check_trs(trn: str) -> Any:
    if not TRN_PATTERN.match(trn):
        abort(404)
    session = db_session()
    teacher = find_teacher(session, trn)
    if teacher is None:
        abort(404)
    gateway = trs_gateway()
    finding = check_teacher(session, teacher, lambda t: gateway.read_person(t, fresh=True), clock())
    flash(finding.message, "success" if finding.outcome in _SUCCESS else "info")
    return redirect(url_for("teachers.teacher", trn=trn))
