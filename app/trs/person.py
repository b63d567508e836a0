"""What TRS says about one teacher, as the console reads it.

Frozen dataclasses: a TRS answer is a snapshot the console shows and reasons about, never edits
(TRS owns these values, docs/domain.md). The client builds them from the camelCase JSON of
`GET /v3/persons/{trn}?include=Induction`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class ExemptionReason:
    """One of TRS's induction exemption reasons (`inductionExemptionReasonId`, `name`)."""

    id: str
    name: str


@dataclass(frozen=True)
class TrsInduction:
    """TRS's induction status and dates.

    `status` is TRS's own word (None, RequiredToComplete, Exempt, InProgress, Passed, Failed,
    FailedInWales), kept as a string so a value TRS adds later is shown rather than crashing.
    `exemption_reasons` is empty when TRS gives none, including API versions before 20250627,
    which do not send them.
    """

    status: str
    start_date: date | None = None
    completed_date: date | None = None
    exemption_reasons: tuple[ExemptionReason, ...] = ()

    @property
    def is_exempt(self) -> bool:
        return self.status == "Exempt"


@dataclass(frozen=True)
class TrsPerson:
    """A teacher's TRS record: identity, QTS and (when asked for) induction."""

    trn: str
    first_name: str
    middle_name: str
    last_name: str
    date_of_birth: date
    qts_date: date | None
    induction: TrsInduction | None

    @property
    def full_name(self) -> str:
        """First, middle and last names, skipping any TRS leaves blank."""
        return " ".join(p for p in (self.first_name, self.middle_name, self.last_name) if p)

    @property
    def has_qts(self) -> bool:
        return self.qts_date is not None
