"""What a person may do to a teacher's record now: the teacher page's Actions and the reasons.

The list comes from the rules alone (`available_actions` for the CPD console), cut down to the
actions the person's role may ask for (`role_may`). Allowed actions become buttons; forbidden and
manual ones are explained under "Why can't I do something else?". An allowed action this console
has no journey for yet (the appeal actions, until that issue lands) is not a link (it would be a
dead one): the page names it as allowed but not yet possible here, and it is explained like any
other whenever it is not allowed.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date

from app.rules import ACTIONS, CONSOLE_ACTIONS, Decision, available_actions, role_may
from app.services.records import TrsUnreadable, build_record
from app.services.teacher_page import TeacherAsRead
from app.trs.gateway import TrsReading


@dataclass(frozen=True)
class ActionOption:
    """One action of the CPD console and the rules' answer for this teacher now."""

    action: str
    title: str
    decision: Decision


@dataclass(frozen=True)
class TeacherActions:
    """The teacher page's two lists; `unavailable` says why there are none at all."""

    allowed: tuple[ActionOption, ...] = ()
    explained: tuple[ActionOption, ...] = ()
    not_built: tuple[ActionOption, ...] = ()  # allowed, but no journey for it yet
    unavailable: str | None = None
    may_act: bool = True  # False: the role may take no action at all (viewers)


def teacher_actions(
    teacher: TeacherAsRead | None,
    reading: TrsReading,
    role: str,
    today: date,
    with_journey: Collection[str],
) -> TeacherActions:
    """The actions `role` may take on this teacher now, split as the page shows them.

    `with_journey`: the actions the web layer has a journey for; other allowed actions are left
    out of `allowed` (see the module docstring).
    """
    if not any(role_may(role, action) for action in CONSOLE_ACTIONS["cpd"]):
        return TeacherActions(may_act=False)
    try:
        record = build_record(teacher, reading)
    except TrsUnreadable as unreadable:
        return TeacherActions(
            unavailable=f"TRS could not be read ({unreadable}), and every change depends on what "
            "TRS holds. Try again in a few minutes."
        )
    options = [
        ActionOption(action, ACTIONS[action].title, decision)
        for action, decision in available_actions("cpd", record, today)
        if role_may(role, action)
    ]
    allowed = [o for o in options if o.decision.allowed]
    return TeacherActions(
        allowed=tuple(o for o in allowed if o.action in with_journey),
        explained=tuple(o for o in options if not o.decision.allowed),
        not_built=tuple(o for o in allowed if o.action not in with_journey),
    )
