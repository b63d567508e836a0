"""Every error message about a date is worded as the GOV.UK date input pattern words them.

Three wordings had grown up ("cannot be in the future", "cannot be before", "must be on or
after"); a reader should meet one. The messages come from the date field itself, from the rules'
refusals shown on a date field, and from the checks on a change's dates.
"""

from __future__ import annotations

import inspect
import re

import pytest
from wtforms.meta import DefaultMeta

from app.rules import actions
from app.web.forms.journeys import GovDateField
from app.web.journeys.flow import RULE_FIELDS

GOVUK_DATE_MESSAGE = re.compile(
    r"^(?:Enter the .+"
    r"|[A-Z].* must include a (?:day|month|year)(?: and (?:month|year))*"
    r"|[A-Z].* must be a real date"
    r"|Year must include 4 numbers"
    r"|[A-Z].* must be between 1900 and 2100"
    r"|[A-Z].* must be today or in the past"
    r"|[A-Z].* must be the same as or after .+"
    r"|[A-Z].* must not overlap another induction period)\Z"
)
DATE_FIELD = r"\w+_(?:on|date)"


def _field_messages() -> list[str]:
    field = GovDateField(
        "Start date", what="start date", _form=None, name="started_on", _meta=DefaultMeta()
    )
    messages = [field._read(parts, False) for parts in (["1", "", ""], ["x", "1", "2026"])]
    messages += [field._read(["1", "1", "26"], False), field._read(["1", "1", "1800"], False)]
    return messages


def _rule_field_messages() -> list[str]:
    words = {"qts_date": "1 July 2020", "Which": "Start"}
    return [
        message.format(**words)
        for name, message in RULE_FIELDS.values()
        if message and re.fullmatch(DATE_FIELD, name)
    ]


def _change_messages() -> list[str]:
    source = inspect.getsource(actions)
    return re.findall(rf'(?:Malformed|Impossible)Change\(\s*"{DATE_FIELD}",\s*"([^"]+)"', source)


@pytest.mark.parametrize("message", _field_messages() + _rule_field_messages() + _change_messages())
def test_date_messages_follow_the_govuk_pattern(message: str) -> None:
    assert GOVUK_DATE_MESSAGE.match(message), message


def test_every_source_of_date_messages_was_read() -> None:
    assert len(_rule_field_messages()) >= 5
    assert len(_change_messages()) >= 5
