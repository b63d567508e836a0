"""Signing in and out, session expiry, CSRF, and the role gate."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.conftest import TEST_PASSWORD


def test_pages_need_sign_in(client_request):
    response = client_request.get_response("/teachers?q=Okafor")
    assert response.status_code == 302
    assert response.headers["Location"] == "/sign-in?next=/teachers?q%3DOkafor"


def test_sign_in_page_is_a_checked_page(client_request):
    page = client_request.get("/sign-in")
    assert page.h1.get_text(strip=True) == "Sign in"
    assert page.find("input", attrs={"name": "email", "autocomplete": "email"})


@pytest.mark.parametrize(
    ("email", "password", "message", "field"),
    [
        ("", "", "Enter your email address", "email"),
        ("caseworker@example.gov.uk", "", "Enter your password", "password"),
        ("not-an-email", "x", "Enter an email address in the correct format", "email"),
        (
            "caseworker@example.gov.uk",
            "wrong",
            "Enter a correct email address and password",
            "email",
        ),
        (
            "nobody@example.gov.uk",
            TEST_PASSWORD,
            "Enter a correct email address and password",
            "email",
        ),
        (
            "x" * 300 + "@example.gov.uk",
            "x",
            "Email address must be 254 characters or fewer",
            "email",
        ),
    ],
)
def test_sign_in_errors(client_request, users, email, password, message, field):
    page = client_request.post_page("/sign-in", {"email": email, "password": password})
    assert page.title.get_text().startswith("Error: ")
    summary = page.select_one(".govuk-error-summary")
    assert message in summary.get_text()
    assert summary.find("a", href=f"#{field}")
    assert message in page.select_one(f"#{field}-error").get_text()
    assert client_request.get_response("/teachers").status_code == 302


def test_sign_in_then_out(client_request, users):
    response = client_request.sign_in("Caseworker@Example.gov.uk ", TEST_PASSWORD)
    assert response.headers["Location"] == "/teachers"
    page = client_request.get("/teachers")
    assert "Signed in as caseworker@example.gov.uk (Caseworker)" in " ".join(page.text.split())
    client_request.post("/sign-out", {}, _csrf_from="/teachers")
    assert client_request.get_response("/teachers").status_code == 302


def test_sign_in_goes_back_to_the_page_asked_for_but_never_off_site(client_request, users):
    form = {"email": users["viewer"], "password": TEST_PASSWORD}
    response = client_request.post("/sign-in?next=/teachers?q=abc", form, _csrf_from="/sign-in")
    assert response.headers["Location"] == "/teachers?q=abc"
    other = type(client_request)(client_request.app, client_request.app.test_client())
    response = other.post("/sign-in?next=//evil.example/x", form, _csrf_from="/sign-in")
    assert response.headers["Location"] == "/teachers"


def test_post_without_csrf_token_is_refused(client_request, users):
    response = client_request.client.post(
        "/sign-in", data={"email": users["caseworker"], "password": TEST_PASSWORD}
    )
    assert response.status_code == 400
    assert "form had expired" in response.get_data(as_text=True)
    assert client_request.get_response("/teachers").status_code == 302


def test_session_ends_after_30_idle_minutes(signed_in_as, clock):
    caseworker = signed_in_as("caseworker")
    clock.advance(timedelta(minutes=29))
    assert caseworker.get_response("/teachers").status_code == 200
    clock.advance(timedelta(minutes=31))
    response = caseworker.get_response("/teachers")
    assert response.status_code == 302
    page = caseworker.get("/sign-in")
    assert "had not done anything for 30 minutes" in page.text


def test_session_ends_8_hours_after_sign_in_however_busy(signed_in_as, clock):
    viewer = signed_in_as("viewer")
    for _ in range(16):
        clock.advance(timedelta(minutes=29))
        assert viewer.get_response("/teachers").status_code == 200
    clock.advance(timedelta(minutes=29))
    assert viewer.get_response("/teachers").status_code == 302


def test_session_cookie_is_http_only_and_lax(client_request, users):
    response = client_request.sign_in(users["viewer"], TEST_PASSWORD)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_production_cookies_are_secure():
    from app.config import ProductionConfig

    assert ProductionConfig.SESSION_COOKIE_SECURE is True


def test_security_headers_on_every_page(client_request):
    response = client_request.get_response("/sign-in")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self' 'nonce-" in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    again = client_request.get_response("/sign-in").headers["Content-Security-Policy"]
    assert again != csp, "the nonce must change with every response"


def test_unknown_page_is_a_404_page(signed_in_as):
    page = signed_in_as("viewer").get("/no-such-page", _expected_status=404)
    assert page.h1.get_text(strip=True) == "Page not found"


def test_wrong_method_is_a_405_page(signed_in_as):
    response = signed_in_as("viewer").client.put("/teachers")
    assert response.status_code == 405
    assert "Sorry, there is a problem with that request" in response.get_data(as_text=True)


def test_assets_need_no_sign_in(client_request):
    for url in (
        "/static/app.css",
        "/static/govuk/govuk-frontend.min.css",
        "/assets/images/favicon.svg",
    ):
        assert client_request.get_response(url).status_code == 200, url


@pytest.mark.parametrize(
    ("role", "sections"),
    [
        ("viewer", ["Find a teacher", "Rules"]),
        ("caseworker", ["Find a teacher", "Appeals", "Deadlines", "Manual requests", "Rules"]),
        ("appeals_officer", ["Find a teacher", "Appeals", "Deadlines", "Manual requests", "Rules"]),
        (
            "senior_caseworker",
            ["Find a teacher", "Appeals", "Deadlines", "Manual requests", "Rules"],
        ),
        ("admin", ["Find a teacher", "Rules", "Users"]),
    ],
)
def test_navigation_offers_each_role_the_sections_it_may_open(signed_in_as, role, sections):
    person = signed_in_as(role)
    page = person.get("/teachers")
    links = page.select(".govuk-service-navigation__list a")
    names = [link.get_text(" ", strip=True) for link in links]  # nothing waits: no counts
    assert names == sections
    for link in links:  # every section offered opens for this role
        assert person.get_response(link["href"]).status_code == 200


def test_navigation_marks_the_section_being_used(signed_in_as):
    page = signed_in_as("senior_caseworker").get("/manual-requests")
    active = page.select(".govuk-service-navigation__item--active a")
    assert [link.get_text(strip=True) for link in active] == ["Manual requests"]
