"""The rule set as published data: what `/rules`, `/rules.json` and `/rules.csv` show.

Generated from the tables themselves (windows, ownership, actions, rule rows), so each of those
pages is one loop, and a change to a window or a row changes what is published at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from app.rules.actions import ACTIONS, STATUS_DATES, Action
from app.rules.decide import CHAINS, decide
from app.rules.record import TRS_STATUSES, PeriodFacts, TeacherRecord
from app.rules.table import OWNERSHIP, OWNERSHIP_COLUMNS, ROLE_ACTIONS, Rule
from app.rules.windows import WINDOWS, Window, add_working_days, bank_holidays, is_working_day

# The matrix of TRS-console changes is worked out as of this fixed day, so the page is stable.
MATRIX_DAY = date(2026, 1, 5)
# A working-days window's worked example is the first start on or after this day whose window
# passes over a bank holiday (the early May bank holiday, with the current rules).
BANK_HOLIDAY_EXAMPLE_FROM = date(2026, 4, 27)
RULE_CSV_COLUMNS = ("rule_id", "console", "actions", "answer", "when", "reason", "instead")


class _Template(dict):
    """Fill in window lengths; leave the record's facts as {placeholders}."""

    def __missing__(self, key: str) -> str:
        return WINDOWS[key].words if key in WINDOWS else "{" + key + "}"


def published_rules() -> dict:
    """The whole rule set as plain JSON-able data."""
    return {
        "windows": [
            {
                "name": w.name,
                "title": w.title,
                "value": w.length,
                "unit": w.unit,
                "words": w.words,
                "counted_from": w.counted_from,
                "in_words": w.in_words,
                "source": w.source,
            }
            for w in WINDOWS.values()
        ],
        "ownership": {"columns": list(OWNERSHIP_COLUMNS), "rows": [list(r) for r in OWNERSHIP]},
        "actions": [_action(a) for a in ACTIONS.values()],
        "status_dates": {
            s: {"start_date": start, "completed_date": done}
            for s, (start, done) in STATUS_DATES.items()
        },
        "checks_in_order": {a: [r.id for r in rows] for a, rows in CHAINS.items()},
        "rules": rule_rows(),
        "trs_console_by_state": trs_console_by_state(),
    }


def rule_rows() -> list[dict[str, str]]:
    """Every rule once, with the actions it answers for; the columns of `/rules.csv`."""
    rows: dict[str, dict[str, str]] = {}
    for action, chain in CHAINS.items():
        for rule in chain:
            row = rows.get(rule.id)
            if row is None:
                rows[rule.id] = {
                    "rule_id": rule.id,
                    "console": ACTIONS[action].console,
                    "actions": action,
                    "answer": rule.answer,
                    "when": _when(rule).format_map(_Template()),
                    "reason": rule.reason.format_map(_Template()),
                    "instead": rule.instead.format_map(_Template()),
                }
            elif action not in row["actions"].split(" "):
                row["actions"] += " " + action
    return list(rows.values())


def _when(rule: Rule) -> str:
    """A condition's "when": the first line of its docstring."""
    return (rule.when.__doc__ or "").strip().splitlines()[0]


def _action(a: Action) -> dict:
    return {
        "id": a.id,
        "console": a.console,
        "title": a.title,
        "write_target": a.write_target,
        "roles": [role for role, actions in ROLE_ACTIONS.items() if a.id in actions],
        "fields": [
            {
                "name": f.name,
                "type": f.type,
                "required": f.required,
                "hint": f.hint,
                "choices": list(f.choices),
                "minimum": None if f.minimum is None else str(f.minimum),
                "maximum": None if f.maximum is None else str(f.maximum),
                "nullable": f.nullable,
            }
            for f in a.fields
        ],
    }


def trs_console_by_state() -> list[dict]:
    """Section 4.3 as a matrix: from each TRS status, managed or not, what each change answers."""
    start = MATRIX_DAY - timedelta(days=400)
    completed = MATRIX_DAY - timedelta(days=30)
    out = []
    for managed in (True, False):
        periods = (PeriodFacts(start),) if managed else ()
        for current in TRS_STATUSES:
            record = TeacherRecord(trs_status=current, qts_date=start, periods=periods)
            answers = {}
            for target in TRS_STATUSES:
                if target == current:
                    continue
                change: dict[str, object] = {"status": target}
                start_rule, completed_rule = STATUS_DATES[target]
                if start_rule == "required":
                    change["start_date"] = start
                if completed_rule == "required":
                    change["completed_date"] = completed
                if target == "Exempt":
                    change["exemption_reason_ids"] = ["a5faff9f-29ce-4a6b-a7b8-0c1f57f15920"]
                d = decide("trs", "change_induction_status", record, MATRIX_DAY, change)
                answers[target] = {"decision": d.outcome, "rule_id": d.rule_id}
            out.append({"from": current, "managed_by_cpd": managed, "to": answers})
    return out


@dataclass(frozen=True)
class WorkingDaysExample:
    """A working-days window counted out day by day, for a reader to check against a calendar."""

    start: date  # the fail outcome's date
    received_on: date  # the day after: the fail is taken as received then
    first_working_day: date  # working day 1
    bank_holidays: tuple[date, ...]  # the weekdays left out of the count
    last_day: date  # working day N: the last day inside the window


def working_days_example(
    window: Window, from_day: date = BANK_HOLIDAY_EXAMPLE_FROM
) -> WorkingDaysExample:
    """The first start on or after `from_day` whose window leaves out a bank holiday, worked by
    the window itself (`last_day`), so the example is always what the console decides."""
    start = from_day
    while True:
        received = start + timedelta(days=1)
        last = window.last_day(start)
        days = (received + timedelta(days=n) for n in range(1, (last - received).days + 1))
        skipped = tuple(
            d
            for d in days
            if d.weekday() < 5 and not is_working_day(d) and d in bank_holidays(d.year)
        )
        if skipped:
            return WorkingDaysExample(start, received, add_working_days(received, 1), skipped, last)
        start += timedelta(days=1)
