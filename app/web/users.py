"""User administration, for admins only: list, add, change role, deactivate, reactivate, end
sessions. Each change goes question page(s), check your answers, confirmation; the service makes
the change and its account event in one transaction and refuses what must not happen."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, abort, g, redirect, render_template, session, url_for

from app.models import User
from app.models.user import ROLE_NAMES
from app.services import users as accounts
from app.services.sessions import live_session_count
from app.web.auth import require_role
from app.web.context import clock, db_session
from app.web.forms.users import ConfirmForm, EmailForm, RoleForm

blueprint = Blueprint("users", __name__, url_prefix="/users")
DRAFT = "new_account"  # the add journey's answers so far, in the session
DONE = "account_done"  # the confirmation to show once


@blueprint.route("")
@require_role("admin")
def users_page() -> Any:
    return render_template(
        "users/list.html",
        people=accounts.accounts(db_session()),
        events=accounts.account_events(db_session(), limit=20),
        page_title="Users",
    )


@blueprint.route("/<int:user_id>")
@require_role("admin")
def user_page(user_id: int) -> Any:
    person = _person(user_id)
    return render_template(
        "users/user.html",
        person=person,
        live_sessions=live_session_count(db_session(), person.id),
        is_self=person.id == g.current_user.id,
        page_title=person.email,
    )


# Adding an account: email, role, check, confirmation ---------------------------------------------


@blueprint.route("/add", methods=["GET", "POST"])
@require_role("admin")
def add_email() -> Any:
    draft = session.get(DRAFT, {})
    form = EmailForm(data={"email": draft.get("email")})
    if form.validate_on_submit():
        email = accounts.normalise_email(form.email.data)
        if accounts.find_by_email(db_session(), email) is not None:
            form.email.errors.append(f"An account for {email} already exists")
        else:
            session[DRAFT] = {**draft, "email": email}
            return redirect(url_for("users.add_role"))
    return _question(
        form, "Add a user", url_for("users.users_page"), "What is their email address?"
    )


@blueprint.route("/add/role", methods=["GET", "POST"])
@require_role("admin")
def add_role() -> Any:
    draft = session.get(DRAFT)
    if not draft or "email" not in draft:
        return redirect(url_for("users.add_email"))
    form = RoleForm(data={"role": draft.get("role")})
    if form.validate_on_submit():
        session[DRAFT] = {**draft, "role": form.role.data}
        return redirect(url_for("users.add_check"))
    return _question(
        form, draft["email"], url_for("users.add_email"), "Which role should they have?"
    )


@blueprint.route("/add/check", methods=["GET", "POST"])
@require_role("admin")
def add_check() -> Any:
    draft = session.get(DRAFT) or {}
    if "email" not in draft or "role" not in draft:
        return redirect(url_for("users.add_email"))
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            person = accounts.add_account(
                db_session(), g.current_user, draft["email"], draft["role"], clock().now()
            )
        except accounts.UserError as error:
            db_session().rollback()
            form.form_errors.append(str(error))
        else:
            session.pop(DRAFT, None)
            return _done(person, f"{person.email} can now sign in as {ROLE_NAMES[person.role]}")
    rows = [
        ("Email address", draft["email"], url_for("users.add_email")),
        ("Role", ROLE_NAMES[draft["role"]], url_for("users.add_role")),
    ]
    return _check(form, "Check the new user's details", "Add user", rows, url_for("users.add_role"))


# Changing an account: role, deactivate, reactivate, end sessions ----------------------------------


@blueprint.route("/<int:user_id>/role", methods=["GET", "POST"])
@require_role("admin")
def change_role(user_id: int) -> Any:
    person = _person(user_id)
    if person.id == g.current_user.id:
        abort(403)  # nobody changes their own role
    chosen = session.get("role_change", {})
    form = RoleForm(
        data={"role": chosen.get("role") if chosen.get("user_id") == person.id else person.role}
    )
    if form.validate_on_submit():
        session["role_change"] = {"user_id": person.id, "role": form.role.data}
        return redirect(url_for("users.confirm", user_id=person.id, change="role"))
    return _question(
        form,
        person.email,
        url_for("users.user_page", user_id=person.id),
        "Which role should they have?",
    )


@dataclass(frozen=True)
class Change:
    title: str
    button: str
    done: str
    make: Callable[..., Any]  # a service: (session, actor, person, now), and role= for a role
    warning: str | None = None


CHANGES = {
    "role": Change(
        "Check the change of role",
        "Change role",
        "{email} is now {role}",
        accounts.change_role,
        "They are signed out everywhere, and have the new role when they next sign in.",
    ),
    "deactivate": Change(
        "Deactivate this user",
        "Deactivate user",
        "{email} is deactivated",
        accounts.deactivate,
        "They are signed out everywhere and cannot sign in until an admin reactivates them.",
    ),
    "reactivate": Change(
        "Reactivate this user",
        "Reactivate user",
        "{email} can sign in again as {role}",
        accounts.reactivate,
    ),
    "end-sessions": Change(
        "End this user's sessions",
        "End sessions",
        "{email} is signed out everywhere",
        accounts.end_user_sessions,
        "They can sign in again straight away; deactivate them to stop that.",
    ),
}


@blueprint.route(
    "/<int:user_id>/confirm/<any(role, deactivate, reactivate, 'end-sessions'):change>",
    methods=["GET", "POST"],
)
@require_role("admin")
def confirm(user_id: int, change: str) -> Any:
    person = _person(user_id)
    what = CHANGES[change]
    role = person.role
    back = url_for("users.user_page", user_id=person.id)
    if change == "role":
        chosen = session.get("role_change") or {}
        if chosen.get("user_id") != person.id:
            return redirect(url_for("users.change_role", user_id=person.id))
        role = chosen["role"]
        back = url_for("users.change_role", user_id=person.id)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            extra = {"role": role} if change == "role" else {}
            what.make(db_session(), g.current_user, person, clock().now(), **extra)
        except accounts.UserError as error:
            db_session().rollback()
            form.form_errors.append(str(error))
        else:
            session.pop("role_change", None)
            return _done(person, what.done.format(email=person.email, role=ROLE_NAMES[role]))
    rows = [
        ("Email address", person.email, None),
        ("Role", ROLE_NAMES[role], back if change == "role" else None),
    ]
    rows.append(("Status", "Active" if person.active else "Deactivated", None))
    return _check(form, what.title, what.button, rows, back, what.warning)


@blueprint.route("/done")
@require_role("admin")
def done() -> Any:
    message = session.pop(DONE, None)
    if message is None:
        return redirect(url_for("users.users_page"))
    return render_template("users/done.html", message=message, page_title=message["title"])


def _person(user_id: int) -> User:
    person = db_session().get(User, user_id)
    if person is None:
        abort(404)
    return person


def _question(form: Any, caption: str, back_url: str, title: str) -> Any:
    return render_template(
        "users/question.html", form=form, caption=caption, back_url=back_url, page_title=title
    )


def _check(
    form: ConfirmForm,
    title: str,
    button: str,
    rows: list[tuple[str, str, str | None]],
    back_url: str,
    warning: str | None = None,
) -> Any:
    return render_template(
        "users/check.html",
        form=form,
        rows=rows,
        button=button,
        warning=warning,
        back_url=back_url,
        page_title=title,
    )


def _done(person: User, title: str) -> Any:
    session[DONE] = {"title": title, "user_id": person.id}
    return redirect(url_for("users.done"))
