"""Signing in and out, who is signed in, session expiry, and the role gate on every route.

Every route needs a signed-in user unless its view is marked `@public` (sign-in, health, the
published rules, the bearer-key API). Sessions end after 30 minutes without a request or 8 hours
after sign-in, whichever comes first.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import Any, TypeVar

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

from app.models import User
from app.observability.metrics import count_sign_in_failure
from app.services.users import authenticate
from app.web.context import clock, db_session
from app.web.forms.auth import SignInForm

blueprint = Blueprint("auth", __name__)
View = TypeVar("View", bound=Callable[..., Any])
# Flask's own static view cannot carry the mark; CSS, JS and fonts are the same for everyone.
PUBLIC_ENDPOINTS = frozenset({"static"})


def public(view: View) -> View:
    """Mark a view as reachable without signing in."""
    view.is_public = True  # type: ignore[attr-defined]
    return view


def require_role(*roles: str) -> Callable[[View], View]:
    """Refuse (403) anyone whose role is not listed, whatever the page showed them."""

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if g.current_user is None or g.current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        wrapped.allowed_roles = frozenset(roles)  # type: ignore[attr-defined] # for the navigation
        return wrapped  # type: ignore[return-value]

    return decorate


def current_user() -> User | None:
    return g.get("current_user")


def init_app(app: Flask) -> None:
    @app.before_request
    def _load_user() -> Any:
        g.current_user = None
        view = current_app.view_functions.get(request.endpoint or "")
        user_id = session.get("user_id")
        if user_id is not None:
            expired = _session_expired()
            if expired:
                session.clear()
                flash(expired, "info")
            else:
                user = db_session().get(User, user_id)
                if user is not None and user.active:
                    g.current_user = user
                    session["last_seen"] = clock().now().timestamp()
                else:
                    session.clear()
        is_public = getattr(view, "is_public", False) or request.endpoint in PUBLIC_ENDPOINTS
        if g.current_user is None and not is_public:
            if request.endpoint is None:
                return None  # a 404 or 405: let the error page say so
            return redirect(url_for("auth.sign_in", next=_safe_next(request.full_path)))
        return None

    @app.context_processor
    def _inject_user() -> dict[str, Any]:
        return {"current_user": g.get("current_user"), "navigation_items": _navigation_items}


# The service navigation: (endpoint, text, blueprint that marks it active). A section shows only
# to the roles its own route admits (`require_role`), so the two cannot disagree.
NAVIGATION = (
    ("teachers.search", "Find a teacher", "teachers"),
    ("appeals.appeals_page", "Appeals", "appeals"),
    ("manual.queue", "Manual requests", "manual"),
    ("rules.rules_page", "Rules", "rules"),
)


# endpoint -> how many things in that section wait for the signed-in user to act on (a section's
# own module registers it); shown beside the section's name.
WAITING: dict[str, Callable[[Any], int]] = {}


def _navigation_items() -> list[dict[str, Any]]:
    user = g.get("current_user")
    if user is None:
        return []
    items = []
    for endpoint, text, section in NAVIGATION:
        view = current_app.view_functions.get(endpoint)
        if view is None or user.role not in getattr(view, "allowed_roles", {user.role}):
            continue
        waiting = WAITING[endpoint](user) if endpoint in WAITING else 0
        if waiting:
            text = f"{text} ({waiting} to decide)"
        items.append(
            {"href": url_for(endpoint), "text": text, "active": request.blueprint == section}
        )
    return items


def _session_expired() -> str | None:
    now = clock().now().timestamp()
    idle: timedelta = current_app.config["SESSION_IDLE_TIMEOUT"]
    lifetime: timedelta = current_app.config["PERMANENT_SESSION_LIFETIME"]
    if now - session.get("last_seen", 0) > idle.total_seconds():
        minutes = int(idle.total_seconds() // 60)
        return f"You were signed out because you had not done anything for {minutes} minutes."
    if now - session.get("signed_in_at", 0) > lifetime.total_seconds():
        hours = int(lifetime.total_seconds() // 3600)
        return f"You were signed out because you signed in more than {hours} hours ago."
    return None


def _safe_next(target: str | None) -> str | None:
    """Only a path on this site, never another host."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    return target.rstrip("?") or None


@blueprint.route("/sign-in", methods=["GET", "POST"])
@public
def sign_in() -> Any:
    if g.current_user is not None:
        return redirect(url_for("teachers.search"))
    form = SignInForm()
    if form.validate_on_submit():
        user = authenticate(db_session(), form.email.data, form.password.data)
        if user is not None:
            next_url = _safe_next(request.args.get("next"))
            session.clear()
            session.permanent = True
            now = clock().now().timestamp()
            session.update(user_id=user.id, signed_in_at=now, last_seen=now)
            return redirect(next_url or url_for("teachers.search"))
        count_sign_in_failure()
        form.email.errors.append("Enter a correct email address and password")
    return render_template("auth/sign_in.html", form=form, page_title="Sign in")


@blueprint.route("/sign-out", methods=["POST"])
@public
def sign_out() -> Any:
    session.clear()
    flash("You have signed out.", "success")
    return redirect(url_for("auth.sign_in"))
