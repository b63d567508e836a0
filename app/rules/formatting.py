"""Words for dates and statuses, as a caseworker reads them (docs/domain.md, words).

GOV.UK style: "3 March 2025", never "2025-03-03"; "Required to complete", never
"RequiredToComplete". The rule set's reasons and the pages both use these, so they agree.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date

MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)

# TRS's induction statuses, spelt as TRS spells them, with the words a caseworker uses.
STATUS_WORDS = {
    "None": "No induction status",
    "RequiredToComplete": "Required to complete",
    "Exempt": "Exempt",
    "InProgress": "In progress",
    "Passed": "Passed",
    "Failed": "Failed",
    "FailedInWales": "Failed in Wales",
}

OUTCOME_WORDS = {"pass": "passed", "fail": "failed"}

APPEAL_DECISION_WORDS = {
    "upheld": "upheld (the fail is replaced by a pass)",
    "extended": "extended (the fail is set aside and induction continues)",
    "dismissed": "dismissed (the fail stands)",
}


def long_date(day: date) -> str:
    """A date as GOV.UK writes it: "3 March 2025" (no leading zero, month in words)."""
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def status_words(status: str, exemption_reasons: Iterable[str] = ()) -> str:
    """A TRS status in words; an exemption carries its reasons ("Exempt: ...")."""
    words = STATUS_WORDS.get(status, status)
    reasons = list(exemption_reasons)
    if status == "Exempt" and reasons:
        return f"{words}: {'; '.join(_reason_words(reason) for reason in reasons)}"
    return words


def exemption_words(reason: str) -> str:
    """An exemption reason's TRS name with its dates as GOV.UK writes them: TRS names one reason
    "They qualified before 07 May 2000"; a caseworker reads "7 May 2000"."""
    return LEADING_ZERO_DAY.sub(r"\1", reason)


LEADING_ZERO_DAY = re.compile(rf"\b0([1-9] (?:{'|'.join(MONTHS)}) \d{{4}})\b")


def _reason_words(reason: str) -> str:
    """TRS names read "They qualified before ..."; after "Exempt:" the "They" is dropped."""
    reason = exemption_words(reason)
    return reason[5:] if reason.startswith("They ") else reason
