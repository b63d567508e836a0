"""User administration: only admins, one question per page, check, confirmation, an event for each
change, and the changes that must never happen."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.models import AccountEvent, User
from app.rules import ACTIONS, role_may
from app.services import users as accounts

CASEWORK_ROLES = ("caseworker", "appeals_officer", "senior_caseworker", "viewer")


def _user(db, email: str) -> User:
    db.expire_all()
    return db.scalar(select(User).where(User.email == email))


@pytest.mark.parametrize("role", CASEWORK_ROLES)
def test_only_admins_reach_user_administration(signed_in_as, users, db, role):
    person = signed_in_as(role)
    target = _user(db, users["viewer"]).id
    for url in (
        "/users",
        "/users/add",
        "/users/add/role",
        "/users/add/check",
        f"/users/{target}",
        f"/users/{target}/role",
        f"/users/{target}/confirm/deactivate",
        f"/users/{target}/confirm/end-sessions",
        "/users/done",
    ):
        assert person.get_response(url).status_code == 403, url
    assert person.client.post(f"/users/{target}/confirm/deactivate").status_code in (400, 403)


def test_admins_may_take_no_induction_action(signed_in_as, add_teacher):
    assert not any(role_may("admin", action) for action in ACTIONS)
    add_teacher("2000001")
    admin = signed_in_as("admin")
    page = admin.get("/teachers/2000001")
    assert "Your role can read this record but not change it." in page.text
    assert not page.select(".app-actions a")
    for slug in ("add-induction-period", "lodge-appeal", "add-extension", "correct-trs-status"):
        assert admin.get_response(f"/teachers/2000001/{slug}").status_code == 403


def test_only_admins_see_users_in_the_navigation(signed_in_as):
    links = signed_in_as("admin").get("/users").select(".govuk-service-navigation__list a")
    assert "Users" in [link.get_text(strip=True) for link in links]
    for role in CASEWORK_ROLES:
        links = signed_in_as(role).get("/teachers").select(".govuk-service-navigation__list a")
        assert "Users" not in [link.get_text(strip=True) for link in links]


def test_the_list_shows_every_account(signed_in_as, users):
    page = signed_in_as("admin").get("/users")
    rows = [" ".join(r.get_text().split()) for r in page.select("tbody tr")]
    assert "caseworker@example.gov.uk Caseworker Active" in rows
    assert len(rows) == len(users)


def test_the_list_shows_who_is_deactivated_and_the_latest_changes_first(signed_in_as, users, db):
    admin = signed_in_as("admin")
    target = _user(db, users["viewer"]).id
    admin.post(f"/users/{target}/role", {"role": "caseworker"})
    admin.post(f"/users/{target}/confirm/role", {})
    admin.post(f"/users/{target}/confirm/deactivate", {})
    page = admin.get("/users")
    rows = [" ".join(r.get_text().split()) for r in page.select("tbody tr")]
    assert f"{users['viewer']} Caseworker Deactivated" in rows
    assert f"{users['caseworker']} Caseworker Active" in rows
    changes = [" ".join(item.get_text().split()) for item in page.select("main ul li")]
    assert len(changes) == 2
    assert changes[0].endswith(f"{users['admin']} deactivated {users['viewer']}")
    assert changes[1].endswith(
        f"{users['admin']} changed {users['viewer']} from Viewer to Caseworker"
    )


def test_add_a_user(signed_in_as, users, db):
    admin = signed_in_as("admin")
    admin.post("/users/add", {"email": " New.Person@Example.gov.uk "})
    admin.post("/users/add/role", {"role": "appeals_officer"})
    check = admin.get("/users/add/check")
    summary = " ".join(check.select_one(".govuk-summary-list").get_text().split())
    assert "Email address new.person@example.gov.uk" in summary
    assert "Role Appeals officer" in summary
    response = admin.post("/users/add/check", {})
    assert response.headers["Location"] == "/users/done"
    panel = admin.get("/users/done").select_one(".govuk-panel__title").get_text(strip=True)
    assert panel == "new.person@example.gov.uk can now sign in as Appeals officer"
    person = _user(db, "new.person@example.gov.uk")
    assert (person.role, person.active, person.password_hash) == ("appeals_officer", True, None)
    event = db.scalar(select(AccountEvent).where(AccountEvent.action == "account_added"))
    assert event.actor_email == users["admin"]
    assert event.after == {"email": "new.person@example.gov.uk", "role": "appeals_officer"}
    # The journey is over: its check page starts again rather than adding twice.
    assert admin.get_response("/users/add/check").headers["Location"] == "/users/add"


@pytest.mark.parametrize(
    ("email", "message"),
    [
        ("", "Enter their email address"),
        ("not an email", "Enter an email address in the correct format"),
        ("viewer@example.gov.uk", "An account for viewer@example.gov.uk already exists"),
        ("x" * 250 + "@example.gov.uk", "Email address must be 254 characters or fewer"),
    ],
)
def test_add_email_errors(signed_in_as, users, email, message):
    page = signed_in_as("admin").post_page("/users/add", {"email": email})
    assert message in page.select_one(".govuk-error-summary").get_text()
    assert message in page.select_one("#email-error").get_text()


@pytest.mark.parametrize("role", ["", "superuser"])
def test_add_role_errors(signed_in_as, users, role):
    admin = signed_in_as("admin")
    admin.post("/users/add", {"email": "new@example.gov.uk"})
    page = admin.post_page("/users/add/role", {"role": role})
    assert "Select a role" in page.select_one(".govuk-error-summary").get_text()


def test_change_a_role_and_its_event(signed_in_as, users, db):
    admin = signed_in_as("admin")
    target = _user(db, users["viewer"])
    admin.post(f"/users/{target.id}/role", {"role": "caseworker"})
    check = admin.get(f"/users/{target.id}/confirm/role")
    assert "Role Caseworker" in " ".join(check.text.split())
    admin.post(f"/users/{target.id}/confirm/role", {})
    assert _user(db, users["viewer"]).role == "caseworker"
    event = db.scalar(select(AccountEvent).where(AccountEvent.action == "role_changed"))
    assert (event.before, event.after) == ({"role": "viewer"}, {"role": "caseworker"})
    assert event.summary == f"{users['admin']} changed {users['viewer']} from Viewer to Caseworker"


def test_no_one_changes_their_own_role_or_deactivates_themselves(signed_in_as, users, db):
    admin = signed_in_as("admin")
    me = _user(db, users["admin"])
    assert admin.get_response(f"/users/{me.id}/role").status_code == 403
    page = admin.post_page(f"/users/{me.id}/confirm/deactivate", {})
    assert "You cannot deactivate your own account" in page.text
    assert _user(db, users["admin"]).active is True
    assert db.scalar(select(AccountEvent)) is None


def test_the_last_admin_stays(db, users, clock):
    only_admin = _user(db, users["admin"])
    someone = _user(db, users["senior_caseworker"])
    for change in (
        lambda: accounts.change_role(db, someone, only_admin, clock.now(), role="viewer"),
        lambda: accounts.deactivate(db, someone, only_admin, clock.now()),
    ):
        with pytest.raises(accounts.UserError, match="the only admin"):
            change()
        db.rollback()
    assert _user(db, users["admin"]).role == "admin"


def test_demoting_another_admin_leaves_one(signed_in_as, users, db, clock):
    second = accounts.create_user(db, "second.admin@example.gov.uk", "admin", None, clock.now())
    db.commit()
    admin = signed_in_as("admin")
    admin.post(f"/users/{second.id}/role", {"role": "viewer"})
    admin.post(f"/users/{second.id}/confirm/role", {})
    assert _user(db, "second.admin@example.gov.uk").role == "viewer"


def test_deactivate_and_reactivate(signed_in_as, users, db, client_request):
    from tests.conftest import TEST_PASSWORD

    admin = signed_in_as("admin")
    target = _user(db, users["caseworker"])
    admin.post(f"/users/{target.id}/confirm/deactivate", {})
    assert _user(db, users["caseworker"]).active is False
    page = client_request.post_page(
        "/sign-in", {"email": users["caseworker"], "password": TEST_PASSWORD}
    )
    assert "Enter a correct email address and password" in page.text
    user_page = admin.get(f"/users/{target.id}")
    assert "Reactivate this user" in user_page.text
    admin.post(f"/users/{target.id}/confirm/reactivate", {})
    assert _user(db, users["caseworker"]).active is True
    actions = db.scalars(select(AccountEvent.action).order_by(AccountEvent.id)).all()
    assert actions == ["account_deactivated", "account_reactivated"]
    assert client_request.sign_in(users["caseworker"], TEST_PASSWORD).status_code == 302


def test_a_change_refused_twice_is_said_not_done(signed_in_as, users, db):
    admin = signed_in_as("admin")
    target = _user(db, users["caseworker"])
    admin.post(f"/users/{target.id}/confirm/deactivate", {})
    page = admin.post_page(f"/users/{target.id}/confirm/deactivate", {})
    assert "is already deactivated" in page.select_one(".govuk-error-summary").get_text()
    assert len(db.scalars(select(AccountEvent)).all()) == 1


def test_create_user_command_makes_an_admin(app, db):
    result = app.test_cli_runner().invoke(
        args=[
            "create-user",
            "First.Admin@example.gov.uk",
            "--role",
            "admin",
            "--password",
            "a" * 12,
        ]
    )
    assert result.exit_code == 0, result.output
    assert _user(db, "first.admin@example.gov.uk").role == "admin"
