"""`GET /healthz`: is the database reachable, is TRS reachable.

503 only when the database is down: with TRS down the console still works (changes wait in the
outbox), so a load balancer should keep sending it traffic.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify
from sqlalchemy import text

from app.trs.outbox import oldest_waiting_seconds
from app.web.auth import public
from app.web.context import clock, db_session, trs_gateway

blueprint = Blueprint("health", __name__)


@blueprint.route("/healthz")
@public
def healthz() -> Any:
    outbox: dict[str, Any] = {}
    try:
        db_session().execute(text("SELECT 1"))
        database = {"reachable": True}
        outbox["oldest_waiting_seconds"] = oldest_waiting_seconds(db_session(), clock().now())
    except Exception as error:  # noqa: BLE001 - any failure means unreachable
        database = {"reachable": False, "error": type(error).__name__}
    trs = trs_gateway().ping()
    healthy = database["reachable"]
    return jsonify(
        {
            "status": "ok" if healthy else "unavailable",
            "database": database,
            "trs": trs,
            "outbox": outbox,
        }
    ), (200 if healthy else 503)
