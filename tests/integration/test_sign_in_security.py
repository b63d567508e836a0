"""Server-side sessions, throttled sign-in and safe `next` redirects, as an attacker would try them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.models import AccountEvent, SignInThrottle, UserSession
from tests.conftest import TEST_PASSWORD

# Sessions ----------------------------------------------------------------------------------------


def _cookie(request) -> str:
    return request.client.get_cookie("induction_console_session").value


def _with_cookie(app, value: str):
    from tests.support.pages import ClientRequest

    thief = ClientRequest(app, app.test_client())
    thief.client.set_cookie("induction_console_session", value)
    return thief


def test_a_copied_cookie_dies_at_sign_out(app, signed_in_as, add_teacher):
    caseworker = signed_in_as("caseworker")
    stolen = _cookie(caseworker)
    assert _with_cookie(app, stolen).get_response("/teachers").status_code == 200
    caseworker.post("/sign-out", {}, _csrf_from="/teachers")
    assert _with_cookie(app, stolen).get_response("/teachers").status_code == 302


def test_the_cookie_holds_no_user_id(app, signed_in_as):
    from flask.sessions import SecureCookieSessionInterface

    viewer = signed_in_as("viewer")
    serializer = SecureCookieSessionInterface().get_signing_serializer(app)
    contents = serializer.loads(_cookie(viewer))
    assert "user_id" not in contents
    assert "signed_in_at" not in contents
    assert set(contents) <= {"sid", "csrf_token", "_permanent", "_flashes"}


def test_the_cookie_is_sent_again_only_when_the_session_changes(signed_in_as, clock):
    caseworker = signed_in_as("caseworker")
    caseworker.get("/teachers")  # the first page adds the CSRF token to the session
    assert "Set-Cookie" not in caseworker.get_response("/teachers").headers
    clock.advance(timedelta(hours=7, minutes=50))  # idle for longer than 30 minutes: signed out

    answer = caseworker.get_response("/teachers")

    assert answer.status_code == 302
    assert "induction_console_session=" in answer.headers["Set-Cookie"]


def test_each_sign_in_is_a_new_session_row_and_a_new_id(app, db, client_request, users):
    client_request.sign_in(users["viewer"], TEST_PASSWORD)
    first = _cookie(client_request)
    client_request.post("/sign-out", {}, _csrf_from="/teachers")
    client_request.sign_in(users["viewer"], TEST_PASSWORD)
    assert _cookie(client_request) != first
    rows = db.scalars(select(UserSession).order_by(UserSession.signed_in_at)).all()
    assert len(rows) == 2
    assert rows[0].ended_because == "signed_out"
    assert rows[1].ended_at is None
    assert all(len(row.id) == 64 and row.id not in first for row in rows)


def test_idle_and_absolute_expiry_are_kept_on_the_server(app, db, signed_in_as, clock):
    viewer = signed_in_as("viewer")
    stolen = _cookie(viewer)
    clock.advance(timedelta(minutes=31))
    assert _with_cookie(app, stolen).get_response("/teachers").status_code == 302
    row = db.scalar(select(UserSession))
    assert row.ended_because == "idle"
    # The row is ended: even a request inside the idle window later opens nothing.
    assert viewer.get_response("/teachers").status_code == 302


@pytest.mark.parametrize("change", ["deactivate", "role"])
def test_deactivation_and_role_change_end_sessions(app, signed_in_as, users, db, change):
    from app.models import User

    caseworker = signed_in_as("caseworker")
    admin = signed_in_as("admin")
    person = db.scalar(select(User).where(User.email == users["caseworker"]))
    if change == "role":
        admin.post(f"/users/{person.id}/role", {"role": "viewer"})
    admin.post(f"/users/{person.id}/confirm/{change}", {})
    assert caseworker.get_response("/teachers").status_code == 302


def test_an_admin_ends_a_users_sessions(app, signed_in_as, users, db):
    from app.models import User

    viewer = signed_in_as("viewer")
    admin = signed_in_as("admin")
    person = db.scalar(select(User).where(User.email == users["viewer"]))
    page = admin.get(f"/users/{person.id}")
    assert "Sessions open now 1" in " ".join(page.text.split())
    admin.post(f"/users/{person.id}/confirm/end-sessions", {})
    assert viewer.get_response("/teachers").status_code == 302
    event = db.scalar(select(AccountEvent).where(AccountEvent.action == "sessions_ended"))
    assert event.subject == users["viewer"]
    assert event.after == {"sessions_ended": 1}


# Throttling --------------------------------------------------------------------------------------


def _try(client_request, email: str, password: str) -> str:
    page = client_request.post_page("/sign-in", {"email": email, "password": password})
    return " ".join(page.select_one("#email-error").get_text().split())


def test_forty_wrong_passwords_lock_the_account_and_say_so(client_request, users, db, clock):
    answers = [_try(client_request, users["caseworker"], "wrong-password") for _ in range(40)]
    assert all("Enter a correct email address and password" in a for a in answers[:4])
    assert all("too many failed attempts" in a for a in answers[4:])
    assert "Wait 1 minute" in answers[4]
    # The right password does not get in while the lock runs...
    assert "too many failed attempts" in _try(client_request, users["caseworker"], TEST_PASSWORD)
    locks = db.scalars(select(AccountEvent).where(AccountEvent.action == "sign_in_locked")).all()
    assert [e.subject for e in locks] == [f"account:{users['caseworker']}"]
    # ...and works once it has run out; success clears the account's count.
    clock.advance(timedelta(minutes=2))
    assert client_request.sign_in(users["caseworker"], TEST_PASSWORD).status_code == 302
    assert db.get(SignInThrottle, f"account:{users['caseworker']}") is None


def test_waits_double_after_each_failure_past_the_free_ones(client_request, users, db, clock):
    for _ in range(5):
        _try(client_request, users["viewer"], "wrong-password")
    clock.advance(timedelta(minutes=1, seconds=1))
    assert "Wait 2 minutes" in _try(client_request, users["viewer"], "wrong-password")
    clock.advance(timedelta(minutes=2, seconds=1))
    assert "Wait 4 minutes" in _try(client_request, users["viewer"], "wrong-password")
    assert len(db.scalars(select(AccountEvent)).all()) == 3


def test_unknown_emails_get_the_same_answers(client_request, users):
    known = [_try(client_request, users["viewer"], "wrong-password") for _ in range(6)]
    unknown = [_try(client_request, "nobody@example.gov.uk", "wrong-password") for _ in range(6)]
    assert known == unknown


def test_one_address_trying_many_accounts_is_locked_too(client_request, users, db):
    for n in range(20):
        _try(client_request, f"person{n}@example.gov.uk", "wrong-password")
    assert "too many failed attempts" in _try(client_request, users["viewer"], TEST_PASSWORD)
    assert db.get(SignInThrottle, "address:127.0.0.1").failures == 20


# Redirects ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "next_param",
    [
        "/%09/evil.example/phish",  # a tab Werkzeug strips
        "/%0A/x",  # a newline Werkzeug refuses in a header
        "/%0D%0ALocation:%20http://evil.example",
        "//evil.example/x",
        "/%5Cevil.example",  # /\ : another host to a browser
        "%5C%5Cevil.example",
        "/%2F/evil.example",  # encoded //
        "%2F%2Fevil.example",
        "https://evil.example/",
        "http:/evil.example",
        "javascript:alert(1)",
        "/%E3%80%80/evil.example",  # an ideographic space
        "/%C2%A0/evil.example",  # a no-break space
        "evil.example",
        "/%00x",
    ],
)
def test_next_is_only_ever_a_same_site_path(client_request, users, next_param):
    form = {"email": users["viewer"], "password": TEST_PASSWORD}
    response = client_request.post(f"/sign-in?next={next_param}", form, _csrf_from="/sign-in")
    assert response.headers["Location"] == "/teachers"


@pytest.mark.parametrize(
    ("next_param", "location"),
    [
        ("/teachers?q=abc", "/teachers?q=abc"),
        ("/teachers/1000001", "/teachers/1000001"),
        ("/teachers?q=Zo%C3%AB", "/teachers?q=Zo%C3%AB"),  # a name, sent ASCII-safe
        ("/%252F/evil.example", "/%2F/evil.example"),  # double-encoded: stays one path
    ],
)
def test_next_keeps_same_site_paths(client_request, users, next_param, location):
    form = {"email": users["viewer"], "password": TEST_PASSWORD}
    response = client_request.post(f"/sign-in?next={next_param}", form, _csrf_from="/sign-in")
    assert response.headers["Location"] == location


def test_the_sign_in_form_keeps_only_a_safe_next(client_request):
    page = client_request.get("/sign-in?next=/%09/evil.example")
    assert page.select_one("form")["action"] == "/sign-in"
