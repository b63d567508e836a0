"""Injected faults: how the sandbox misbehaves on purpose, for `/v3/` requests only.

A rule (posted to `/_sandbox/faults`) says what happens to a request it applies to:

- `status`: answer with this HTTP error status, 400 to 599 (a ProblemDetails body; `Retry-After`
  when `retry_after` is given, e.g. 429 or 503);
- `drop`: close the TCP connection without any HTTP response;
- `latency_ms`: wait this long first (alone, it only slows the request, which then succeeds).

and which requests it applies to:

- `count`: the next N requests (the default is 1), then the rule is gone;
- `share`: each request with this probability (0..1), until the faults are cleared; `seed` makes
  the sequence repeatable;
- `method`: only GET or only PUT requests (default: both).

Rules stack. Every request walks the rules in the order they were added: latencies of all rules that
apply add up, and the first rule that fails the request (status or drop) decides how; later failing
rules do not apply to that request and, for counted rules, are not used up by it. So `500 x2` then
`429 x1` gives 500, 500, 429, then normal answers.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field
from typing import Any


@dataclass
class FaultRule:
    id: int
    status: int | None = None
    drop: bool = False
    latency_ms: int = 0
    retry_after: float | None = None
    remaining: int | None = None
    share: float | None = None
    method: str | None = None
    seed: int | None = None
    applied: int = 0
    rng: random.Random = field(default_factory=random.Random, repr=False)

    @property
    def fails(self) -> bool:
        return self.drop or self.status is not None

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "status": self.status,
            "drop": self.drop,
            "latency_ms": self.latency_ms,
            "retry_after": self.retry_after,
            "count": self.remaining,
            "share": self.share,
            "method": self.method,
            "seed": self.seed,
            "applied": self.applied,
        }


@dataclass(frozen=True)
class FaultDecision:
    """What to do with one request: wait `latency_ms`, then fail as `rule` says (if any)."""

    latency_ms: int
    rule: FaultRule | None


def _number(spec: dict[str, Any], key: str, *, integer: bool = False) -> float | int | None:
    value = spec.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{key} must be a number")
    if integer and value != int(value):
        raise ValueError(f"{key} must be a whole number")
    return int(value) if integer else float(value)


def parse_rule(spec: Any, rule_id: int) -> FaultRule:
    """A rule from its JSON, or ValueError saying what is wrong with it."""
    if not isinstance(spec, dict):
        raise ValueError("a fault is a JSON object")
    unknown = set(spec) - {
        "status",
        "drop",
        "latency_ms",
        "retry_after",
        "count",
        "share",
        "method",
        "seed",
    }
    if unknown:
        raise ValueError(f"unknown fault fields: {', '.join(sorted(unknown))}")
    status = _number(spec, "status", integer=True)
    if status is not None and not 400 <= status <= 599:
        raise ValueError("status must be an HTTP error status (400 to 599)")
    drop = spec.get("drop", False)
    if not isinstance(drop, bool):
        raise ValueError("drop must be true or false")
    latency_ms = _number(spec, "latency_ms", integer=True) or 0
    if latency_ms < 0 or latency_ms > 600_000:
        raise ValueError("latency_ms must be 0 to 600000")
    retry_after = _number(spec, "retry_after")
    if retry_after is not None and retry_after < 0:
        raise ValueError("retry_after must not be negative")
    count = _number(spec, "count", integer=True)
    share = _number(spec, "share")
    if count is not None and share is not None:
        raise ValueError("give count or share, not both")
    if count is not None and count < 1:
        raise ValueError("count must be at least 1")
    if share is not None and not 0.0 <= share <= 1.0:
        raise ValueError("share must be between 0 and 1")
    if share is None and count is None:
        count = 1
    method = spec.get("method")
    if method is not None:
        if not isinstance(method, str) or method.upper() not in ("GET", "PUT"):
            raise ValueError("method must be GET or PUT")
        method = method.upper()
    seed = _number(spec, "seed", integer=True)
    if status is None and not drop and latency_ms == 0:
        raise ValueError("a fault needs a status, drop or latency_ms")
    return FaultRule(
        id=rule_id,
        status=status,
        drop=drop,
        latency_ms=latency_ms,
        retry_after=retry_after,
        remaining=count,
        share=share,
        method=method,
        seed=seed,
        rng=random.Random(seed),
    )


class Faults:
    """The stack of fault rules, shared by all request threads."""

    def __init__(self) -> None:
        self._rules: list[FaultRule] = []
        self._lock = threading.Lock()
        self._next_id = 1

    def add(self, spec: Any) -> FaultRule:
        with self._lock:
            rule = parse_rule(spec, self._next_id)
            self._next_id += 1
            self._rules.append(rule)
            return rule

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()

    def remaining(self) -> list[dict[str, Any]]:
        with self._lock:
            return [rule.as_json() for rule in self._rules]

    def decide(self, method: str) -> FaultDecision | None:
        """What the faults do to this request (None: nothing), using up counted rules."""
        if not self._rules:  # the fast path: no faults, no lock
            return None
        latency = 0
        failing: FaultRule | None = None
        with self._lock:
            for rule in list(self._rules):
                if rule.method is not None and rule.method != method:
                    continue
                if failing is not None and rule.fails:
                    continue
                if rule.share is not None:
                    if rule.rng.random() >= rule.share:
                        continue
                else:
                    rule.remaining = (rule.remaining or 0) - 1
                    if rule.remaining <= 0:
                        self._rules.remove(rule)
                rule.applied += 1
                latency += rule.latency_ms
                if rule.fails:
                    failing = rule
        if latency == 0 and failing is None:
            return None
        return FaultDecision(latency, failing)
