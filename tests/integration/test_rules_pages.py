"""The published rule set: `/rules`, `/rules.json` and `/rules.csv` show the rule tables themselves."""

from __future__ import annotations

import csv
import io
import json
from datetime import date

from app.rules import ACTIONS, OWNERSHIP, RULE_CSV_COLUMNS, WINDOWS, published_rules, rule_rows
from app.rules.decide import CHAINS


def _text(tag) -> str:
    return " ".join(tag.get_text().split())


def test_rules_page_shows_every_rule_with_its_answer_and_reason(client_request):
    page = client_request.get("/rules")
    assert _text(page.h1) == "The rules: who may change what, when"
    for rule in rule_rows():
        row = page.find(id=f"rule-{rule['rule_id']}")
        assert row is not None, rule["rule_id"]
        cells = row.find_all("td")
        assert _text(cells[0]) == {"allowed": "Allowed", "forbidden": "Forbidden"}.get(
            rule["answer"], "Manual handling"
        )
        assert _text(cells[1]).startswith(" ".join(rule["reason"].split()))


def test_rules_page_shows_ownership_windows_and_actions(client_request):
    page = client_request.get("/rules")
    ownership = page.find(id="who-owns-what").find_next("table")
    assert [_text(th) for th in ownership.select("tbody th")] == [row[0] for row in OWNERSHIP]
    for window in WINDOWS.values():
        row = page.find(id=f"window-{window.name}")
        assert window.title in _text(row.th)
        assert _text(row.find_all("td")[0]) == window.words
    for action in ACTIONS.values():
        row = page.find(id=f"action-{action.id}")
        assert action.title in _text(row.th)
        for field in action.fields:
            assert field.name in _text(row)


def test_rules_page_lists_each_actions_checks_in_order(client_request):
    page = client_request.get("/rules")
    shown_first = [_text(a) for a in page.find(id="before-any-cpd-change").find_next("table")("a")]
    assert shown_first == [rule.id for rule in CHAINS["add_induction_period"][:3]]
    for action, chain in CHAINS.items():
        heading = page.find(id=f"checks-{action}")
        if heading is None:  # shown with another action whose checks are the same
            assert action == "record_fail"
            continue
        shown = [_text(a) for a in heading.find_next("table")("a")]
        assert shown == [rule.id for rule in chain][-len(shown) :]
        assert len(shown) in (len(chain), len(chain) - 3)


def test_rules_page_trs_console_matrix_allows_one_change_while_cpd_manages(client_request):
    page = client_request.get("/rules")
    managed, not_managed = page.find(id="trs-console").find_all_next("table", limit=2)
    managed_allowed = [td for td in managed("td") if "Allowed" in _text(td)]
    assert len(managed_allowed) == 1
    assert "TRS-INPROGRESS-TO-EXEMPT" in _text(managed_allowed[0])
    assert _text(managed_allowed[0].find_parent("tr").th) == "In progress"
    assert len([td for td in not_managed("td") if "Allowed" in _text(td)]) > 1


def test_rules_page_rule_links_lead_to_a_rule(client_request):
    page = client_request.get("/rules")
    for link in page.select("a[href^='#rule-']"):
        assert page.find(id=link["href"][1:]) is not None, link["href"]
    for link in page.select("nav a[href^='#']"):
        assert page.find(id=link["href"][1:]) is not None, link["href"]


def test_rules_page_is_in_the_navigation_when_signed_in(signed_in_as):
    page = signed_in_as("viewer").get("/rules")
    link = page.select_one(".govuk-service-navigation a[href='/rules']")
    assert link is not None
    assert link.find_parent("li")["class"].count("govuk-service-navigation__item--active") == 1


def test_rules_json_is_the_published_rule_set(client_request):
    response = client_request.get_response("/rules.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    data = response.get_json()
    assert data == json.loads(json.dumps(published_rules()))
    assert [a["id"] for a in data["actions"]] == list(ACTIONS)
    change = next(a for a in data["actions"] if a["id"] == "change_induction_status")
    assert [f["name"] for f in change["fields"]] == [
        "status",
        "start_date",
        "completed_date",
        "exemption_reason_ids",
    ]
    assert {w["name"]: w["value"] for w in data["windows"]} == {
        "APPEAL_LODGING": 20,
        "APPEAL_DECISION": 180,
        "OUTCOME_CORRECTION": 30,
        "MANAGED_BY_CPD": 7,
    }
    assert all(rule["rule_id"] and rule["reason"] for rule in data["rules"])


def test_rules_csv_has_one_row_per_rule(client_request):
    response = client_request.get_response("/rules.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    ids = [row["rule_id"] for row in rows]
    assert len(ids) == len(set(ids))
    assert set(ids) == {rule.id for chain in CHAINS.values() for rule in chain}
    assert tuple(rows[0]) == RULE_CSV_COLUMNS
    lodging = next(row for row in rows if row["rule_id"] == "CPD-APPEAL-LODGING-WINDOW")
    assert lodging["answer"] == "manual"
    assert lodging["actions"] == "lodge_appeal"
    assert "20 working days" in lodging["reason"]


def test_rules_page_says_exactly_how_the_appeal_window_is_counted(client_request):
    """A reader counting from "the day after the fail" got one day less than the console: the page
    says the fail is received the day after its date and working day 1 is the next working day,
    with a worked example that leaves out a bank holiday, worked by the window itself."""
    row = client_request.get("/rules").select_one("#window-APPEAL_LODGING")
    text = " ".join(row.get_text().split())
    assert (
        "counted from the day the fail is taken as received, which is the day after the fail "
        "outcome's date: working day 1 is the first working day after the day of receipt"
    ) in text
    assert WINDOWS["APPEAL_LODGING"].last_day(date(2026, 4, 27)) == date(2026, 5, 28)
    assert (
        "A fail dated Monday 27 April 2026 is taken as received on Tuesday 28 April 2026. "
        "Working day 1 is Wednesday 29 April 2026. Leaving out weekends and the bank holidays on "
        "Monday 4 May 2026 and Monday 25 May 2026, working day 20, the last day inside the window, "
        "is Thursday 28 May 2026."
    ) in text
