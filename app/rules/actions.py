"""Every action the rules answer for, its fields, and how a change's fields are read.

`ACTIONS` is the list other services call by id (stable) and the one `/rules.json` publishes.
A change that cannot be read (an unknown field, a bad date, a missing required value, dates the
status forbids) is not a decision: it raises `MalformedChange`, which the API turns into a 400 that
names the field.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import date
from decimal import Decimal

from app.rules.numbers import has_one_decimal_place_at_most, read_decimal, read_whole_number
from app.rules.record import APPEAL_DECISIONS, TRS_STATUSES, TeacherRecord

CONSOLES = ("cpd", "trs")

# Keys of an API body that are not the action's fields; a change may carry them and they are ignored.
ENVELOPE_KEYS = frozenset({"trn", "console", "action", "on"})

# What the TRS API accepts with each status: start date, completed date (docs/trs-contract.md).
STATUS_DATES: dict[str, tuple[str, str]] = {
    "None": ("not permitted", "not permitted"),
    "RequiredToComplete": ("not permitted", "not permitted"),
    "InProgress": ("required", "not permitted"),
    "Passed": ("required", "required"),
    "Failed": ("required", "required"),
    "Exempt": ("optional", "optional"),
    "FailedInWales": ("optional", "optional"),
}

EARLIEST_DATE = date(1900, 1, 1)
LATEST_DATE = date(2100, 12, 31)


class MalformedChange(ValueError):  # noqa: N818 - the name the API and services use
    """A change the rules cannot read; `field` names the part at fault."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class ImpossibleChange(MalformedChange):  # noqa: N818
    """A change of the published shape that cannot be, for this record or day: a period index past
    the last period, an end before its start, a date in the future. The API answers 422."""


@dataclass(frozen=True, slots=True)
class Field:
    """One field of an action's change. `type`: date, integer, decimal, text, choice, text_list."""

    name: str
    type: str
    required: bool
    hint: str
    choices: tuple[str, ...] = ()
    minimum: Decimal | None = None
    maximum: Decimal | None = None
    nullable: bool = False  # an explicit null means something (not just "absent")


@dataclass(frozen=True, slots=True)
class Action:
    """An action one console can ask about, and where an allowed change is written."""

    id: str
    console: str
    title: str
    write_target: str  # "cpd" | "trs"
    fields: tuple[Field, ...] = ()
    field_names: frozenset[str] = dataclass_field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "field_names", frozenset(f.name for f in self.fields))


TERMS = (Decimal("0"), Decimal("16"))
EXTENSION_TERMS = (Decimal("0.1"), Decimal("16"))


def _date(name: str, required: bool, hint: str, nullable: bool = False) -> Field:
    return Field(name, "date", required, hint, nullable=nullable)


def _terms(name: str, required: bool, hint: str, low_high: tuple[Decimal, Decimal]) -> Field:
    return Field(name, "decimal", required, hint, minimum=low_high[0], maximum=low_high[1])


PERIOD_INDEX = Field("period_index", "integer", True, "Which period, counting from 0 in date order")
STATUS_FIELDS = (
    Field("status", "choice", True, "The new TRS induction status", choices=TRS_STATUSES),
    _date("start_date", False, "Required for InProgress, Passed and Failed"),
    _date("completed_date", False, "Required for Passed and Failed"),
)

ACTIONS: dict[str, Action] = {
    a.id: a
    for a in (
        Action(
            "add_induction_period",
            "cpd",
            "Add an induction period",
            "cpd",
            (
                _date("started_on", True, "The period's start date"),
                _date("finished_on", False, "Leave out while the period is ongoing"),
                _terms("number_of_terms", False, "Required once the period has finished", TERMS),
            ),
        ),
        Action(
            "edit_induction_period",
            "cpd",
            "Change an induction period",
            "cpd",
            (
                PERIOD_INDEX,
                _date("started_on", False, "A new start date"),
                _date("finished_on", False, "A new end date; null makes it ongoing", True),
                _terms("number_of_terms", False, "A new number of terms", TERMS),
            ),
        ),
        Action(
            "delete_induction_period",
            "cpd",
            "Delete an induction period",
            "cpd",
            (PERIOD_INDEX, Field("note", "text", True, "A note or support ticket reference")),
        ),
        Action(
            "record_pass",
            "cpd",
            "Record a pass",
            "cpd",
            (
                _date("finished_on", True, "The date the ongoing period finished"),
                _terms("number_of_terms", True, "Terms served in the ongoing period", TERMS),
            ),
        ),
        Action(
            "record_fail",
            "cpd",
            "Record a fail",
            "cpd",
            (
                _date("finished_on", True, "The date the ongoing period finished"),
                _terms("number_of_terms", True, "Terms served in the ongoing period", TERMS),
            ),
        ),
        Action(
            "reopen_outcome",
            "cpd",
            "Reopen an outcome recorded in error",
            "cpd",
            (Field("note", "text", False, "Why the outcome was recorded in error"),),
        ),
        Action(
            "add_extension",
            "cpd",
            "Add an extension",
            "cpd",
            (_terms("number_of_terms", True, "Extra terms, 0.1 to 16", EXTENSION_TERMS),),
        ),
        Action(
            "lodge_appeal",
            "cpd",
            "Record that an appeal was lodged",
            "cpd",
            (_date("lodged_on", False, "The date the appeal was lodged; today if left out"),),
        ),
        Action(
            "record_appeal_decision",
            "cpd",
            "Record an appeal decision",
            "cpd",
            (
                Field("decision", "choice", True, "The appeal's decision", APPEAL_DECISIONS),
                _date("decided_on", False, "The date of the decision; today if left out"),
                _terms("extension_terms", False, "Required when extended", EXTENSION_TERMS),
            ),
        ),
        Action("record_exemption", "cpd", "Record or change an exemption", "trs"),
        Action(
            "correct_legacy_status",
            "cpd",
            "Correct a legacy record's induction status in TRS",
            "trs",
            STATUS_FIELDS,
        ),
        Action(
            "change_induction_status",
            "trs",
            "Change the induction status in TRS",
            "trs",
            (
                *STATUS_FIELDS,
                Field("exemption_reason_ids", "text_list", False, "TRS reason ids; for Exempt"),
            ),
        ),
    )
}

CONSOLE_ACTIONS: dict[str, tuple[str, ...]] = {
    console: tuple(a.id for a in ACTIONS.values() if a.console == console) for console in CONSOLES
}


def find_action(console: str, action: str) -> Action:
    """The action `action` of `console`, or MalformedChange naming what is wrong."""
    if console not in CONSOLES:
        raise MalformedChange("console", "Console must be cpd or trs")
    found = ACTIONS.get(action)
    if found is None:
        raise MalformedChange("action", f"{action!r} is not an action; see /rules.json")
    if found.console != console:
        raise MalformedChange("action", f"{action} is an action of the {found.console} console")
    return found


def read_change(
    action: Action, change: Mapping[str, object], record: TeacherRecord, today: date
) -> dict[str, object]:
    """The change's fields as typed values, checked for shape and for dates that cannot be."""
    if not isinstance(change, Mapping):
        raise MalformedChange("change", "The change must be an object of fields")
    for key in change:
        if key not in action.field_names and key not in ENVELOPE_KEYS:
            raise MalformedChange(str(key), f"{key} is not a field of {action.id}")
    values: dict[str, object] = {}
    for field in action.fields:
        raw = change.get(field.name)
        if raw is None:
            if field.nullable and field.name in change:
                values[field.name] = None
            elif field.required:
                raise MalformedChange(field.name, f"Enter {field.name}")
            continue
        values[field.name] = _read(field, raw)
    _CROSS_CHECKS.get(action.id, _no_cross_check)(values, record, today)
    return values


def _read(field: Field, raw: object) -> object:
    if field.type == "date":
        return read_date(field.name, raw)
    if field.type == "integer":
        number = read_whole_number(raw)
        if number is None:
            raise MalformedChange(field.name, f"{field.name} must be a whole number, 0 or more")
        return number
    if field.type == "decimal":
        return _read_decimal(field, raw)
    if field.type == "choice":
        if raw not in field.choices:
            raise MalformedChange(
                field.name, f"{field.name} must be one of {', '.join(field.choices)}"
            )
        return raw
    if field.type == "text":
        if not isinstance(raw, str) or not raw.strip():
            raise MalformedChange(field.name, f"Enter {field.name}")
        return raw.strip()
    if field.type == "text_list":
        if not isinstance(raw, list | tuple) or not all(isinstance(v, str) and v for v in raw):
            raise MalformedChange(field.name, f"{field.name} must be a list of ids")
        return tuple(raw)
    raise AssertionError(f"unknown field type {field.type}")


# Exactly yyyy-mm-dd: fromisoformat alone would also take week dates such as 2026-W45-1.
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")  # ASCII: `\d` also reads "١٩٩٩"


def read_date(name: str, raw: object) -> date:
    """A date as yyyy-mm-dd from 1900 to 2100, or MalformedChange naming `name`."""
    if isinstance(raw, date) and not hasattr(raw, "hour"):
        day = raw
    elif isinstance(raw, str) and _ISO_DATE.fullmatch(raw):
        try:
            day = date.fromisoformat(raw)
        except ValueError:
            raise MalformedChange(name, f"{name} must be a real date as yyyy-mm-dd") from None
    else:
        raise MalformedChange(name, f"{name} must be a date as yyyy-mm-dd")
    if not EARLIEST_DATE <= day <= LATEST_DATE:
        raise MalformedChange(name, f"{name} must be between 1900 and 2100")
    return day


def _read_decimal(field: Field, raw: object) -> Decimal:
    number = read_decimal(raw)
    if number is None:
        raise MalformedChange(field.name, f"{field.name} must be a number, like 3 or 4.5")
    low, high = field.minimum, field.maximum
    if (low is not None and number < low) or (high is not None and number > high):
        raise MalformedChange(field.name, f"{field.name} must be from {low} to {high}")
    if not has_one_decimal_place_at_most(number):
        raise MalformedChange(field.name, f"{field.name} must have at most one decimal place")
    return number


# Checks across fields, and against the record where a date cannot be (e.g. before its start).
def _no_cross_check(values: dict, record: TeacherRecord, today: date) -> None:
    return None


def _period_index(values: dict, record: TeacherRecord) -> int:
    index = values["period_index"]
    if index >= len(record.periods):
        raise ImpossibleChange("period_index", f"There is no induction period {index}")
    return index


def _finish_not_before_start(start: date, finish: date | None) -> None:
    if finish is not None and finish < start:
        raise ImpossibleChange(
            "finished_on", "End date must be the same as or after the start date"
        )


def _add_period(values: dict, record: TeacherRecord, today: date) -> None:
    _finish_not_before_start(values["started_on"], values.get("finished_on"))
    if values.get("finished_on") is not None and "number_of_terms" not in values:
        raise MalformedChange("number_of_terms", "Enter the number of terms: the period finished")


def _edit_period(values: dict, record: TeacherRecord, today: date) -> None:
    period = record.periods[_period_index(values, record)]
    start = values.get("started_on", period.started_on)
    _finish_not_before_start(start, values.get("finished_on", period.finished_on))


def _delete_period(values: dict, record: TeacherRecord, today: date) -> None:
    _period_index(values, record)


def _record_outcome(values: dict, record: TeacherRecord, today: date) -> None:
    ongoing = record.ongoing_period
    if ongoing is not None:
        _finish_not_before_start(ongoing.started_on, values["finished_on"])


def _lodge_appeal(values: dict, record: TeacherRecord, today: date) -> None:
    lodged = values.get("lodged_on")
    if lodged is not None and lodged > today:
        raise ImpossibleChange(
            "lodged_on", "Date the appeal was received must be today or in the past"
        )
    if lodged is not None and record.outcome_date is not None and lodged < record.outcome_date:
        raise ImpossibleChange(
            "lodged_on",
            "Date the appeal was received must be the same as or after the date of the fail",
        )


def _appeal_decision(values: dict, record: TeacherRecord, today: date) -> None:
    decided = values.get("decided_on")
    if decided is not None and decided > today:
        raise ImpossibleChange("decided_on", "Date of the decision must be today or in the past")
    lodged = record.appeal_lodged_on
    if decided is not None and lodged is not None and decided < lodged:
        raise ImpossibleChange(
            "decided_on",
            "Date of the decision must be the same as or after the date the appeal was received",
        )
    if (values["decision"] == "extended") != ("extension_terms" in values):
        raise MalformedChange(
            "extension_terms", "Give extension_terms with extended, and only then"
        )


def _status_dates(values: dict, record: TeacherRecord, today: date) -> None:
    status = values["status"]
    start_rule, completed_rule = STATUS_DATES[status]
    for name, rule in (("start_date", start_rule), ("completed_date", completed_rule)):
        if rule == "required" and name not in values:
            raise MalformedChange(name, f"{status} needs a {name.replace('_', ' ')}")
        if rule == "not permitted" and name in values:
            raise MalformedChange(name, f"{status} takes no {name.replace('_', ' ')}")
    start, completed = values.get("start_date"), values.get("completed_date")
    if start is not None and completed is not None and completed < start:
        raise ImpossibleChange(
            "completed_date",
            "Induction completed date must be the same as or after the induction start date",
        )


def _trs_status_change(values: dict, record: TeacherRecord, today: date) -> None:
    _status_dates(values, record, today)
    reasons = values.get("exemption_reason_ids", ())
    if values["status"] == "Exempt" and not reasons:
        raise MalformedChange("exemption_reason_ids", "Exempt needs at least one exemption reason")
    if values["status"] != "Exempt" and reasons:
        raise MalformedChange("exemption_reason_ids", "Exemption reasons go only with Exempt")


_CROSS_CHECKS = {
    "add_induction_period": _add_period,
    "edit_induction_period": _edit_period,
    "delete_induction_period": _delete_period,
    "record_pass": _record_outcome,
    "record_fail": _record_outcome,
    "lodge_appeal": _lodge_appeal,
    "record_appeal_decision": _appeal_decision,
    "correct_legacy_status": _status_dates,
    "change_induction_status": _trs_status_change,
}
