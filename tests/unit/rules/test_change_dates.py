"""Dates in a change are exactly yyyy-mm-dd: anything else is malformed, never a decision."""

from __future__ import annotations

from datetime import date

import pytest

from app.rules import MalformedChange, TeacherRecord, decide


@pytest.mark.parametrize("raw", ["2026-W45-1", "20261102", "2026-11-2", "02/11/2026", "2026-02-30"])
def test_dates_other_than_yyyy_mm_dd_are_malformed(raw):
    record = TeacherRecord(trs_status="RequiredToComplete", qts_date=date(2020, 7, 1))
    with pytest.raises(MalformedChange) as refused:
        decide("cpd", "add_induction_period", record, date(2026, 11, 2), {"started_on": raw})
    assert refused.value.field == "started_on"
