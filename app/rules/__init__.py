"""The rule set: which console may change what, when (docs/domain.md).

Pure: no Flask, no database, no I/O, nothing else of `app`. Read `table.py` for the policy.
"""

from app.rules.actions import (
    ACTIONS,
    CONSOLE_ACTIONS,
    CONSOLES,
    STATUS_DATES,
    Action,
    Field,
    ImpossibleChange,
    MalformedChange,
)
from app.rules.decide import (
    Decision,
    available_actions,
    decide,
    may_decide_manual_request,
    role_may,
)
from app.rules.derive import DerivedStatus, derive_trs_status
from app.rules.formatting import exemption_words, long_date, status_words
from app.rules.importing import IMPORT_RULES, judge_import
from app.rules.publish import RULE_CSV_COLUMNS, published_rules, rule_rows
from app.rules.record import TRS_STATUSES, PeriodFacts, TeacherRecord, managed_by_cpd
from app.rules.table import ALLOWED, FORBIDDEN, MANUAL, OWNERSHIP, ROLE_ACTIONS
from app.rules.timing import (
    NextChange,
    WindowSpan,
    changes_for_role,
    closing_windows,
    managed_horizon,
    next_changes,
    window_spans,
    working_days_ahead,
    working_days_left,
)
from app.rules.windows import (
    APPEAL_DECISION,
    APPEAL_LODGING,
    MANAGED_BY_CPD,
    OUTCOME_CORRECTION,
    WINDOWS,
    Window,
    add_working_days,
    is_working_day,
)

__all__ = [
    "ACTIONS",
    "ALLOWED",
    "APPEAL_DECISION",
    "APPEAL_LODGING",
    "CONSOLES",
    "CONSOLE_ACTIONS",
    "FORBIDDEN",
    "IMPORT_RULES",
    "MANAGED_BY_CPD",
    "MANUAL",
    "OUTCOME_CORRECTION",
    "OWNERSHIP",
    "ROLE_ACTIONS",
    "RULE_CSV_COLUMNS",
    "STATUS_DATES",
    "TRS_STATUSES",
    "WINDOWS",
    "Action",
    "Decision",
    "DerivedStatus",
    "Field",
    "ImpossibleChange",
    "MalformedChange",
    "NextChange",
    "PeriodFacts",
    "TeacherRecord",
    "Window",
    "WindowSpan",
    "add_working_days",
    "available_actions",
    "changes_for_role",
    "closing_windows",
    "decide",
    "derive_trs_status",
    "is_working_day",
    "judge_import",
    "long_date",
    "managed_by_cpd",
    "managed_horizon",
    "may_decide_manual_request",
    "next_changes",
    "published_rules",
    "role_may",
    "rule_rows",
    "status_words",
    "exemption_words",
    "window_spans",
    "working_days_ahead",
    "working_days_left",
]
