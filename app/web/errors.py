"""An error page for every status the console can return, and ProblemDetails JSON for the API.

The services' domain errors become pages here, once for the whole app (see
docs/decisions/domain-errors-as-pages.md): a view catches one only to show a form again with the
problem on it.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, jsonify, make_response, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from app.services.casework import ActionRefused, ConcurrentChange, NotFound, RoleMayNot
from app.services.records import TrsUnreadable
from app.web.context import db_session

ERROR_PAGES: dict[int, tuple[str, tuple[str, ...]]] = {
    400: (
        "Sorry, there is a problem with that request",
        ("Go back and try again. If you followed a link, it may be broken.",),
    ),
    401: ("You need to sign in", ("Sign in to use this service.",)),
    403: (
        "You cannot do that",
        (
            "Your role does not allow this, or the rules do not allow this change to this record now.",
        ),
    ),
    404: (
        "Page not found",
        (
            "If you typed the web address, check it is correct.",
            "If you pasted the web address, check you copied the entire address.",
        ),
    ),
    405: ("Sorry, there is a problem with that request", ("That page cannot be used that way.",)),
    409: (
        "This record changed while you were editing it",
        ("Someone else saved a change first. Go back, check the record and try again.",),
    ),
    410: ("This page has gone", ("What was here has been removed.",)),
    413: ("What you sent is too large", ("Send less and try again.",)),
    429: ("Too many requests", ("Wait a minute, then try again.",)),
    500: (
        "Sorry, there is a problem with the service",
        ("Try again later. Nothing you sent has been saved unless you saw a confirmation.",),
    ),
    503: ("Sorry, the service is unavailable", ("Try again later.",)),
}


def render_error(status: int, paragraphs: tuple[str, ...] | None = None) -> tuple[str, int]:
    title, default_paragraphs = ERROR_PAGES.get(status, ERROR_PAGES[500])
    body = render_template(
        "errors/error.html",
        page_title=title,
        paragraphs=paragraphs or default_paragraphs,
        show_home_link=status not in (401,),
    )
    return body, status


def problem(status: int, title: str, detail: str, **extra: Any) -> Response:
    """An RFC 9457 ProblemDetails response, the API's error shape."""
    response = jsonify({"title": title, "detail": detail, "status": status, **extra})
    response.status_code = status
    response.mimetype = "application/problem+json"
    return response


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.path.endswith(".json")


def _with_headers_of(error: HTTPException, response: Response) -> Response:
    """Keep the headers the exception carries (a 405's `Allow`, RFC 9110), not its content type."""
    for name, value in error.get_headers():
        if name.lower() != "content-type":
            response.headers[name] = value
    return response


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def _csrf_error(error: CSRFError) -> Any:
        if _wants_json():
            return problem(400, "Bad request", error.description)
        return render_error(
            400,
            (
                "The form had expired or was sent from somewhere else, so nothing was saved.",
                "Go back, refresh the page and try again.",
            ),
        )

    def _domain_error(status: int, paragraphs: tuple[str, ...] | None = None) -> Any:
        """Roll back what the request wrote before the error, then its page (or problem)."""
        db_session().rollback()
        if _wants_json():
            title = ERROR_PAGES[status][0]
            return problem(status, title, " ".join(paragraphs or ERROR_PAGES[status][1]))
        return render_error(status, paragraphs)

    @app.errorhandler(ActionRefused)
    def _action_refused(error: ActionRefused) -> Any:
        return _domain_error(403, (error.decision.reason,))

    @app.errorhandler(RoleMayNot)
    def _role_may_not(error: RoleMayNot) -> Any:
        return _domain_error(403)

    @app.errorhandler(TrsUnreadable)
    def _trs_unreadable(error: TrsUnreadable) -> Any:
        return _domain_error(
            503, (f"TRS could not be read: {error}", "Try again in a few minutes.")
        )

    @app.errorhandler(ConcurrentChange)
    @app.errorhandler(NotFound)
    def _changed_meanwhile(error: ConcurrentChange | NotFound) -> Any:
        return _domain_error(409)

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException) -> Any:
        status = error.code or 500
        if _wants_json():
            response = problem(status, error.name, error.description or "")
        elif status not in ERROR_PAGES:
            return error
        else:
            response = make_response(render_error(status))
        return _with_headers_of(error, response)

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> Any:
        app.logger.exception("Unhandled error", exc_info=error)
        if _wants_json():
            return problem(500, "Internal Server Error", "Something went wrong.")
        return render_error(InternalServerError.code)
