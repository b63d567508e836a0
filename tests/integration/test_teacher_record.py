"""The teacher page's record is rendered once per set of values it shows (app/web/record.py).

The cache may save work, never show something old: each value the record is made from is changed
in turn and must show at once, while the same values must not render again. The two values that
differ per request (when TRS was read, the person's CSRF token) must be each request's own.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from jinja2 import meta, nodes

from app.clock import LONDON
from app.models import OutboxEntry, User
from app.web import record
from tests.conftest import TEST_PASSWORD, TEST_PASSWORD_HASH
from tests.support.journeys import add_extension, add_period
from tests.support.pages import ClientRequest

TRN = "3100001"
PAGE = f"/teachers/{TRN}"


@pytest.fixture
def renders(monkeypatch, teacher) -> list[str]:
    """The TRNs whose record was rendered, one entry a render."""
    rendered: list[str] = []
    render = record._render

    def counted(trn, *args):
        rendered.append(trn)
        return render(trn, *args)

    monkeypatch.setattr(record, "_render", counted)
    return rendered


@pytest.fixture
def teacher(add_teacher, db, appropriate_body, clock, signed_in_as):
    """A teacher with one period, viewed once (which fills in the name index: a loaded row)."""
    teacher = add_teacher(
        TRN, first_name="Ada", induction={"status": "InProgress", "startDate": "2025-09-01"}
    )
    add_period(db, teacher, appropriate_body.id, "2025-09-01")
    signed_in_as("viewer").get(PAGE)
    return teacher


def _change_for_trs(db, teacher, clock, leased_until: datetime | None = None) -> None:
    """A status change waiting to be sent (being sent, while a worker holds its lease)."""
    db.add(
        OutboxEntry(
            teacher_id=teacher.id, trn=TRN, status="InProgress", start_date=date(2025, 9, 1),
            modified_on=clock.now(), state="pending", next_attempt_at=clock.now(),
            created_at=clock.now(), leased_until=leased_until,
        )
    )  # fmt: skip
    db.commit()


def _value(page, key: str) -> str:
    """A summary list row's value."""
    return next(t for t in page.select("dt") if t.text.strip() == key).find_next("dd").text.strip()


def _main(page) -> str:
    """The page's main content, without its CSRF tokens."""
    for field in page.select("input[name=csrf_token]"):
        field["value"] = ""
    return str(page.find("main"))


def test_the_same_values_render_the_record_once(signed_in_as, teacher, renders):
    caseworker = signed_in_as("caseworker")
    first = _main(caseworker.get(PAGE))
    again = _main(caseworker.get(PAGE))

    assert renders == [TRN]
    assert again == first
    assert "Alpha Teaching School Hub" in again


def test_a_new_period_shows_at_once(signed_in_as, teacher, db, appropriate_body, renders):
    caseworker = signed_in_as("caseworker")
    caseworker.get(PAGE)
    add_period(
        db, teacher, appropriate_body.id, "2024-09-02", "2025-07-18", "3", programme="school_led"
    )

    page = caseworker.get(PAGE)

    assert len(page.select("[id^=period-]")) == 2
    assert renders == [TRN, TRN]


def test_an_extension_shows_at_once(signed_in_as, teacher, db, clock):
    caseworker = signed_in_as("caseworker")
    assert _value(caseworker.get(PAGE), "Extensions") == "None"
    add_extension(db, teacher, "1", clock.now())

    assert _value(caseworker.get(PAGE), "Extensions") == "1 term"


def test_what_trs_holds_shows_at_once(signed_in_as, teacher, sandbox_admin):
    caseworker = signed_in_as("caseworker")
    caseworker.get(PAGE)
    sandbox_admin.set_induction(TRN, "Passed", "2025-09-01", "2026-07-17")

    page = caseworker.get(PAGE)

    assert _value(page, "Induction completed date") == "17 July 2026"


def test_each_role_sees_its_own_actions(signed_in_as, teacher, renders):
    assert signed_in_as("caseworker").get(PAGE).select("ul.app-actions a")
    viewer = signed_in_as("viewer").get(PAGE)

    assert not viewer.select("ul.app-actions a")
    assert "Your role can read this record but not change it." in viewer.text
    assert renders == [TRN, TRN]


def test_a_preview_of_another_day_is_its_own_record(signed_in_as, teacher, renders):
    caseworker = signed_in_as("caseworker")
    assert caseworker.get(PAGE).find(id="preview-banner") is None

    preview = caseworker.get(f"{PAGE}?on=2026-12-01")

    assert "what the rules would allow on 1 December 2026" in preview.find(id="preview-banner").text
    assert renders == [TRN, TRN]


def test_a_new_day_shows_at_once(signed_in_as, teacher, clock, renders):
    """Across midnight, within the hour the name index keeps a reading: only the day changes."""
    clock.set(datetime(2026, 11, 2, 23, 50, tzinfo=LONDON))
    caseworker = signed_in_as("caseworker")
    caseworker.get(PAGE)  # refreshes the name index, read at 10am
    assert "Today: 2 November 2026" in caseworker.get(PAGE).text
    renders.clear()
    clock.set(datetime(2026, 11, 3, 0, 5, tzinfo=LONDON))

    page = caseworker.get(PAGE)

    assert "Today: 3 November 2026" in page.text
    assert renders == [TRN]


def test_a_change_waiting_for_trs_shows_at_once(signed_in_as, teacher, db, clock):
    caseworker = signed_in_as("caseworker")
    assert caseworker.get(PAGE).find(id="delivery-waiting") is None
    _change_for_trs(db, teacher, clock)

    waiting = caseworker.get(PAGE).find(id="delivery-waiting")

    assert waiting is not None
    assert "not yet sent to TRS" in waiting.text


def test_a_change_no_longer_in_flight_shows_at_once(signed_in_as, teacher, db, clock):
    """The same rows, read later: the delivery state (worked out with the time) has changed."""
    _change_for_trs(db, teacher, clock, leased_until=clock.now() + timedelta(minutes=5))
    caseworker = signed_in_as("caseworker")
    assert "being sent to TRS now" in caseworker.get(PAGE).find(id="delivery-waiting").text
    clock.advance(timedelta(minutes=10))

    waiting = caseworker.get(PAGE).find(id="delivery-waiting").text

    assert "not yet sent to TRS" in waiting


def test_the_read_time_is_each_requests_own(signed_in_as, teacher, clock, renders):
    caseworker = signed_in_as("caseworker")
    caseworker.get(PAGE)
    clock.advance(timedelta(minutes=7))

    page = caseworker.get(PAGE)

    assert renders == [TRN]
    assert "Read from TRS 2 November 2026 at 10:07am." in page.text


def test_each_person_gets_their_own_token(signed_in_as, teacher, db, clock, client_request, app):
    db.add(
        User(email="second.caseworker@example.gov.uk", role="caseworker", active=True,
             password_hash=TEST_PASSWORD_HASH, created_at=clock.now())
    )  # fmt: skip
    db.commit()
    signed_in_as("caseworker").get(PAGE)
    second = ClientRequest(app, app.test_client())
    second.sign_in("second.caseworker@example.gov.uk", TEST_PASSWORD)

    form = second.get(PAGE).select_one("form[action$='/check-trs']")
    token = form.select_one("input[name=csrf_token]")["value"]
    answer = second.client.post(form["action"], data={"csrf_token": token})

    assert answer.status_code == 302


def test_a_full_cache_starts_again(signed_in_as, add_teacher, monkeypatch, app):
    monkeypatch.setattr(record, "KEPT", 2)
    caseworker = signed_in_as("caseworker")
    for number in range(3):
        trn = f"310010{number}"
        add_teacher(trn, first_name=f"Name{number}")
        assert f"Name{number}" in caseworker.get(f"/teachers/{trn}").find("h1").text

    assert len(app.extensions["teacher_records"]) == 1


# What the record may read: the values record.py passes, and the app's own globals and macros.
RECORD_VALUES = {
    "trn", "teacher", "reading", "person", "read_at", "summary", "delivery", "may_check_trs",
    "csrf_token_value", "actions", "outlook", "picture", "preview", "trs_console_url",
    "page_title",
}  # fmt: skip
# Globals that differ per request or per person: none may be read by a record kept for others.
PER_REQUEST = {"request", "session", "g", "csrf_token", "csp_nonce", "get_flashed_messages"}


def _templates_under(env, name: str, found: dict[str, nodes.Template]) -> None:
    tree = env.parse(env.loader.get_source(env, name)[0])
    found[name] = tree
    for include in tree.find_all(nodes.Include):
        choices = [include.template]
        if isinstance(include.template, nodes.CondExpr):
            choices = [include.template.expr1, include.template.expr2]
        for choice in choices:
            assert isinstance(choice, nodes.Const), f"{name} includes a template named at run time"
            if not choice.value.startswith("govuk_frontend_jinja/"):
                _templates_under(env, choice.value, found)


def test_the_record_reads_only_the_values_it_is_given(app):
    env = app.jinja_env
    trees: dict[str, nodes.Template] = {}
    _templates_under(env, record.TEMPLATE, trees)
    assigned = {
        n.name for tree in trees.values() for n in tree.find_all(nodes.Name) if n.ctx == "store"
    } | {
        name if isinstance(name, str) else name[1]
        for tree in trees.values()
        for imported in tree.find_all(nodes.FromImport)
        for name in imported.names
    }
    read = set().union(*(meta.find_undeclared_variables(tree) for tree in trees.values()))

    assert "teachers/_delivery.html" in trees
    assert read & PER_REQUEST == set()
    assert read - assigned - set(env.globals) <= RECORD_VALUES
    assert PER_REQUEST - {"csp_nonce"} <= set(env.globals)  # the names checked are the real ones
