"""Each request's id, its one JSON log line and its metrics; `/metrics` for Prometheus.

The request id is the caller's `X-Request-Id` when it is plain and short (a load balancer's),
otherwise a new one. It is answered in the `X-Request-Id` response header, carried by every log
line of the request, sent to TRS on every call the request makes, and kept on the outbox row a
change writes, so one change can be followed from the click to TRS.

`/metrics` is never public: it answers only a bearer key listed in `METRICS_API_KEYS`, and is not
there at all (404) when none is set.
"""

from __future__ import annotations

import hmac
import logging
import re
import time
from contextlib import ExitStack
from typing import Any

from flask import Blueprint, Flask, Response, abort, current_app, g, request
from prometheus_client import CONTENT_TYPE_LATEST
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import generate_latest
from prometheus_client.registry import CollectorRegistry
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import ManualRequest
from app.models.manual_request import REQUEST_KINDS
from app.observability.context import note, working_on
from app.observability.metrics import PREFIX, observe_request, process_metrics
from app.trs.outbox import outbox_status
from app.web.auth import public
from app.web.context import clock, db_session

blueprint = Blueprint("observability", __name__)
log = logging.getLogger("app.requests")
# `<any('add-induction-period', ...):journey>` -> `<journey>`: short, bounded metric labels.
_CONVERTER = re.compile(r"<(?:[^:>]+:)?([^>]+)>")


def init_app(app: Flask) -> None:
    """Register before the other request hooks, so everything a request logs carries its id."""

    @app.before_request
    def _start_work() -> None:
        g.work = ExitStack()
        g.request_id = g.work.enter_context(working_on(request.headers.get("X-Request-Id")))
        g.request_started = time.perf_counter()
        trn = (request.view_args or {}).get("trn")
        if isinstance(trn, str):
            note(trn=trn)

    @app.after_request
    def _finish_work(response: Response) -> Response:
        if "request_started" not in g:  # a request refused before the hooks ran
            return response
        seconds = time.perf_counter() - g.pop("request_started")
        route = _CONVERTER.sub(r"<\1>", request.url_rule.rule) if request.url_rule else "unmatched"
        user = g.get("current_user")
        if user is not None:
            note(user_id=user.id)
        response.headers["X-Request-Id"] = g.request_id
        observe_request(route, request.method, response.status_code, seconds)
        # The path never with its query: a name search must not reach the logs.
        log.info(
            "%s %s %s",
            request.method,
            request.path,
            response.status_code,
            extra={
                "route": route,
                "path": request.path,
                "method": request.method,
                "status": response.status_code,
                "duration_ms": round(seconds * 1000, 1),
            },
        )
        return response

    @app.teardown_request
    def _end_work(_error: BaseException | None) -> None:
        work = g.pop("work", None)
        if work is not None:
            work.close()

    app.register_blueprint(blueprint)


@blueprint.route("/metrics")
@public
def metrics() -> Response:
    keys: tuple[str, ...] = current_app.config.get("METRICS_API_KEYS", ())
    if not keys:
        abort(404)
    offered = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    if not any(hmac.compare_digest(offered.encode(), key.encode()) for key in keys):
        return Response(
            "A metrics key is required.\n",
            status=401,
            headers={"WWW-Authenticate": 'Bearer realm="metrics"'},
            mimetype="text/plain",
        )
    registry = CollectorRegistry()
    registry.register(DatabaseGauges(db_session(), clock().now()))
    body = process_metrics() + generate_latest(registry)
    return Response(body, mimetype=CONTENT_TYPE_LATEST)


class DatabaseGauges:
    """What the database says now: the outbox by state and its oldest waiting change, and the
    manual requests open by kind. Read at scrape time, so every process and host agrees."""

    def __init__(self, session: Session, now: Any) -> None:
        self.session = session
        self.now = now

    def collect(self) -> Any:
        status = outbox_status(self.session, self.now)
        rows = GaugeMetricFamily(
            f"{PREFIX}_outbox_rows",
            "Outbox rows by state (in_flight: leased now).",
            labels=["state"],
        )
        for state, count in status.counts.items():
            rows.add_metric([state], count)
        rows.add_metric(["in_flight"], status.in_flight)
        yield rows
        yield GaugeMetricFamily(
            f"{PREFIX}_outbox_oldest_waiting_seconds",
            "Age of the oldest change still waiting to reach TRS (0 when none waits).",
            value=status.oldest_waiting_seconds or 0.0,
        )
        open_by_kind = dict.fromkeys(REQUEST_KINDS, 0)
        open_by_kind.update(
            self.session.execute(
                select(ManualRequest.kind, func.count())
                .where(ManualRequest.state == "open")
                .group_by(ManualRequest.kind)
            ).all()
        )
        requests = GaugeMetricFamily(
            f"{PREFIX}_manual_requests_open", "Manual requests open, by kind.", labels=["kind"]
        )
        for kind, count in open_by_kind.items():
            requests.add_metric([kind], count)
        yield requests
