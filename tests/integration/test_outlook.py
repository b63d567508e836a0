"""The rules' time dimension on the teacher page and in the policy API: what changes next for each
role, the preview of another day (no way to act from it), the picture, and
GET /api/v1/teachers/{trn}/actions (key, bounds, and the same answers as POST /decisions)."""

from __future__ import annotations

import pytest

from app.rules import ACTIONS, CONSOLE_ACTIONS
from tests.support.appeals import FAILED_IN_TRS, add_fail

TRN = "2800001"
KEY = {"Authorization": "Bearer test-policy-key"}
# Failed on Monday 26 October 2026 and recorded that afternoon; today is Monday 2 November 2026.
LODGING_CHANGES_ON, CORRECTION_CHANGES_ON = "2026-11-25", "2026-11-26"


@pytest.fixture
def failed(add_teacher, db, appropriate_body):
    teacher = add_teacher(TRN, qts_date="2024-07-01", induction=FAILED_IN_TRS)
    return add_fail(db, teacher, appropriate_body)


def _text(node) -> str:
    return " ".join(node.get_text(" ", strip=True).split())


def test_each_role_sees_when_its_own_options_change(signed_in_as, failed):
    caseworker = signed_in_as("caseworker").get(f"/teachers/{TRN}")
    changes = [_text(li) for li in caseworker.select("#changes-next + ul li")]
    assert changes[0].startswith(
        "Change an induction period becomes manual handling after 25 November 2026"
    )
    assert changes[1].startswith(
        "Reopen an outcome recorded in error becomes manual handling after 25 November 2026 "
        "(30 calendar days from the date the outcome was recorded in CPD"
    )
    assert changes[1].endswith("Rule CPD-OUTCOME-CORRECTION-WINDOW from 26 November 2026")
    assert len(changes) == 2

    officer = signed_in_as("appeals_officer").get(f"/teachers/{TRN}")
    assert [_text(li).split(" (")[0] for li in officer.select("#changes-next + ul li")] == [
        "Record that an appeal was lodged becomes manual handling after 24 November 2026"
    ]
    assert signed_in_as("viewer").get(f"/teachers/{TRN}").select_one("#changes-next") is None


def test_the_picture_draws_the_record_and_says_it_in_words(signed_in_as, failed):
    page = signed_in_as("viewer").get(f"/teachers/{TRN}")
    svg = page.select_one("svg.app-picture__svg")
    assert svg["aria-hidden"] == "true"
    assert len(svg.select("rect.app-picture__bar--period")) == 1
    assert len(svg.select("rect.app-picture__bar--window")) == 2  # correction and appeal lodging
    assert svg.select_one("line.app-picture__mark--today")
    assert not page.select("[style]")  # the CSP allows no inline styles
    words = [_text(li) for li in page.select("#picture-in-words li")]
    assert words == [
        "Period with Alpha Teaching School Hub: 2 September 2024 to 26 October 2026",
        "Outcome correction window: counted from 26 October 2026, last day 25 November 2026",
        "Appeal lodging window: counted from 26 October 2026, last day 24 November 2026",
        "Failed: 26 October 2026",
        "Today: 2 November 2026",
        "CPD manages this induction until 25 October 2033",
    ]


def test_the_preview_shows_the_answers_on_that_day_and_offers_no_way_to_act(
    signed_in_as, failed, app
):
    caseworker = signed_in_as("caseworker")
    page = caseworker.get(f"/teachers/{TRN}?on={CORRECTION_CHANGES_ON}")

    assert _text(page.select_one("h1")).endswith("on 26 November 2026 (preview)")
    assert "Preview: what the rules would allow on 26 November 2026" in _text(
        page.select_one("#preview-banner")
    )
    assert page.select("main form") == []
    assert page.select("main button, main .govuk-button") == []
    assert not [
        a["href"]
        for a in page.select("main a")
        if "/journeys/" in a["href"] or "manual-handling" in a["href"]
    ]
    answers = {
        _text(row.select_one("dt")): _text(row.select_one("dd"))
        for row in page.select("#preview-actions .govuk-summary-list__row")
    }
    assert answers["Reopen an outcome recorded in error"].startswith(
        "Manual handling The outcome was recorded on 26 October 2026"
    )
    assert answers["Reopen an outcome recorded in error"].endswith(
        "Rule CPD-OUTCOME-CORRECTION-WINDOW"
    )
    assert "Record that an appeal was lodged" not in answers  # not a caseworker's action
    # The same day asked through the policy API gives the same rule for each action shown.
    api = app.test_client().get(
        f"/api/v1/teachers/{TRN}/actions?console=cpd&on={CORRECTION_CHANGES_ON}", headers=KEY
    )
    by_title = {a["title"]: a["rule_id"] for a in api.get_json()["actions"]}
    assert {title: text.rsplit("Rule ", 1)[1] for title, text in answers.items()} == {
        title: by_title[title] for title in answers
    }


def test_the_preview_refuses_a_bad_day_and_a_viewer(signed_in_as, failed):
    caseworker = signed_in_as("caseworker")
    for bad in ("2026-02-30", "tomorrow", "2101-01-01", "", "26/11/2026"):
        page = caseworker.get(f"/teachers/{TRN}?on={bad}", _expected_status=400)
        assert "The day to preview is not right" in _text(page.select_one("main"))
    signed_in_as("viewer").get(f"/teachers/{TRN}?on=2026-11-26", _expected_status=403)
    officer = signed_in_as("appeals_officer").get(f"/teachers/{TRN}?on={LODGING_CHANGES_ON}")
    assert "Manual handling" in _text(officer.select_one("#preview-actions"))


# -- the policy API ---------------------------------------------------------------------------------


@pytest.fixture
def get(app):
    client = app.test_client()

    def get(url: str, headers=KEY):
        return client.get(url, headers=headers)

    return get


def test_the_actions_endpoint_needs_a_key(get, failed):
    assert get(f"/api/v1/teachers/{TRN}/actions?console=cpd", headers={}).status_code == 401
    refused = get(
        f"/api/v1/teachers/{TRN}/actions?console=cpd", headers={"Authorization": "Bearer wrong"}
    )
    assert refused.status_code == 401
    assert refused.mimetype == "application/problem+json"


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("/api/v1/teachers/123456/actions?console=cpd", "trn"),
        ("/api/v1/teachers/12345678/actions?console=cpd", "trn"),
        (f"/api/v1/teachers/{TRN}/actions", "console"),
        (f"/api/v1/teachers/{TRN}/actions?console=rect", "console"),
        (f"/api/v1/teachers/{TRN}/actions?console=cpd&on=2026-02-30", "on"),
        (f"/api/v1/teachers/{TRN}/actions?console=cpd&on=1899-12-31", "on"),
        (f"/api/v1/teachers/{TRN}/actions?console=cpd&on=2101-01-01", "on"),
        (f"/api/v1/teachers/{TRN}/actions?console=cpd&on=next+week", "on"),
    ],
)
def test_the_actions_endpoint_refuses_input_out_of_bounds(get, failed, query, field):
    response = get(query)
    assert response.status_code == 400
    assert response.get_json()["field"] == field


def test_an_unknown_teacher_is_a_404(get, failed):
    assert get("/api/v1/teachers/2899999/actions?console=trs").status_code == 404


def test_the_actions_endpoint_answers_every_action_with_its_next_change(get, failed):
    body = get(f"/api/v1/teachers/{TRN}/actions?console=cpd").get_json()
    assert (body["trn"], body["console"], body["evaluated_on"]) == (TRN, "cpd", "2026-11-02")
    assert [a["action"] for a in body["actions"]] == list(CONSOLE_ACTIONS["cpd"])
    assert body["next_change_on"] == LODGING_CHANGES_ON
    lodge = next(a for a in body["actions"] if a["action"] == "lodge_appeal")
    assert (lodge["decision"], lodge["rule_id"], lodge["write_target"]) == (
        "allowed",
        "CPD-APPEAL-LODGE-ALLOWED",
        "cpd",
    )
    assert lodge["next_change"]["on"] == LODGING_CHANGES_ON
    assert (lodge["next_change"]["decision"], lodge["next_change"]["rule_id"]) == (
        "manual",
        "CPD-APPEAL-LODGING-WINDOW",
    )

    trs = get(f"/api/v1/teachers/{TRN}/actions?console=trs").get_json()
    (status,) = trs["actions"]
    assert (status["rule_id"], status["next_change"]["rule_id"]) == (
        "TRS-MANAGED-BY-CPD",
        "TRS-NOT-MANAGED-ALLOWED",
    )
    assert status["next_change"]["on"] == trs["next_change_on"] == "2033-10-26"


@pytest.mark.parametrize("on", [None, "2026-11-24", LODGING_CHANGES_ON, CORRECTION_CHANGES_ON])
def test_the_answers_equal_the_decisions_endpoint(app, get, failed, on):
    """For every action that needs no fields, asking about it alone gives the same decision."""
    query = f"&on={on}" if on else ""
    listed = get(f"/api/v1/teachers/{TRN}/actions?console=cpd{query}").get_json()["actions"]
    asked = [a for a in listed if not any(f.required for f in ACTIONS[a["action"]].fields)]
    assert {"reopen_outcome", "lodge_appeal"} <= {a["action"] for a in asked}
    client = app.test_client()
    for item in asked:
        body = {
            "trn": TRN,
            "console": "cpd",
            "action": item["action"],
            **({"on": on} if on else {}),
        }
        decision = client.post("/api/v1/decisions", json=body, headers=KEY).get_json()
        assert {k: item[k] for k in decision} == decision, item["action"]


def test_the_openapi_document_declares_the_actions_endpoint_and_its_bounds(client_request):
    document = client_request.get_response("/api/v1/openapi.json").get_json()
    operation = document["paths"]["/api/v1/teachers/{trn}/actions"]["get"]
    parameters = {p["name"]: p for p in operation["parameters"]}
    assert parameters["trn"]["schema"]["pattern"] == r"^\d{7}$"
    assert parameters["console"]["schema"]["enum"] == ["cpd", "trs"]
    assert parameters["console"]["required"] is True
    assert (
        parameters["on"]["schema"]["formatMinimum"],
        parameters["on"]["schema"]["formatMaximum"],
    ) == ("1900-01-01", "2100-12-31")
    assert operation["security"] == [{"policyKey": []}]
    assert set(operation["responses"]) == {"200", "400", "401", "404", "503"}
    assert "TeacherActions" in document["components"]["schemas"]
