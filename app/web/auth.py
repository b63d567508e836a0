"""Signing in and out, who is signed in, throttling, and the role gate on every route.

Every route needs a signed-in user unless its view is marked `@public` (sign-in, health, the
published rules, the bearer-key API). Who is signed in is decided on the server: the cookie carries
only a random session id (`app.services.sessions`). With `OIDC_ISSUER` set people sign in through
the identity provider, and the local password form is off.
"""

from __future__ import annotations

import string
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar
from urllib.parse import urlsplit

import requests
from authlib.integrations.base_client.errors import OAuthError
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
from joserfc.errors import JoseError
from werkzeug.urls import iri_to_uri

from app.models import User
from app.observability.metrics import count_sign_in_failure
from app.services import throttle
from app.services.sessions import SignedIn, check_session, end_session, id_token_of, start_session
from app.services.users import authenticate, match_sign_on
from app.web.context import clock, db_session
from app.web.forms.auth import SignInForm
from app.web.oidc import oidc_client

blueprint = Blueprint("auth", __name__)
View = TypeVar("View", bound=Callable[..., Any])
# Flask's own static view cannot carry the mark; CSS, JS and fonts are the same for everyone.
PUBLIC_ENDPOINTS = frozenset({"static"})
WRONG_PASSWORD = "Enter a correct email address and password"
# What can go wrong between the provider's redirect back and a validated ID token.
SIGN_ON_FAILURES = (OAuthError, JoseError, requests.RequestException, KeyError)


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


def current_user() -> SignedIn | None:
    return g.get("current_user")


def init_app(app: Flask) -> None:
    @app.before_request
    def _load_user() -> Any:
        g.current_user = None
        view = current_app.view_functions.get(request.endpoint or "")
        token = session.get("sid")
        if token is not None:
            check = check_session(
                db_session(),
                token,
                clock().now(),
                current_app.config["SESSION_IDLE_TIMEOUT"],
                current_app.config["PERMANENT_SESSION_LIFETIME"],
            )
            if check.wrote:  # an ended session or a new last_seen_at; else no round trip
                db_session().commit()
            if check.user is None:
                session.clear()
                if check.ended:
                    flash(check.ended, "info")
            else:
                g.current_user = check.user
        is_public = getattr(view, "is_public", False) or request.endpoint in PUBLIC_ENDPOINTS
        if g.current_user is None and not is_public:
            if request.endpoint is None:
                return None  # a 404 or 405: let the error page say so
            return redirect(url_for("auth.sign_in", next=safe_next(request.full_path)))
        return None

    @app.context_processor
    def _inject_user() -> dict[str, Any]:
        return {"current_user": g.get("current_user"), "navigation_items": _navigation_items}


# The service navigation: (endpoint, text, blueprint that marks it active). A section shows only
# to the roles its own route admits (`require_role`), so the two cannot disagree.
NAVIGATION = (
    ("teachers.search", "Find a teacher", "teachers"),
    ("appeals.appeals_page", "Appeals", "appeals"),
    ("deadlines.deadlines_page", "Deadlines", "deadlines"),
    ("manual.queue", "Manual requests", "manual"),
    ("rules.rules_page", "Rules", "rules"),
    ("users.users_page", "Users", "users"),
)


# Sections that say how much waits for the signed-in person to act on, shown beside the section's
# name: endpoint -> (how many, in what words). A section's own module registers it.
NAVIGATION_COUNTS: dict[str, tuple[Callable[[SignedIn], int], str]] = {}


def _navigation_items() -> list[dict[str, Any]]:
    user = g.get("current_user")
    if user is None:
        return []
    items = []
    for endpoint, href, text, section in _sections_for(user.role, request.script_root):
        count_for, words = NAVIGATION_COUNTS.get(endpoint, (None, ""))
        count = count_for(user) if count_for else 0
        if count:
            text = f"{text} ({count} {words})"
        items.append({"href": href, "text": text, "active": request.blueprint == section})
    return items


def _sections_for(role: str, script_root: str) -> list[tuple[str, str, str, str]]:
    """The sections a role sees, with their addresses, worked out once for each app: every
    signed-in page shows them, and the routes and their roles do not change while it runs."""
    known = current_app.extensions.setdefault("navigation_sections", {})
    sections = known.get((role, script_root))
    if sections is None:
        sections = [
            (endpoint, url_for(endpoint), text, section)
            for endpoint, text, section in NAVIGATION
            if (view := current_app.view_functions.get(endpoint)) is not None
            and role in getattr(view, "allowed_roles", {role})
        ]
        known[(role, script_root)] = sections
    return sections


# Anything a browser or Werkzeug might strip, fold or read as a separator before it reaches the
# Location header: whitespace and control characters, and the backslash browsers read as "/".
_UNSAFE_IN_NEXT = frozenset(string.whitespace) | {chr(c) for c in range(32)} | {"\x7f", "\\"}


def safe_next(target: str | None) -> str | None:
    """A path on this site, as the Location header will carry it, or None.

    The check runs on what will be sent (an ASCII URI), not on the raw parameter: a tab or newline
    that Werkzeug would drop or refuse, a backslash, `//` or `/\\` (another host to a browser), and
    unicode forms are all refused."""
    if not target or not target.isprintable() or any(ch in _UNSAFE_IN_NEXT for ch in target):
        return None
    if not target.startswith("/") or target.startswith("//"):
        return None
    uri = iri_to_uri(target).rstrip("?")
    parts = urlsplit(uri)
    if parts.scheme or parts.netloc or not uri.startswith("/") or uri.startswith("//"):
        return None
    return uri or None


def _landing_page(user: User | SignedIn) -> str:
    return url_for("users.users_page") if user.role == "admin" else url_for("teachers.search")


def _begin_session(user: User, next_url: str | None, id_token: str | None = None) -> Any:
    """A fresh session id for a fresh sign-in: whatever the cookie held before is dropped, and a
    session it still opened is ended."""
    if g.current_user is not None:
        end_session(db_session(), g.current_user.session_id, clock().now(), "signed_in_again")
    token = start_session(db_session(), user, clock().now(), id_token)
    db_session().commit()
    session.clear()
    session.permanent = True
    session["sid"] = token
    return redirect(next_url or _landing_page(user))


def _address() -> str | None:
    return request.remote_addr


def _policies(email: str | None = None) -> dict[str, throttle.ThrottlePolicy]:
    config = current_app.config
    policies = {
        throttle.address_key(_address()): throttle.ThrottlePolicy(
            config["SIGN_IN_FREE_FAILURES_PER_ADDRESS"]
        )
    }
    if email is not None:
        policies[throttle.account_key(email)] = throttle.ThrottlePolicy(
            config["SIGN_IN_FREE_FAILURES_PER_ACCOUNT"]
        )
    return policies


def _locked_message(keys: list[str]) -> str | None:
    wait = throttle.locked_for(db_session(), keys, clock().now())
    if wait is None:
        return None
    return (
        "There have been too many failed attempts to sign in. "
        f"Wait {throttle.wait_words(wait)} and try again."
    )


@blueprint.route("/sign-in", methods=["GET", "POST"])
@public
def sign_in() -> Any:
    if g.current_user is not None:
        return redirect(_landing_page(g.current_user))
    next_url = safe_next(request.args.get("next"))
    if oidc_client() is not None:
        if request.method == "POST":
            abort(405)  # single sign-on only: the password form is off
        return render_template("auth/sign_in_sso.html", next_url=next_url, page_title="Sign in")
    form = SignInForm()
    if form.validate_on_submit():
        policies = _policies(form.email.data)
        locked = _locked_message(list(policies))
        if locked:
            form.email.errors.append(locked)
        else:
            user = authenticate(db_session(), form.email.data, form.password.data)
            if user is not None:
                throttle.clear(db_session(), throttle.account_key(form.email.data))
                return _begin_session(user, next_url)
            throttle.record_failure(db_session(), policies, clock().now())
            count_sign_in_failure()
            form.email.errors.append(_locked_message(list(policies)) or WRONG_PASSWORD)
    return render_template("auth/sign_in.html", form=form, next_url=next_url, page_title="Sign in")


@blueprint.route("/sign-in/start")
@public
def sign_in_start() -> Any:
    """Off to the provider (a GET link, so the console's CSP `form-action` is not in the way)."""
    client, refusal = _open_sign_on()
    if refusal is not None:
        return refusal
    session["sign_in_next"] = safe_next(request.args.get("next"))
    return client.authorize_redirect(url_for("auth.sign_in_callback", _external=True))


@blueprint.route("/sign-in/callback")
@public
def sign_in_callback() -> Any:
    """The provider's answer: a valid ID token for an active console account, or no way in."""
    client, refusal = _open_sign_on()
    if refusal is not None:
        return refusal
    try:
        token = client.authorize_access_token()
        claims = token["userinfo"]
        subject = claims["sub"]
    except SIGN_ON_FAILURES as error:
        current_app.logger.warning("single sign-on refused: %r", error)
        return _sign_on_failed("We could not confirm who you are. Try signing in again.")
    verified = (
        claims.get("email_verified") is True or current_app.config["OIDC_EMAILS_ARE_VERIFIED"]
    )
    user = match_sign_on(db_session(), subject, claims.get("email"), verified, clock().now())
    if user is None:
        db_session().rollback()
        return _sign_on_failed(
            "You do not have an account for the Induction Console, or it has been deactivated. "
            "Ask an admin for your service to add you."
        )
    return _begin_session(user, session.pop("sign_in_next", None), token.get("id_token"))


def _open_sign_on() -> tuple[Any, Any]:
    """The provider's client (404 without single sign-on), and instead of going on, a refusal
    page while this client address is locked out."""
    client = oidc_client()
    if client is None:
        abort(404)
    locked = _locked_message(list(_policies()))
    return client, (_sign_on_refused(locked) if locked else None)


def _sign_on_failed(message: str) -> Any:
    throttle.record_failure(db_session(), _policies(), clock().now())
    count_sign_in_failure()
    return _sign_on_refused(message)


def _sign_on_refused(message: str) -> Any:
    return (
        render_template(
            "auth/sign_in_sso.html", next_url=None, problem=message, page_title="Sign in"
        ),
        403,
    )


@blueprint.route("/sign-out", methods=["POST"])
@public
def sign_out() -> Any:
    """End this session on the server, then at the provider when it offers RP-initiated logout."""
    signed_in = g.get("current_user")
    id_token = None
    if signed_in is not None:
        id_token = id_token_of(db_session(), signed_in.session_id)
        end_session(db_session(), signed_in.session_id, clock().now(), "signed_out")
        db_session().commit()
    session.clear()
    flash("You have signed out.", "success")
    client = oidc_client()
    if client is not None and id_token and client.server_metadata.get("end_session_endpoint"):
        return client.logout_redirect(
            post_logout_redirect_uri=url_for("auth.sign_in", _external=True),
            id_token_hint=id_token,
        )
    return redirect(url_for("auth.sign_in"))
