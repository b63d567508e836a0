"""The JSON log line and the work it describes, without an app."""

from __future__ import annotations

import json
import logging
import sys

from app.observability.context import current_request_id, note, working_on
from app.observability.logs import JsonFormatter


def _line(message: str, exc_info=None, **extra) -> dict:
    record = logging.LogRecord("app.test", logging.WARNING, __file__, 1, message, (), exc_info)
    record.__dict__.update(extra)
    return json.loads(JsonFormatter().format(record))


def test_a_line_carries_the_work_in_hand_and_the_extras():
    with working_on("req-1", trn="1234567"):
        note(user_id=7, rule_id=None)
        line = _line("outbox 3: sent", outbox_id=3)
    assert line["level"] == "warning"
    assert line["message"] == "outbox 3: sent"
    assert (line["request_id"], line["trn"], line["user_id"], line["outbox_id"]) == (
        "req-1",
        "1234567",
        7,
        3,
    )
    assert "rule_id" not in line  # a None is not noted
    assert line["time"].endswith("+00:00")


def test_work_ends_with_its_block_and_nests():
    assert current_request_id() is None
    with working_on("outer"):
        with working_on("inner"):
            assert current_request_id() == "inner"
        assert current_request_id() == "outer"
    assert current_request_id() is None
    note(trn="1234567")  # outside any work: ignored, not an error
    assert "trn" not in _line("idle")


def test_an_exception_is_one_field_of_one_line():
    try:
        raise ValueError("boom")
    except ValueError:
        line = _line("failed", exc_info=sys.exc_info())
    assert "ValueError: boom" in line["error"]
