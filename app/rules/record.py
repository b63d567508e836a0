"""The one value the rules read: what TRS and CPD hold for a teacher, as plain immutable facts.

The caller (a service, the policy API) reads CPD's database and TRS and builds a `TeacherRecord`;
the rules never fetch anything. TRS values are spelt as TRS spells them.

How an appeal reads (so the rules and `derive_trs_status` agree):
- `outcome` is the outcome recorded on the one period that carries it.
- The appeal fields describe an appeal against that outcome, and count only while `outcome` is
  "fail": "upheld" makes the induction passed, "extended" sets the fail aside (the induction is in
  progress again), "dismissed" leaves the fail standing. With a pass or no outcome the appeal fields
  are history and no rule reads them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from app.rules.windows import window

TRS_STATUSES = (
    "None",
    "RequiredToComplete",
    "Exempt",
    "InProgress",
    "Passed",
    "Failed",
    "FailedInWales",
)
TRS_FOUND = ("active", "not_found", "deactivated", "merged")
OUTCOMES = ("pass", "fail")
APPEAL_DECISIONS = ("upheld", "extended", "dismissed")


@dataclass(frozen=True, slots=True)
class PeriodFacts:
    """One CPD induction period, reduced to what the rules need."""

    started_on: date
    finished_on: date | None = None  # None while the period is ongoing
    has_outcome: bool = False

    @property
    def ongoing(self) -> bool:
        return self.finished_on is None


@dataclass(frozen=True, slots=True)
class TeacherRecord:
    """What TRS and CPD hold for one teacher, as the rules see it.

    Raises ValueError for values no system produces (an unknown status, an outcome without its
    dates, an appeal decision without an appeal), so a mistake in the caller shows at once.
    """

    # TRS side (read live from TRS)
    trs_found: str = "active"  # "active" | "not_found" | "deactivated" | "merged"
    merged_into_trn: str | None = None  # the retained TRN when merged
    trs_status: str = "None"
    trs_start_date: date | None = None
    trs_completed_date: date | None = None
    exemption_reasons: tuple[str, ...] = ()  # reason names, as TRS names them
    qts_date: date | None = None  # None: no QTS
    # CPD side (this console's database)
    periods: tuple[PeriodFacts, ...] = ()  # in start-date order; `period_index` counts from 0
    outcome: str | None = None  # "pass" | "fail"
    outcome_date: date | None = None  # the outcome's own date (the decision)
    outcome_recorded_on: date | None = None  # when it was recorded in CPD
    appeal_lodged_on: date | None = None
    appeal_decision: str | None = None  # "upheld" | "extended" | "dismissed"
    appeal_decided_on: date | None = None
    # Worked out from the fields above (not arguments):
    appeal_counts: bool = field(init=False, repr=False, compare=False)
    """An appeal against the outcome now standing (only a fail is appealed)."""
    appeal_open: bool = field(init=False, repr=False, compare=False)
    effective_outcome: str | None = field(init=False, repr=False, compare=False)
    """The outcome after any appeal: upheld -> pass, extended -> none (induction goes on)."""
    ongoing_period: PeriodFacts | None = field(init=False, repr=False, compare=False)
    outcome_period: PeriodFacts | None = field(init=False, repr=False, compare=False)
    cpd_start_date: date | None = field(init=False, repr=False, compare=False)
    """The induction's start: the earliest period start."""
    cpd_completed_date: date | None = field(init=False, repr=False, compare=False)
    """The induction's completed date as CPD derives it: the outcome period's finish."""

    def __post_init__(self) -> None:
        _one_of("trs_found", self.trs_found, TRS_FOUND)
        _one_of("trs_status", self.trs_status, TRS_STATUSES)
        if self.outcome is not None:
            _one_of("outcome", self.outcome, OUTCOMES)
            if self.outcome_date is None or self.outcome_recorded_on is None:
                raise ValueError("an outcome needs outcome_date and outcome_recorded_on")
        if self.appeal_decision is not None:
            _one_of("appeal_decision", self.appeal_decision, APPEAL_DECISIONS)
            if self.appeal_lodged_on is None or self.appeal_decided_on is None:
                raise ValueError("an appeal decision needs appeal_lodged_on and appeal_decided_on")
        carrying = sum(1 for p in self.periods if p.has_outcome)
        if carrying != (1 if self.outcome else 0):
            raise ValueError("exactly the one period with the outcome has has_outcome set")
        if self.trs_found == "merged" and not self.merged_into_trn:
            raise ValueError("a merged record needs merged_into_trn")

        # Facts the rules ask often, worked out once (a record is asked about many times).
        counts = self.outcome == "fail" and self.appeal_lodged_on is not None
        effective = self.outcome
        if counts and self.appeal_decision == "upheld":
            effective = "pass"
        elif counts and self.appeal_decision == "extended":
            effective = None
        ongoing = next((p for p in self.periods if p.finished_on is None), None)
        carrier = next((p for p in self.periods if p.has_outcome), None)
        completed = None
        if effective is not None:
            completed = (
                carrier.finished_on if carrier and carrier.finished_on else self.outcome_date
            )
        derived = {
            "appeal_counts": counts,
            "appeal_open": counts and self.appeal_decision is None,
            "effective_outcome": effective,
            "ongoing_period": ongoing,
            "outcome_period": carrier,
            "cpd_start_date": min((p.started_on for p in self.periods), default=None),
            "cpd_completed_date": completed,
        }
        for name, value in derived.items():
            object.__setattr__(self, name, value)


def managed_by_cpd(record: TeacherRecord, today: date) -> bool:
    """Managed by CPD (docs/domain.md): CPD holds periods and the completed date is none or less than 7 years ago.

    The completed date is the one CPD derives (section 3: derived from CPD while CPD has periods).
    """
    if not record.periods:
        return False
    completed = record.cpd_completed_date
    return completed is None or window("MANAGED_BY_CPD").is_open(completed, today)


def _one_of(name: str, value: object, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(allowed)}; got {value!r}")
