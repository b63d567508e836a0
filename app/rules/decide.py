"""Asking the rule set: `decide`, `available_actions`, and the who-may-ask gate.

Nothing else decides: the page's buttons, the check on every POST, the policy API and the rules
page all come through here (docs/domain.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from app.rules.actions import CONSOLE_ACTIONS, find_action, read_change
from app.rules.formatting import long_date
from app.rules.record import TeacherRecord
from app.rules.table import (
    ALLOWED,
    CPD_RULES,
    DECIDES_MANUAL_REQUESTS,
    P1,
    P2,
    P3,
    ROLE_ACTIONS,
    TRS_RULES,
    Rule,
)
from app.rules.windows import WINDOWS

# Each action's rows in the order they are checked: P1, P2, P3 before any CPD-console write.
CHAINS: dict[str, tuple[Rule, ...]] = {
    **{action: (P1, P2, P3, *CPD_RULES[action]) for action in CONSOLE_ACTIONS["cpd"]},
    **{action: TRS_RULES[action] for action in CONSOLE_ACTIONS["trs"]},
}


@dataclass(frozen=True, slots=True)
class Decision:
    """One answer of the rule set, with the rule that gave it and the dates it used."""

    outcome: str  # "allowed" | "forbidden" | "manual"
    rule_id: str
    reason: str
    write_target: str | None  # "cpd" | "trs" when allowed, else None
    make_it_instead: str  # where the change can be made instead (forbidden); may be ""
    dates_used: tuple[tuple[str, date], ...]
    evaluated_on: date

    @property
    def allowed(self) -> bool:
        return self.outcome == ALLOWED

    def as_api(self) -> dict[str, object]:
        """The policy API's answer body (docs/architecture.md)."""
        return {
            "decision": self.outcome,
            "rule_id": self.rule_id,
            "reason": self.reason,
            "write_target": self.write_target,
            "evaluated_on": self.evaluated_on.isoformat(),
        }


class _Words(dict):
    """Template values: a name not among the facts is a window, shown as its length in words."""

    def __missing__(self, key: str) -> str:
        return WINDOWS[key].words


def decide(
    console: str,
    action: str,
    record: TeacherRecord,
    today: date,
    change: Mapping[str, object] | None = None,
) -> Decision:
    """The rule set's answer to `action` from `console` on `record` as of `today`.

    With no `change`, whether the action is available at all (a page's buttons); with one, also
    the conditions on its fields. Raises MalformedChange for input that cannot be read.
    """
    act = find_action(console, action)
    values = None if change is None else read_change(act, change, record, today)
    return first_answer(CHAINS[action], act.write_target, record, today, values)


def first_answer(
    rules: tuple[Rule, ...],
    write_target: str,
    record: TeacherRecord,
    today: date,
    values: dict | None = None,
) -> Decision:
    """The answer of the first of `rules` whose condition holds (the last row always does)."""
    for rule in rules:
        facts = rule.when(record, today, values)
        if facts is not None:
            return _answer(rule, write_target, facts, today)
    raise AssertionError(f"no rule answered: the last row of {rules[0].id}'s chain must")


def _answer(rule: Rule, target: str, facts: dict, today: date) -> Decision:
    words = _Words()
    dates = []
    for key, value in facts.items():
        if isinstance(value, date):
            dates.append((key, value))
            words[key] = long_date(value)
        else:
            words[key] = value
    return Decision(
        outcome=rule.answer,
        rule_id=rule.id,
        reason=rule.reason.format_map(words),
        write_target=target if rule.answer == ALLOWED else None,
        make_it_instead=rule.instead.format_map(words) if rule.instead else "",
        dates_used=tuple(dates),
        evaluated_on=today,
    )


def available_actions(
    console: str, record: TeacherRecord, today: date
) -> tuple[tuple[str, Decision], ...]:
    """Every action of `console` with its decision now, in the stable order of ACTIONS."""
    if console not in CONSOLE_ACTIONS:
        find_action(console, "")  # raises MalformedChange naming the console
    return tuple((a, decide(console, a, record, today)) for a in CONSOLE_ACTIONS[console])


def role_may(role: str, action: str) -> bool:
    """The who-may-ask gate, checked before the rules (docs/domain.md, who uses the console)."""
    return action in ROLE_ACTIONS.get(role, ())


def may_decide_manual_request(role: str, requester_id: object, decider_id: object) -> bool:
    """Senior caseworkers alone decide manual-handling requests, never their own."""
    return role in DECIDES_MANUAL_REQUESTS and requester_id != decider_id
