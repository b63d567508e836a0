"""Single sign-on end to end in Chromium, against real OpenID Connect provider processes.

The provider proves who someone is; the console's own accounts decide whether they get in and with
which role. Nothing in the flow is mocked: authlib talks to the provider over HTTP, and the tests
tamper only with what a browser carries (`state`, `nonce`) or with which key the provider signs.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import pytest
import requests
from playwright.sync_api import Page, Route, expect
from sqlalchemy import select

from app.models import User, UserSession
from tests.conftest import TEST_PASSWORD
from tests.support.oidc import ProviderProcess

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def providers() -> Iterator[dict[str, ProviderProcess]]:
    started = {"mock": ProviderProcess.mock(), "wrong_key": ProviderProcess.wrong_key()}
    yield started
    for provider in started.values():
        provider.stop()


@pytest.fixture
def provider(request, providers) -> ProviderProcess:
    """The mock provider, or (parametrized indirectly) the one that signs with a stranger's key."""
    return providers[getattr(request, "param", "mock")]


@pytest.fixture
def app_settings(provider) -> dict[str, object]:
    """Single sign-on on: the console reads the provider's discovery document as it is built."""
    return {
        "OIDC_ISSUER": provider.base_url,
        "OIDC_CLIENT_ID": "induction-console",
        "OIDC_CLIENT_SECRET": "test-client-secret",
    }


@pytest.fixture
def page(page: Page, live_server, provider) -> Page:
    """Chromium reaching only the console and the provider (the provider's CDN stylesheet would
    stall every page load here)."""
    allowed = {urlsplit(live_server).netloc, urlsplit(provider.base_url).netloc}

    def only_local(route: Route) -> None:
        if urlsplit(route.request.url).netloc in allowed:
            route.continue_()
        else:
            route.abort()

    page.route("**/*", only_local)
    return page


def _sign_in_at_provider(page: Page, live_server: str, sub: str, start: str = "/teachers") -> None:
    page.goto(f"{live_server}{start}")
    page.get_by_role("button", name="Sign in with your DfE account").click()
    page.locator("input[name=sub]").fill(sub)
    page.get_by_role("button", name="Authorize").click()


def _account(app, email: str) -> User:
    with app.extensions["db_sessions"]() as session:
        return session.scalar(select(User).where(User.email == email))


def test_a_caseworker_signs_in_with_their_role_and_signs_out_everywhere(
    page: Page, live_server, provider, users, app, assert_accessible
):
    provider.set_user("sub-caseworker", email=users["caseworker"], email_verified=True)
    page.goto(f"{live_server}/sign-in")
    expect(page.locator("input[name=password]")).to_have_count(0)
    assert_accessible(page)

    _sign_in_at_provider(page, live_server, "sub-caseworker", start="/teachers?q=Okafor")
    expect(page).to_have_url(f"{live_server}/teachers?q=Okafor")
    expect(page.locator(".app-signed-in__text")).to_contain_text(
        "Signed in as caseworker@example.gov.uk (Caseworker)"
    )
    assert _account(app, users["caseworker"]).oidc_subject == "sub-caseworker"
    cookie = next(c for c in page.context.cookies() if c["name"] == "induction_console_session")

    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/oauth2/end_session"))
    page.get_by_role("button", name="End session").click()
    expect(page).to_have_url(re.compile(rf"^{re.escape(live_server)}/sign-in(\?state=[^&]+)?$"))
    expect(page.locator(".govuk-notification-banner")).to_contain_text("You have signed out.")
    # A copy of the cookie taken before sign-out opens nothing now.
    thief = app.test_client()
    thief.set_cookie("induction_console_session", cookie["value"])
    assert thief.get("/teachers").status_code == 302


def test_an_admin_lands_on_users_and_a_changed_email_follows_the_sub(
    page: Page, live_server, provider, users, app, db
):
    admin = db.scalar(select(User).where(User.email == users["admin"]))
    admin.oidc_subject = "sub-admin"
    db.commit()
    provider.set_user("sub-admin", email="renamed.admin@example.gov.uk", email_verified=True)
    _sign_in_at_provider(page, live_server, "sub-admin", start="/sign-in")
    expect(page).to_have_url(f"{live_server}/users")
    expect(page.locator(".app-signed-in__text")).to_contain_text(
        "Signed in as renamed.admin@example.gov.uk (Admin)"
    )
    assert _account(app, "renamed.admin@example.gov.uk").id == admin.id
    # Signing in again replaces the session rather than leaving the old one open.
    page.wait_for_load_state("networkidle")
    page.goto(f"{live_server}/sign-in/start")
    page.locator("input[name=sub]").fill("sub-admin")
    page.get_by_role("button", name="Authorize").click()
    expect(page).to_have_url(f"{live_server}/users")
    db.expire_all()
    ended = db.scalars(select(UserSession.ended_because).order_by(UserSession.signed_in_at)).all()
    assert sorted(ended, key=str) == [None, "signed_in_again"]


@pytest.mark.parametrize(
    ("claims", "why"),
    [
        ({"email": "stranger@example.gov.uk", "email_verified": True}, "unknown"),
        ({"email": "viewer@example.gov.uk", "email_verified": True}, "deactivated"),
        ({"email": "viewer@example.gov.uk", "email_verified": False}, "unverified email"),
    ],
)
def test_refused_without_an_active_account(
    page: Page, live_server, provider, users, db, claims, why
):
    if why == "deactivated":
        db.scalar(select(User).where(User.email == users["viewer"])).active = False
        db.commit()
    provider.set_user("sub-someone", **claims)
    _sign_in_at_provider(page, live_server, "sub-someone")
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "You do not have an account for the Induction Console, or it has been deactivated."
    )
    page.goto(f"{live_server}/teachers")
    expect(page).to_have_url(re.compile(r"/sign-in\?next="))


def _tamper(page: Page, provider: ProviderProcess, parameter: str) -> dict[str, list[str]]:
    """Rewrite one parameter of the authorization request on its way to the provider; returns
    the request's parameters as the console sent them."""
    sent: dict[str, list[str]] = {}

    def rewrite(route: Route) -> None:
        parts = urlsplit(route.request.url)
        query = parse_qs(parts.query)
        sent.update(query)
        query[parameter] = ["forged-by-an-attacker"]
        route.continue_(url=urlunsplit(parts._replace(query=urlencode(query, doseq=True))))

    page.route(f"{provider.base_url}/oauth2/authorize?*", rewrite)
    return sent


@pytest.mark.parametrize("parameter", ["state", "nonce"])
def test_refused_for_a_bad_state_or_nonce(page: Page, live_server, provider, users, parameter):
    provider.set_user("sub-caseworker", email=users["caseworker"], email_verified=True)
    sent = _tamper(page, provider, parameter)
    _sign_in_at_provider(page, live_server, "sub-caseworker")
    # The console asked for the code flow with PKCE, a state and a nonce.
    assert sent["response_type"] == ["code"]
    assert sent["code_challenge_method"] == ["S256"]
    assert len(sent["code_challenge"][0]) >= 43
    assert sent["state"][0] and sent["nonce"][0]
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "We could not confirm who you are."
    )
    page.goto(f"{live_server}/teachers")
    expect(page).to_have_url(re.compile(r"/sign-in\?next="))


@pytest.mark.parametrize("provider", ["wrong_key"], indirect=True)
def test_refused_for_an_id_token_signed_by_another_key(page: Page, live_server, provider, users):
    provider.set_user("sub-caseworker", email=users["caseworker"], email_verified=True)
    _sign_in_at_provider(page, live_server, "sub-caseworker")
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "We could not confirm who you are."
    )


def test_callback_failures_are_throttled_and_the_password_form_is_off(app, users):
    client = app.test_client()
    form = {"email": users["viewer"], "password": TEST_PASSWORD}
    assert client.post("/sign-in", data=form).status_code in (400, 405)
    assert client.get("/teachers").status_code == 302
    for _ in range(20):
        answer = client.get("/sign-in/callback?code=made-up&state=made-up")
        assert "We could not confirm who you are." in answer.get_data(as_text=True)
    answer = client.get("/sign-in/callback?code=made-up&state=made-up")
    assert answer.status_code == 403
    assert "too many failed attempts to sign in" in answer.get_data(as_text=True)
    assert "too many failed attempts" in client.get("/sign-in/start").get_data(as_text=True)


def test_the_console_will_not_start_without_the_providers_discovery_document(
    database_url, trs_sandbox
):
    from app import create_app

    with pytest.raises(requests.RequestException):
        create_app(
            "test",
            DATABASE_URL=database_url,
            TRS_API_BASE_URL=trs_sandbox.base_url,
            OIDC_ISSUER="http://127.0.0.1:9",
            OIDC_CLIENT_ID="induction-console",
            OIDC_CLIENT_SECRET="test-client-secret",
        )
