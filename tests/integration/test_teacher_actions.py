"""The teacher page's Actions agree with the rules and with the policy API, for every role.

For a set of records, each CPD-console action the role may take is either a link on the page (the
rules allow it now) or explained under "Why can't I do something else?" with the rule's reason and
id (forbidden or manual), never both. The policy API takes a change with the action's required
fields, so it is asked with a sample change and must answer as `decide` does with that change.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import pytest

from app.clock import LONDON
from app.rules import ACTIONS, CONSOLE_ACTIONS, ImpossibleChange, MalformedChange, decide, role_may
from app.services.records import build_record
from app.services.teachers import find_teacher
from app.web.journeys.registry import JOURNEYS
from tests.support.journeys import add_extension, add_period

TRN = "2600001"
RECENT = datetime(2026, 10, 20, 9, 0, tzinfo=LONDON)
LONG_AGO = datetime(2026, 7, 20, 9, 0, tzinfo=LONDON)


def _legacy(db, teacher, body, clock, admin):
    admin.set_induction(TRN, "RequiredToComplete")


def _ongoing_with_extension(db, teacher, body, clock, admin):
    add_period(db, teacher, body.id, "2024-09-02", "2025-07-18", "3")
    add_period(db, teacher, body.id, "2025-09-01")
    add_extension(db, teacher, "1.5", clock.now())


def _passed_recently(db, teacher, body, clock, admin):
    add_period(db, teacher, body.id, "2024-09-02", "2026-07-17", "6", "pass", RECENT)


def _failed_recently(db, teacher, body, clock, admin):
    """Inside the appeal lodging window: appeals officers may lodge one (no journey for it yet)."""
    add_period(db, teacher, body.id, "2024-09-02", "2026-10-30", "6", "fail", clock.now())


def _failed_long_ago(db, teacher, body, clock, admin):
    add_period(db, teacher, body.id, "2024-09-02", "2026-07-17", "6", "fail", LONG_AGO)


def _exempt(db, teacher, body, clock, admin):
    add_period(db, teacher, body.id, "2025-09-01")
    admin.set_induction(
        TRN, "Exempt", exemption_reason_ids=["5a80cee8-98a8-426b-8422-b0e81cb49b36"]
    )


def _deactivated(db, teacher, body, clock, admin):
    add_period(db, teacher, body.id, "2025-09-01")
    admin.deactivate(TRN)


# A change with each action's required fields, for the policy API (which always reads one).
SAMPLE_CHANGES: dict[str, dict] = {
    "add_induction_period": {"started_on": "2026-11-02"},
    "edit_induction_period": {"period_index": 0},
    "delete_induction_period": {"period_index": 0, "note": "Added twice"},
    "record_pass": {"finished_on": "2026-11-02", "number_of_terms": "6"},
    "record_fail": {"finished_on": "2026-11-02", "number_of_terms": "6"},
    "reopen_outcome": {"note": "Recorded in error"},
    "add_extension": {"number_of_terms": "1"},
    "lodge_appeal": {},
    "record_appeal_decision": {"decision": "dismissed"},
    "record_exemption": {},
    "correct_legacy_status": {"status": "RequiredToComplete"},
}

RECORDS: dict[str, Callable] = {
    "legacy": _legacy,
    "ongoing with an extension": _ongoing_with_extension,
    "passed recently": _passed_recently,
    "failed recently": _failed_recently,
    "failed long ago": _failed_long_ago,
    "exempt in TRS": _exempt,
    "deactivated in TRS": _deactivated,
}


def _page_actions(page) -> tuple[set[str], dict[str, tuple[str, str]]]:
    """(link texts under Actions, {title: (reason, rule id)} under the details)."""
    links = {a.get_text(strip=True) for a in page.select(".app-actions a")}
    explained = {
        item.h3.get_text(strip=True): (
            item.select("p")[0].get_text(strip=True),
            item.select_one(".app-source").get_text(strip=True).removeprefix("Rule "),
        )
        for item in page.select(".app-explained > li")
    }
    return links, explained


def _blocked(page) -> tuple[str, str] | None:
    """(reason, rule id) from the notice of a check that blocks every action, if there is one."""
    banner = page.select_one("#blocked-banner")
    if banner is None:
        return None
    return (
        banner.select_one(".govuk-notification-banner__heading").get_text(strip=True),
        banner.select_one(".app-source").get_text(strip=True).removeprefix("Rule "),
    )


BLOCKED = {
    "deactivated": (
        lambda admin: admin.deactivate(TRN),
        "CPD-P1-NO-ACTIVE-TRS-RECORD",
        "TRS support, who can say why the record was deactivated and restore it",
    ),
    "merged": (
        lambda admin: admin.merge(TRN, "2600002"),
        "CPD-P1-NO-ACTIVE-TRS-RECORD",
        "The retained record, TRN 2600002",
    ),
    "not found": (
        None,
        "CPD-P1-NO-ACTIVE-TRS-RECORD",
        "Check the TRN with TRS support: CPD may hold a mistyped or retired TRN",
    ),
    "failed in Wales": (
        lambda admin: admin.set_induction(TRN, "FailedInWales", "2021-09-01", "2022-07-01"),
        "CPD-P2-FAILED-IN-WALES",
        None,
    ),
    "exempt": (
        lambda admin: admin.set_induction(
            TRN, "Exempt", exemption_reason_ids=["5a80cee8-98a8-426b-8422-b0e81cb49b36"]
        ),
        "CPD-P3-EXEMPT",
        "The TRS console, where exemptions are held",
    ),
}


@pytest.mark.parametrize("state", BLOCKED)
def test_a_check_that_blocks_every_action_is_said_once_at_the_top(
    signed_in_as, add_teacher, appropriate_body, db, sandbox_admin, state
):
    arrange, rule_id, advice = BLOCKED[state]
    sandbox_admin.create_person(trn="2600002", firstName="Kept", lastName="Record")
    teacher = add_teacher(TRN, in_trs=arrange is not None)
    add_period(db, teacher, appropriate_body.id, "2025-09-01")
    if arrange:
        arrange(sandbox_admin)

    page = signed_in_as("caseworker").get(f"/teachers/{TRN}")

    reason, shown_rule = _blocked(page)
    assert shown_rule == rule_id
    assert page.text.count(reason) == 1
    assert not page.select(".app-explained")
    assert page.select_one("#actions-blocked")
    banner = page.select_one("#blocked-banner").get_text(" ", strip=True)
    if advice:
        assert f"Where to make a change instead: {advice}." in banner
    # Only a merged record has a retained TRN to go to.
    assert ("retained" in banner) is (state == "merged")
    # No advice to press a button this page does not have.
    assert "Check TRS now" not in banner


@pytest.mark.parametrize("record", RECORDS)
@pytest.mark.parametrize("role", ["caseworker", "appeals_officer"])
def test_actions_agree_with_the_rules_and_the_api(
    app, signed_in_as, add_teacher, appropriate_body, db, clock, sandbox_admin, record, role
):
    teacher = add_teacher(TRN, induction={"status": "InProgress", "startDate": "2024-09-02"})
    RECORDS[record](db, teacher, appropriate_body, clock, sandbox_admin)
    page = signed_in_as(role).get(f"/teachers/{TRN}")
    links, explained = _page_actions(page)

    db.expire_all()
    cpd = find_teacher(db, TRN)
    rules_record = build_record(cpd, app.extensions["trs"].read_person(TRN))
    api = app.test_client()
    expected_links, not_built = set(), []
    for action in CONSOLE_ACTIONS["cpd"]:
        title = ACTIONS[action].title
        decision = decide("cpd", action, rules_record, clock.today())
        _assert_api_agrees(api, action, rules_record, clock.today())
        if not role_may(role, action):
            assert title not in explained
        elif decision.allowed:
            assert title not in explained
            journeys = {j.title for j in JOURNEYS.values() if j.action == action and j.needs(cpd)}
            expected_links |= journeys
            if not any(j.action == action for j in JOURNEYS.values()):
                not_built.append(title)
        elif blocked := _blocked(page):
            # One check answered every action alike: said once, at the top, not per action.
            assert blocked == (decision.reason, decision.rule_id)
            assert not explained
        else:
            assert explained[title] == (decision.reason, decision.rule_id)
    assert links == expected_links
    # An allowed action with no journey yet is named, not linked.
    named = " ".join(p.get_text() for p in page.select(".app-not-built"))
    assert all(title.lower() in named for title in not_built)
    if role == "appeals_officer":
        appeal_titles = {ACTIONS["lodge_appeal"].title, ACTIONS["record_appeal_decision"].title}
        assert set(explained) <= appeal_titles


def _assert_api_agrees(api, action, rules_record, today) -> None:
    change = SAMPLE_CHANGES[action]
    response = api.post(
        "/api/v1/decisions",
        json={"trn": TRN, "console": "cpd", "action": action, **change},
        headers={"Authorization": "Bearer test-policy-key"},
    )
    try:
        expected = decide("cpd", action, rules_record, today, change)
    except MalformedChange as malformed:
        status = 422 if isinstance(malformed, ImpossibleChange) else 400
        assert (response.status_code, response.get_json()["field"]) == (status, malformed.field)
        return
    answer = response.get_json()
    assert (answer["decision"], answer["rule_id"], answer["reason"]) == (
        expected.outcome,
        expected.rule_id,
        expected.reason,
    ), action


def test_the_expected_links_for_an_induction_in_progress(
    signed_in_as, add_teacher, appropriate_body, db, clock
):
    teacher = add_teacher(TRN, induction={"status": "InProgress", "startDate": "2024-09-02"})
    _ongoing_with_extension(db, teacher, appropriate_body, clock, None)
    links, explained = _page_actions(signed_in_as("caseworker").get(f"/teachers/{TRN}"))
    assert links == {
        "Add an induction period",
        "Change an induction period",
        "Delete an induction period",
        "Record a pass",
        "Record a fail",
        "Add an extension",
        "Change an extension",
        "Delete an extension",
    }
    assert set(explained) == {
        "Reopen an outcome recorded in error",
        "Record or change an exemption",
        "Correct a legacy record's induction status in TRS",
    }


def test_viewers_see_no_actions(signed_in_as, add_teacher):
    add_teacher(TRN)
    page = signed_in_as("viewer").get(f"/teachers/{TRN}")
    assert _page_actions(page) == (set(), {})
    assert "Your role can read this record but not change it." in page.text


def test_no_actions_when_trs_cannot_be_read(signed_in_as, add_teacher, sandbox_admin):
    add_teacher(TRN)
    sandbox_admin.faults(status=503, count=20)
    page = signed_in_as("caseworker").get(f"/teachers/{TRN}")
    assert _page_actions(page) == (set(), {})
    assert (
        "every change depends on what TRS holds"
        in page.select_one("#actions").find_next("div").text
    )
