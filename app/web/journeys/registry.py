"""Every caseworker journey, by its URL slug, and the rule actions they carry out."""

from __future__ import annotations

from app.web.journeys import appeals, extensions, legacy, outcomes, periods
from app.web.journeys.flow import Journey

JOURNEYS: dict[str, Journey] = {
    j.slug: j
    for j in (
        periods.ADD,
        periods.EDIT,
        periods.DELETE,
        outcomes.RECORD_PASS,
        outcomes.RECORD_FAIL,
        outcomes.REOPEN,
        extensions.ADD,
        extensions.EDIT,
        extensions.DELETE,
        legacy.CORRECT,
        appeals.LODGE,
        appeals.DECIDE,
    )
}
JOURNEY_ACTIONS = frozenset(j.action for j in JOURNEYS.values())
