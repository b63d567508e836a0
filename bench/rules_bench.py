"""How fast the rule set answers: prints figures, asserts nothing.

Targets: `decide` median <= 10 microseconds; one teacher's full `available_actions` <= 100
microseconds; single process. Run from the repo root: `python bench/rules_bench.py`.
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.rules import (  # noqa: E402 - after the path is set
    CONSOLE_ACTIONS,
    TRS_STATUSES,
    PeriodFacts,
    TeacherRecord,
    available_actions,
    decide,
)

TODAY = date(2026, 9, 10)


def spread_of_records(count: int, seed: int = 3) -> list[TeacherRecord]:
    """Records across the states the console meets: new, in progress, passed, failed, appealed."""
    rng = random.Random(seed)
    records = []
    for _ in range(count):
        start = TODAY - timedelta(days=rng.randint(30, 4000))
        qts = start - timedelta(days=rng.randint(0, 300))
        kind = rng.choice(("none", "ongoing", "two", "pass", "fail", "appealed", "legacy"))
        trs_status = rng.choice(TRS_STATUSES)
        trs_found = rng.choices(("active", "not_found", "deactivated", "merged"), (20, 1, 1, 1))[0]
        fields: dict = {
            "trs_found": trs_found,
            "merged_into_trn": "1000001" if trs_found == "merged" else None,
            "trs_status": trs_status,
            "qts_date": qts if rng.random() > 0.05 else None,
            "exemption_reasons": ("They qualified before 07 May 2000",)
            if trs_status == "Exempt"
            else (),
        }
        finish = min(start + timedelta(days=rng.randint(100, 700)), TODAY)
        if kind == "ongoing":
            fields["periods"] = (PeriodFacts(start),)
        elif kind == "two":
            fields["periods"] = (PeriodFacts(start, finish), PeriodFacts(finish))
        elif kind in ("pass", "fail", "appealed"):
            fields["periods"] = (PeriodFacts(start, finish, True),)
            fields["outcome"] = "pass" if kind == "pass" else "fail"
            fields["outcome_date"] = finish
            fields["outcome_recorded_on"] = finish + timedelta(days=rng.randint(0, 5))
            if kind == "appealed":
                fields["appeal_lodged_on"] = finish + timedelta(days=rng.randint(1, 25))
        records.append(TeacherRecord(**fields))
    return records


def _time_us(fn, *args) -> float:
    started = time.perf_counter_ns()
    fn(*args)
    return (time.perf_counter_ns() - started) / 1000


def main() -> None:
    records = spread_of_records(2000)
    calls = [
        (console, action) for console, actions in CONSOLE_ACTIONS.items() for action in actions
    ]
    trs_change = {"status": "Exempt", "exemption_reason_ids": ["a5faff9f"]}
    for record in records[:200]:  # warm the bank-holiday and window caches, as a server would be
        available_actions("cpd", record, TODAY)

    decide_us = []
    for _ in range(5):
        for record in records:
            for console, action in calls:
                decide_us.append(_time_us(decide, console, action, record, TODAY))
            decide_us.append(
                _time_us(decide, "trs", "change_induction_status", record, TODAY, trs_change)
            )
    decide_us.sort()

    teacher_us = sorted(
        _time_us(available_actions, "cpd", record, TODAY) for _ in range(5) for record in records
    )

    started = time.perf_counter()
    count = 0
    for record in records:
        for console, action in calls:
            decide(console, action, record, TODAY)
            count += 1
    per_second = count / (time.perf_counter() - started)

    def p95(values: list[float]) -> float:
        return values[int(len(values) * 0.95)]

    print(f"records: {len(records)}; decide calls timed: {len(decide_us)}")
    print(
        f"decide: median {statistics.median(decide_us):.2f} us, p95 {p95(decide_us):.2f} us "
        f"(target median <= 10 us); {per_second:,.0f} decisions per second"
    )
    print(
        f"available_actions('cpd') per teacher ({len(CONSOLE_ACTIONS['cpd'])} actions): "
        f"median {statistics.median(teacher_us):.2f} us, p95 {p95(teacher_us):.2f} us "
        f"(target <= 100 us)"
    )


if __name__ == "__main__":
    main()
