"""The policy API's question, answered: read the teacher from CPD and TRS, then ask the rules.

Other services (first of all the TRS support console, before it changes an induction) send the
envelope `{"trn", "console", "action", "on"?}` plus the action's fields. Input the rules cannot read
raises `MalformedChange` naming the field, which the API turns into a 400; the rules do no I/O, so
the few checks that need data (TRS's exemption reason ids) are made here.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from datetime import date
from functools import cache
from pathlib import Path

from sqlalchemy.orm import Session

from app.rules import ACTIONS, CONSOLES, Decision, MalformedChange, TeacherRecord, decide
from app.rules.actions import find_action, read_date
from app.services.outlook import ActionOnDay, actions_on
from app.services.records import build_record
from app.services.teachers import TRN_PATTERN, find_teacher
from app.trs.gateway import TrsGateway

EXEMPTION_REASONS_CSV = (
    Path(__file__).resolve().parent.parent / "data" / "trs-exemption-reasons.csv"
)


class UnknownTeacher(LookupError):
    """Neither CPD nor TRS knows the TRN, so there is no record to ask about."""


@cache
def exemption_reason_ids() -> frozenset[str]:
    """TRS's active exemption reason ids, from the project's seed copy of TRS's list."""
    with EXEMPTION_REASONS_CSV.open(newline="", encoding="utf-8") as file:
        return frozenset(
            row["inductionExemptionReasonId"].lower()
            for row in csv.DictReader(file)
            if row["isActive"].strip().lower() == "true"
        )


def ask(session: Session, trs: TrsGateway, body: Mapping[str, object], today: date) -> Decision:
    """The rule set's answer for the teacher `body["trn"]` as CPD and TRS hold them now.

    `today` is the console's today unless the body asks about another day (`"on"`): the record is
    read as it stands and judged as of that day. TRS is read fresh, because the caller is about to
    act on the answer. Raises MalformedChange (400), UnknownTeacher (404) or TrsUnreadable (503).
    """
    trn, console, action = _envelope(body)
    on = on_date(body.get("on"), today)
    if action == "change_induction_status":
        _check_exemption_reasons(body.get("exemption_reason_ids"))
    return decide(console, action, _fresh_record(session, trs, trn), on, body)


def actions_on_day(
    session: Session, trs: TrsGateway, trn: str, console: str, on: object, today: date
) -> tuple[date, list[ActionOnDay]]:
    """Every action of `console` for the teacher `trn` as the rules answer on `on` (default today),
    each with the next day its answer changes. Raises as `ask` does."""
    if not TRN_PATTERN.fullmatch(trn):
        raise MalformedChange("trn", "trn must be a TRN: 7 digits")
    if console not in CONSOLES:
        raise MalformedChange("console", f"console must be one of {', '.join(CONSOLES)}")
    day = on_date(on, today)
    return day, actions_on(console, _fresh_record(session, trs, trn), day)


def _fresh_record(session: Session, trs: TrsGateway, trn: str) -> TeacherRecord:
    """TRS is read fresh, because the caller is about to act on the answer."""
    teacher = find_teacher(session, trn)
    reading = trs.read_person(trn, fresh=True)
    if teacher is None and reading.state == "not_found":
        raise UnknownTeacher(trn)
    return build_record(teacher, reading)


def _envelope(body: Mapping[str, object]) -> tuple[str, str, str]:
    trn, console, action = body.get("trn"), body.get("console"), body.get("action")
    if not isinstance(trn, str) or not TRN_PATTERN.fullmatch(trn):  # `$` allows a final newline
        raise MalformedChange("trn", "trn must be a TRN: 7 digits, as a string")
    if not isinstance(console, str):
        raise MalformedChange("console", "console must be cpd or trs")
    if not isinstance(action, str):
        raise MalformedChange("action", f"action must be one of {', '.join(ACTIONS)}")
    find_action(console, action)  # raises MalformedChange naming console or action
    return trn, console, action


def on_date(raw: object, today: date) -> date:
    """The day asked about (`on`, yyyy-mm-dd, 1900 to 2100), or today; MalformedChange if bad."""
    return today if raw is None else read_date("on", raw)


def _check_exemption_reasons(raw: object) -> None:
    """Reason ids TRS does not have; a list of another shape is left for the rules to refuse."""
    if not isinstance(raw, list):
        return
    unknown = [r for r in raw if isinstance(r, str) and r.lower() not in exemption_reason_ids()]
    if unknown:
        raise MalformedChange(
            "exemption_reason_ids",
            f"TRS has no exemption reason with the id {unknown[0][:64]!r}"
            + (f" (and {len(unknown) - 1} more)" if len(unknown) > 1 else ""),
        )
