"""The piece of work in hand (a web request, a delivery, a reconciliation run) for logs and TRS.

Context variables rather than Flask's `g`, so code with no request (the outbox worker, CLI
commands) and code that must not know Flask (the TRS client, services) read and set them the same
way. Each thread starts empty: a thread pool's work names its request id explicitly.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Protocol

# A caller's own id is kept only when it is short and plain, so it cannot forge log lines.
_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}\Z")

_work: ContextVar[dict[str, Any] | None] = ContextVar("work", default=None)


class _Decision(Protocol):
    allowed: bool
    rule_id: str


def new_request_id(offered: str | None = None) -> str:
    """The caller's id when it is safe to log and forward, otherwise a fresh one."""
    if offered and _SAFE_REQUEST_ID.match(offered):
        return offered
    return uuid.uuid4().hex


@contextmanager
def working_on(request_id: str | None = None, **fields: Any) -> Iterator[str]:
    """Name the work in hand (a request id, made up if not given, and fields such as `trn`)
    until the block ends; returns the request id."""
    request_id = new_request_id(request_id)
    token = _work.set({"request_id": request_id, **fields})
    try:
        yield request_id
    finally:
        _work.reset(token)


def current_request_id() -> str | None:
    work = _work.get()
    return work["request_id"] if work else None


def note(**fields: Any) -> None:
    """Add fields (user id, TRN, rule id) to the work in hand; ignored outside any."""
    work = _work.get()
    if work is not None:
        work.update({name: value for name, value in fields.items() if value is not None})


def note_decision(decision: _Decision) -> None:
    """A refusal's rule id goes in the logs of the work that met it."""
    if not decision.allowed:
        note(rule_id=decision.rule_id)


def work_fields() -> dict[str, Any]:
    """The fields every log line of the work in hand carries."""
    return dict(_work.get() or {})


__all__ = [
    "current_request_id",
    "new_request_id",
    "note",
    "note_decision",
    "work_fields",
    "working_on",
]
