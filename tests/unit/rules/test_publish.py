"""The published rule set (`/rules`, `/rules.json`, `/rules.csv`) comes from the tables."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from app.rules import (
    ACTIONS,
    OUTCOME_CORRECTION,
    RULE_CSV_COLUMNS,
    WINDOWS,
    decide,
    published_rules,
    rule_rows,
)
from app.rules.decide import CHAINS

from . import helpers as h


def test_published_rules_are_plain_json() -> None:
    published = published_rules()
    assert json.loads(json.dumps(published)) == published
    assert set(published) == {
        "windows",
        "ownership",
        "actions",
        "status_dates",
        "checks_in_order",
        "rules",
        "trs_console_by_state",
    }


def test_every_rule_is_published_once_with_its_reason() -> None:
    rows = rule_rows()
    ids = [row["rule_id"] for row in rows]
    assert len(ids) == len(set(ids))
    assert set(ids) == {rule.id for chain in CHAINS.values() for rule in chain}
    for row in rows:
        assert tuple(row) == RULE_CSV_COLUMNS
        assert row["reason"] and row["when"] and row["answer"] in ("allowed", "forbidden", "manual")
        for action in row["actions"].split(" "):
            assert ACTIONS[action].console == row["console"]


def test_one_rule_id_is_one_row() -> None:
    """A rule shared by several actions is the same row, not two rows with one id."""
    by_id: dict = {}
    for chain in CHAINS.values():
        for rule in chain:
            assert by_id.setdefault(rule.id, rule) is rule


def test_p1_p2_p3_come_first_for_every_cpd_action() -> None:
    published = published_rules()["checks_in_order"]
    for action in (a for a in ACTIONS.values() if a.console == "cpd"):
        assert published[action.id][:3] == [
            "CPD-P1-NO-ACTIVE-TRS-RECORD",
            "CPD-P2-FAILED-IN-WALES",
            "CPD-P3-EXEMPT",
        ]


def test_windows_are_published_in_words_and_values() -> None:
    windows = {w["name"]: w for w in published_rules()["windows"]}
    assert windows["APPEAL_LODGING"]["value"] == 20
    assert windows["APPEAL_LODGING"]["unit"] == "working_days"
    assert "bank holidays" in windows["APPEAL_LODGING"]["in_words"]
    assert windows["APPEAL_DECISION"]["words"] == "180 calendar days"
    assert windows["OUTCOME_CORRECTION"]["words"] == "30 calendar days"
    assert windows["MANAGED_BY_CPD"]["words"] == "7 years"


def test_changing_a_window_changes_behaviour_and_publication(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    record = h.build("Passed", h.pass_window_closed, True)  # recorded 5 January 2026
    assert decide("cpd", "reopen_outcome", record, h.TODAY).outcome == "manual"

    monkeypatch.setitem(WINDOWS, "OUTCOME_CORRECTION", replace(OUTCOME_CORRECTION, length=90))

    reopened = decide("cpd", "reopen_outcome", record, h.TODAY)
    assert reopened.outcome == "allowed"
    assert "until 5 April 2026 (90 calendar days)" in reopened.reason
    published = published_rules()
    correction = next(w for w in published["windows"] if w["name"] == "OUTCOME_CORRECTION")
    assert (correction["value"], correction["words"]) == (90, "90 calendar days")
    reopen_row = next(r for r in published["rules"] if r["rule_id"] == "CPD-REOPEN-ALLOWED")
    assert "(90 calendar days)" in reopen_row["reason"]
    assert "{outcome_recorded_on}" in reopen_row["reason"]  # record facts stay placeholders


def test_trs_console_by_state_matches_design_4_3() -> None:
    matrix = published_rules()["trs_console_by_state"]
    for row in matrix:
        allowed = {to for to, answer in row["to"].items() if answer["decision"] == "allowed"}
        if row["managed_by_cpd"]:
            assert allowed == ({"Exempt"} if row["from"] == "InProgress" else set())
        else:
            assert "None" not in allowed and "InProgress" not in allowed
            assert allowed == set(row["to"]) - {"None", "InProgress"}


def test_ownership_table_is_design_section_3() -> None:
    ownership = published_rules()["ownership"]
    assert ownership["columns"][0] == "value"
    values = [row[0] for row in ownership["rows"]]
    assert len(values) == 7
    assert "Exemption and its reasons" in values
    exemption = ownership["rows"][values.index("Exemption and its reasons")]
    assert exemption[1] == "TRS"


def test_actions_publish_their_fields_and_roles() -> None:
    actions = {a["id"]: a for a in published_rules()["actions"]}
    assert actions["lodge_appeal"]["roles"] == ["appeals_officer"]
    assert actions["record_pass"]["roles"] == ["caseworker", "senior_caseworker"]
    assert actions["change_induction_status"]["roles"] == []
    status = actions["change_induction_status"]["fields"][0]
    assert status["name"] == "status" and "FailedInWales" in status["choices"]


def test_changing_the_seven_year_rule_changes_when_texts_and_answers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    record = h.build("RequiredToComplete", h.no_periods, False)
    change = {"status": "Passed", "start_date": "2015-09-01", "completed_date": "2017-07-20"}
    assert decide("cpd", "correct_legacy_status", record, h.TODAY, change).outcome == "allowed"

    monkeypatch.setitem(WINDOWS, "MANAGED_BY_CPD", replace(WINDOWS["MANAGED_BY_CPD"], length=10))

    refused = decide("cpd", "correct_legacy_status", record, h.TODAY, change)
    assert refused.rule_id == "CPD-LEGACY-RECENT-COMPLETION"
    assert "less than 10 years ago" in refused.reason
    rows = {r["rule_id"]: r for r in rule_rows()}
    assert "10 years" in rows["TRS-MANAGED-BY-CPD"]["when"]
    assert "10 years" in rows["CPD-LEGACY-RECENT-COMPLETION"]["when"]
