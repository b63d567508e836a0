"""One JSON object a line on standard error, for every process the console runs.

Each line has `time` (UTC, milliseconds), `level`, `logger` and `message`, then whatever the work in
hand carries (`request_id`, `user_id`, `trn`, `rule_id`: `app.observability.context`) and the
fields a call passes in `extra` (`route`, `status`, `duration_ms`, `outbox_id`, ...). Names and
dates of birth never go in: log a TRN or an id, and pass values in `extra`, never a person.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from datetime import UTC, datetime
from typing import Any

from app.observability.context import work_fields

# The attributes every LogRecord has; anything else on a record came in through `extra`.
_RECORD_ATTRIBUTES = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
    "taskName",
}


class JsonFormatter(logging.Formatter):
    """A log record as one line of JSON."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        line.update(work_fields())
        line.update(
            (name, value)
            for name, value in vars(record).items()
            if name not in _RECORD_ATTRIBUTES and not name.startswith("_")
        )
        if record.exc_info:
            line["error"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str, ensure_ascii=False)


def configure_logging() -> None:
    """Send every logger's lines to standard error as JSON (once per process), from `LOG_LEVEL`
    (default INFO: a line per request and per delivery)."""
    root = logging.getLogger()
    if any(isinstance(handler.formatter, JsonFormatter) for handler in root.handlers):
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root.addHandler(handler)
    root.setLevel(os.environ.get("LOG_LEVEL", "INFO").upper())
    # httpx logs every request at INFO; the TRS client's metrics and errors say what matters.
    logging.getLogger("httpx").setLevel(logging.WARNING)


__all__ = ["JsonFormatter", "configure_logging"]
