"""The policy API: good answers from CPD's rows and TRS's record, each error, and that the API and the
published rules agree (same rule ids, same reasons, same windows)."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest

from app.clock import LONDON
from app.demo import QUALIFIED_BEFORE_MAY_2000
from app.models import InductionPeriod
from app.rules import ACTIONS, WINDOWS, add_working_days
from app.services.demo import seed_demo
from tests.conftest import TODAY

KEY = {"Authorization": "Bearer test-policy-key"}
MANAGED_TRN, FAILED_TRN, LEGACY_TRN, CPD_ONLY_TRN = "2100001", "2100002", "2100003", "2100004"
FAILED_ON = date(2026, 10, 26)  # a Monday; the appeal is received on the Tuesday
LODGING_LAST_DAY = date(2026, 11, 24)  # 20 working days after 27 October 2026
EXEMPT = {"status": "Exempt", "exemption_reason_ids": [QUALIFIED_BEFORE_MAY_2000]}


@pytest.fixture
def post(app):
    client = app.test_client()

    def post(body=None, headers=KEY, **kwargs):
        return client.post("/api/v1/decisions", json=body, headers=headers, **kwargs)

    return post


@pytest.fixture
def teacher_with_period(add_teacher, db, appropriate_body):
    """A teacher in TRS (with `induction`) and in CPD with one induction period."""

    def add(trn: str, qts_date: str, induction: dict, **period) -> None:
        teacher = add_teacher(trn, qts_date=qts_date, induction=induction)
        db.add(
            InductionPeriod(
                teacher_id=teacher.id, appropriate_body_id=appropriate_body.id, **period
            )
        )
        db.commit()

    return add


@pytest.fixture
def managed_in_progress(teacher_with_period):
    """In progress in TRS and CPD: CPD manages the induction."""
    teacher_with_period(
        MANAGED_TRN,
        "2025-07-01",
        {"status": "InProgress", "startDate": "2025-09-01"},
        started_on=date(2025, 9, 1),
        training_programme="provider_led",
    )


@pytest.fixture
def failed(teacher_with_period):
    """A fail decided and recorded on Monday 26 October 2026, one week before TODAY."""
    teacher_with_period(
        FAILED_TRN,
        "2024-07-01",
        {"status": "Failed", "startDate": "2024-09-02", "completedDate": "2026-10-26"},
        started_on=date(2024, 9, 2),
        finished_on=FAILED_ON,
        training_programme="school_led",
        number_of_terms=Decimal("6"),
        outcome="fail",
        outcome_on=FAILED_ON,
        outcome_recorded_at=datetime(2026, 10, 26, 15, tzinfo=LONDON),
    )


@pytest.fixture
def legacy(sandbox_admin):
    """Passed in 2015, held in TRS only: CPD does not manage it."""
    sandbox_admin.create_person(
        trn=LEGACY_TRN,
        qtsDate="2013-07-01",
        induction={"status": "Passed", "startDate": "2013-09-02", "completedDate": "2015-07-20"},
    )


def _trs_change(trn: str, **change) -> dict:
    return {"trn": trn, "console": "trs", "action": "change_induction_status", **change}


def _lodge(trn: str = FAILED_TRN, **extra) -> dict:
    return {"trn": trn, "console": "cpd", "action": "lodge_appeal", **extra}


def _problem(response, status: int, field: str | None = None) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["status"] == status
    assert body["title"] and body["detail"]
    assert body.get("field") == field
    return body


# -- good answers ---------------------------------------------------------------------------------


def test_a_cpd_managed_induction_in_progress_may_be_made_exempt_from_trs(post, managed_in_progress):
    response = post(_trs_change(MANAGED_TRN, **EXEMPT))
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.get_json() == {
        "decision": "allowed",
        "rule_id": "TRS-INPROGRESS-TO-EXEMPT",
        "reason": "An induction in progress can be made Exempt, with at least one exemption reason, "
        "even while CPD manages it.",
        "write_target": "trs",
        "evaluated_on": "2026-11-02",
        "make_it_instead": None,
        "dates_used": {},
    }


@pytest.mark.parametrize(
    ("change", "rule_id"),
    [
        ({"status": "Passed", "start_date": "2025-09-01", "completed_date": "2026-10-30"}, "TRS-MANAGED-BY-CPD"),
        ({"status": "Failed", "start_date": "2025-09-01", "completed_date": "2026-10-30"}, "TRS-MANAGED-BY-CPD"),
        ({"status": "FailedInWales"}, "TRS-MANAGED-BY-CPD"),
        ({"status": "RequiredToComplete"}, "TRS-MANAGED-BY-CPD"),
        ({"status": "InProgress", "start_date": "2025-09-08"}, "TRS-TO-INPROGRESS"),
        ({"status": "None"}, "TRS-TO-NONE"),
    ],
)  # fmt: skip
def test_nothing_else_may_change_a_cpd_managed_induction_from_trs(
    post, managed_in_progress, change, rule_id
):
    answer = post(_trs_change(MANAGED_TRN, **change)).get_json()
    assert answer["decision"] == "forbidden"
    assert answer["rule_id"] == rule_id
    assert answer["write_target"] is None
    assert (answer["make_it_instead"] is None) == (rule_id == "TRS-TO-NONE")


def test_the_cpd_console_may_record_an_outcome_for_an_induction_in_progress(
    post, managed_in_progress
):
    answer = post(
        {
            "trn": MANAGED_TRN,
            "console": "cpd",
            "action": "record_pass",
            "finished_on": "2026-10-30",
            "number_of_terms": 4.5,
        }
    ).get_json()
    assert (answer["decision"], answer["rule_id"], answer["write_target"]) == (
        "allowed",
        "CPD-OUTCOME-ALLOWED",
        "cpd",
    )


def test_a_fail_may_be_appealed_inside_the_window_and_goes_to_manual_after_it(post, failed, clock):
    answer = post(_lodge()).get_json()
    assert (answer["decision"], answer["rule_id"]) == ("allowed", "CPD-APPEAL-LODGE-ALLOWED")
    assert answer["dates_used"] == {"outcome_date": "2026-10-26", "lodging_last_day": "2026-11-24"}
    assert "until 24 November 2026 (20 working days)" in answer["reason"]

    clock.set(LODGING_LAST_DAY)
    assert post(_lodge()).get_json()["decision"] == "allowed"
    clock.set(LODGING_LAST_DAY + timedelta(days=1))
    answer = post(_lodge()).get_json()
    assert (answer["decision"], answer["rule_id"]) == ("manual", "CPD-APPEAL-LODGING-WINDOW")
    assert answer["write_target"] is None
    assert answer["evaluated_on"] == "2026-11-25"


def test_on_asks_about_another_day_for_the_record_as_it_stands(post, failed):
    inside = post(_lodge(on=LODGING_LAST_DAY.isoformat())).get_json()
    assert (inside["decision"], inside["evaluated_on"]) == ("allowed", "2026-11-24")
    after = post(_lodge(on="2026-11-25")).get_json()
    assert (after["decision"], after["evaluated_on"]) == ("manual", "2026-11-25")
    # Asking about a day does not move the console's today.
    assert post(_lodge()).get_json()["evaluated_on"] == TODAY.isoformat()


def test_a_legacy_record_not_managed_by_cpd_may_be_changed_from_trs(post, legacy):
    answer = post(
        _trs_change(
            LEGACY_TRN, status="Failed", start_date="2013-09-02", completed_date="2015-07-20"
        )
    ).get_json()
    assert (answer["decision"], answer["rule_id"]) == ("allowed", "TRS-NOT-MANAGED-ALLOWED")
    assert "CPD holds no induction periods" in answer["reason"]
    legacy_fix = post(
        {"trn": LEGACY_TRN, "console": "cpd", "action": "correct_legacy_status", "status": "RequiredToComplete"}
    ).get_json()  # fmt: skip
    assert (legacy_fix["decision"], legacy_fix["write_target"]) == ("allowed", "trs")


def test_a_teacher_cpd_holds_but_trs_does_not_is_answered_not_404(post, add_teacher):
    add_teacher(CPD_ONLY_TRN, in_trs=False)
    answer = post(_lodge(CPD_ONLY_TRN)).get_json()
    assert (answer["decision"], answer["rule_id"]) == ("forbidden", "CPD-P1-NO-ACTIVE-TRS-RECORD")
    assert answer["reason"].startswith("TRS has no record with this TRN.")


def test_the_seeds_cases(post, db, clock, sandbox_admin):
    sandbox_admin.reset(today=TODAY)
    seed_demo(db, clock.now())
    exempt = post(_trs_change("1000001", **EXEMPT)).get_json()
    assert (exempt["decision"], exempt["rule_id"]) == ("allowed", "TRS-INPROGRESS-TO-EXEMPT")
    passed = post(
        _trs_change(
            "1000001", status="Passed", start_date="2025-09-01", completed_date="2026-10-30"
        )
    ).get_json()
    assert passed["decision"] == "forbidden"
    assert post(_lodge("1000003")).get_json()["decision"] == "allowed"
    assert post(_lodge("1000004")).get_json()["decision"] == "manual"
    merged = post(_lodge("1000012")).get_json()
    assert "merged this record into TRN 1000001" in merged["reason"]


# -- errors ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer"}, {"Authorization": "Basic dGVzdA=="}, {"Authorization": "Bearer nope"}],
)  # fmt: skip
def test_no_key_or_a_wrong_key_is_401(post, headers):
    response = post(_lodge(), headers=headers)
    _problem(response, 401)
    assert response.headers["WWW-Authenticate"].startswith("Bearer ")
    assert ('error="invalid_token"' in response.headers["WWW-Authenticate"]) == (
        headers.get("Authorization") == "Bearer nope"
    )


def test_any_configured_key_is_accepted(app, post, failed):
    app.config["POLICY_API_KEYS"] = ("first-key", "second-key")
    assert post(_lodge(), headers={"Authorization": "Bearer second-key"}).status_code == 200
    _problem(post(_lodge()), 401)


@pytest.mark.parametrize("data", [b"{", b"", b'{"trn": NaN}', b"[" * 5000, b'{"trn": "\\u0000"'])
def test_malformed_json_is_400(post, data):
    body = _problem(post(data=data, headers={**KEY, "Content-Type": "application/json"}), 400)
    assert body["detail"] == "The body must be JSON."


@pytest.mark.parametrize("json_body", [[], "lodge_appeal", 7, None])
def test_a_body_that_is_not_an_object_is_400(app, json_body):
    response = app.test_client().post(
        "/api/v1/decisions",
        data=json.dumps(json_body),
        headers=KEY,
        content_type="application/json",
    )
    assert _problem(response, 400)["detail"] == "The body must be a JSON object."


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"trn": FAILED_TRN, "action": "lodge_appeal"}, "console"),
        ({"trn": FAILED_TRN, "console": "dqt", "action": "lodge_appeal"}, "console"),
        ({"trn": FAILED_TRN, "console": ["cpd"], "action": "lodge_appeal"}, "console"),
        ({"trn": FAILED_TRN, "console": "cpd"}, "action"),
        ({"trn": FAILED_TRN, "console": "cpd", "action": "approve_everything"}, "action"),
        ({"trn": FAILED_TRN, "console": "cpd", "action": ["lodge_appeal"]}, "action"),
        ({"trn": FAILED_TRN, "console": "cpd", "action": "change_induction_status"}, "action"),
        ({"console": "cpd", "action": "lodge_appeal"}, "trn"),
        ({"trn": "123456", "console": "cpd", "action": "lodge_appeal"}, "trn"),
        ({"trn": "12345678", "console": "cpd", "action": "lodge_appeal"}, "trn"),
        ({"trn": 2100002, "console": "cpd", "action": "lodge_appeal"}, "trn"),
        ({"trn": "21000O2", "console": "cpd", "action": "lodge_appeal"}, "trn"),
        ({"trn": "2100002\n", "console": "cpd", "action": "lodge_appeal"}, "trn"),
        (_lodge(on="2026-02-30"), "on"),
        (_lodge(on="02/11/2026"), "on"),
        (_lodge(on="2026-W45-1"), "on"),
        (_lodge(on=20261102), "on"),
        (_lodge(on="1066-10-14"), "on"),
    ],
)  # fmt: skip
def test_a_bad_envelope_is_400_naming_the_field(post, body, field):
    _problem(post(body), 400, field)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"status": "Bogus"}, "status"),
        ({}, "status"),
        ({"status": "Exempt"}, "exemption_reason_ids"),
        ({"status": "Exempt", "exemption_reason_ids": ["not-a-trs-reason"]}, "exemption_reason_ids"),
        ({"status": "Exempt", "exemption_reason_ids": QUALIFIED_BEFORE_MAY_2000}, "exemption_reason_ids"),
        ({"status": "Passed", "start_date": "2025-09-01"}, "completed_date"),
        ({"status": "RequiredToComplete", "start_date": "2025-09-01"}, "start_date"),
        ({"status": "Failed", "start_date": "2025-09-01", "completed_date": "2026-02-30"}, "completed_date"),
        ({"status": "Exempt", "exemption_reason_ids": [QUALIFIED_BEFORE_MAY_2000], "colour": "red"}, "colour"),
    ],
)  # fmt: skip
def test_a_change_the_rules_cannot_read_is_400_naming_the_field(
    post, managed_in_progress, change, field
):
    _problem(post(_trs_change(MANAGED_TRN, **change)), 400, field)


def test_a_cpd_change_that_cannot_be_today_is_422_naming_the_field(post, failed):
    body = _problem(post(_lodge(lodged_on="2026-11-03")), 422, "lodged_on")
    assert "today or in the past" in body["detail"]


def test_a_trn_neither_cpd_nor_trs_knows_is_404(post):
    body = _problem(post(_lodge("2109999")), 404, "trn")
    assert "2109999" in body["detail"]


def test_trs_unreadable_is_503(post, failed, sandbox_admin):
    sandbox_admin.faults(500, count=20)
    body = _problem(post(_lodge()), 503)
    assert "TRS could not be read" in body["detail"]


def test_only_post_is_allowed(app):
    response = app.test_client().get("/api/v1/decisions", headers=KEY)
    _problem(response, 405)


# -- the OpenAPI document -------------------------------------------------------------------------


def test_openapi_document_describes_the_decisions_endpoint(client_request):
    response = client_request.get_response("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.get_json()
    assert document["openapi"].startswith("3.1")
    operation = document["paths"]["/api/v1/decisions"]["post"]
    assert set(operation["responses"]) == {"200", "400", "401", "404", "415", "422", "503"}
    assert operation["security"] == [{"policyKey": []}]
    scheme = document["components"]["securitySchemes"]["policyKey"]
    assert (scheme["type"], scheme["scheme"]) == ("http", "bearer")
    schemas = document["components"]["schemas"]
    request = schemas["DecisionRequest"]
    assert request["properties"]["action"]["enum"] == list(ACTIONS)
    assert set(request["required"]) == {"trn", "console", "action"}
    exempt = schemas["change_induction_status"]
    assert exempt["properties"]["status"]["enum"][:2] == ["None", "RequiredToComplete"]
    assert "status" in exempt["required"]
    refs = list(_refs(document))
    assert len(refs) > len(ACTIONS)
    assert all(ref.removeprefix("#/components/schemas/") in schemas for ref in refs)


def _refs(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


# -- the API and the published rules agree ---------------------------------------------------------


def _published(client_request) -> dict[str, tuple[str, str]]:
    """rule id -> (answer, reason template) as /rules shows them."""
    page = client_request.get("/rules")
    shown = {}
    for row in page.select("tr[id^='rule-']"):
        answer, reason = row.find_all("td")
        template = " ".join(reason.find(string=True, recursive=False).split())
        shown[row["id"].removeprefix("rule-")] = (" ".join(answer.get_text().split()), template)
    return shown


def _fills(template: str, reason: str) -> bool:
    pattern = re.sub(r"\\\{[a-z_]+\\\}", ".+", re.escape(template))
    return re.fullmatch(pattern, reason) is not None


ANSWER_WORDS = {"allowed": "Allowed", "forbidden": "Forbidden", "manual": "Manual handling"}


def test_every_api_answer_is_a_published_rule_with_its_reason(
    post, client_request, managed_in_progress, failed, legacy, clock
):
    published = _published(client_request)
    asked = [
        _trs_change(MANAGED_TRN, **EXEMPT),
        _trs_change(MANAGED_TRN, status="FailedInWales"),
        _trs_change(LEGACY_TRN, status="RequiredToComplete"),
        _lodge(),
        _lodge(on="2026-12-01"),
        {"trn": FAILED_TRN, "console": "cpd", "action": "reopen_outcome"},
        {"trn": FAILED_TRN, "console": "cpd", "action": "reopen_outcome", "on": "2027-01-04"},
        {"trn": FAILED_TRN, "console": "cpd", "action": "add_extension", "number_of_terms": 1},
        {"trn": MANAGED_TRN, "console": "cpd", "action": "add_extension", "number_of_terms": "1.5"},
        {"trn": MANAGED_TRN, "console": "cpd", "action": "record_exemption"},
        {"trn": LEGACY_TRN, "console": "cpd", "action": "add_induction_period", "started_on": "2026-09-01"},
    ]  # fmt: skip
    seen = set()
    for body in asked:
        answer = post(body).get_json()
        answer_words, template = published[answer["rule_id"]]
        assert answer_words == ANSWER_WORDS[answer["decision"]], body
        assert _fills(template, answer["reason"]), (template, answer["reason"])
        seen.add(answer["decision"])
    assert seen == {"allowed", "forbidden", "manual"}


def test_a_changed_window_changes_the_page_the_json_and_the_api_together(
    post, client_request, failed, clock, monkeypatch
):
    clock.set(date(2026, 11, 25))  # one day after the 20-working-day window closed
    assert post(_lodge()).get_json()["decision"] == "manual"

    monkeypatch.setitem(WINDOWS, "APPEAL_LODGING", replace(WINDOWS["APPEAL_LODGING"], length=30))
    last_day = add_working_days(FAILED_ON + timedelta(days=1), 30)
    answer = post(_lodge()).get_json()
    assert answer["decision"] == "allowed"
    assert answer["dates_used"]["lodging_last_day"] == last_day.isoformat() == "2026-12-08"
    assert answer["reason"].endswith("until 8 December 2026 (30 working days).")

    page = client_request.get("/rules")
    window_row = page.find(id="window-APPEAL_LODGING")
    assert " ".join(window_row.find_all("td")[0].get_text().split()) == "30 working days"
    assert _fills(_published(client_request)["CPD-APPEAL-LODGE-ALLOWED"][1], answer["reason"])
    windows = {
        w["name"]: w["value"]
        for w in client_request.get_response("/rules.json").get_json()["windows"]
    }
    assert windows["APPEAL_LODGING"] == 30


# -- numbers, bodies and headers the API must refuse cleanly ---------------------------------------


def _record_pass(terms) -> dict:
    return {
        "trn": MANAGED_TRN,
        "console": "cpd",
        "action": "record_pass",
        "finished_on": "2026-10-30",
        "number_of_terms": terms,
    }


@pytest.mark.parametrize("terms", [1e308, "1e999999999", 10**33, -(10**33), "١", "٣.٥", "²", "3_0"])
def test_numbers_out_of_reach_or_not_ascii_are_400(post, managed_in_progress, terms):
    body = _problem(post(_record_pass(terms)), 400, "number_of_terms")
    assert "number_of_terms" in body["detail"]


@pytest.mark.parametrize("index", ["²", "١", "0x1", " 0", True, -1, 1.0])
def test_a_period_index_that_is_not_ascii_digits_is_400(post, managed_in_progress, index):
    change = {"trn": MANAGED_TRN, "console": "cpd", "action": "edit_induction_period"}
    _problem(post({**change, "period_index": index}), 400, "period_index")


def test_a_change_that_fits_the_document_but_not_the_record_is_422(post, managed_in_progress):
    change = {"trn": MANAGED_TRN, "console": "cpd", "action": "edit_induction_period"}
    body = _problem(post({**change, "period_index": 5}), 422, "period_index")
    assert body["detail"] == "There is no induction period 5"


@pytest.mark.parametrize(
    ("content_type", "data"),
    [
        ("text/plain", json.dumps(_lodge()).encode()),
        ("application/x-www-form-urlencoded", b"trn=2100002"),
        ("application/json; charset=utf-16", json.dumps(_lodge()).encode("utf-16")),
        ("application/json", json.dumps(_lodge()).encode("utf-16")),
        ("application/json", json.dumps(_lodge()).encode("utf-16-le")),
        ("application/json", b"\xff\xfe{"),
        ("application/json", b"\xfe{"),
        (None, json.dumps(_lodge()).encode()),
    ],
)
def test_a_body_that_is_not_utf8_json_is_415(post, failed, content_type, data):
    headers = {**KEY, "Content-Type": content_type} if content_type else KEY
    body = _problem(post(data=data, headers=headers), 415)
    assert "application/json" in body["detail"]


def test_utf8_json_with_its_charset_is_read(post, failed):
    headers = {**KEY, "Content-Type": "application/json; charset=utf-8"}
    assert post(data=json.dumps(_lodge()).encode(), headers=headers).status_code == 200


def test_a_405_says_which_methods_are_allowed(app, client_request):
    client = app.test_client()
    api = client.get("/api/v1/decisions", headers=KEY)
    page = client.delete("/sign-in")
    assert (api.status_code, page.status_code) == (405, 405)
    assert set(api.headers["Allow"].split(", ")) == {"OPTIONS", "POST"}
    assert set(page.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS", "POST"}


def test_json_answers_are_never_stored(post, app, failed):
    client = app.test_client()
    for response in (
        post(_lodge()),
        post({}),
        client.get("/api/v1/openapi.json"),
        client.get("/rules.json"),
    ):
        assert response.is_json
        assert response.headers["Cache-Control"] == "no-store"


def test_the_document_declares_every_bound_the_server_checks(client_request):
    schemas = client_request.get_response("/api/v1/openapi.json").get_json()["components"][
        "schemas"
    ]
    on = schemas["lodge_appeal"]["properties"]["on"]
    assert re.fullmatch(on["pattern"], "2100-12-31") and re.fullmatch(on["pattern"], "1900-01-01")
    assert not re.fullmatch(on["pattern"], "2881-01-01")
    assert not re.fullmatch(on["pattern"], "١٩٩٩-01-01")
    assert schemas["lodge_appeal"]["properties"]["trn"]["pattern"] == "^[0-9]{7}$"
    assert schemas["lodge_appeal"]["additionalProperties"] is False
    terms = schemas["add_extension"]["properties"]["number_of_terms"]
    assert (terms["type"], terms["minimum"], terms["maximum"], terms["multipleOf"]) == (
        "number",
        0.1,
        16,
        0.1,
    )
    assert schemas["edit_induction_period"]["properties"]["period_index"]["minimum"] == 0
    reasons = schemas["change_induction_status"]["properties"]["exemption_reason_ids"]
    assert QUALIFIED_BEFORE_MAY_2000 in reasons["items"]["enum"]
    assert schemas["add_induction_period"]["dependentRequired"] == {
        "finished_on": ["number_of_terms"]
    }
