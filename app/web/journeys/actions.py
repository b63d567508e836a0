"""The teacher page's Actions (docs/domain.md, the teacher page), as links to the journeys.

The list is the rules' (`app.services.actions.teacher_actions`); this module only turns each
allowed action into its journeys' start links, and each manual one into a link to request manual
handling.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import g, url_for

from app.rules import Decision
from app.services.actions import teacher_actions
from app.services.teacher_page import TeacherAsRead
from app.trs.gateway import TrsReading
from app.web.context import clock
from app.web.journeys.registry import JOURNEY_ACTIONS, JOURNEYS


@dataclass(frozen=True)
class ActionsView:
    """The teacher page's Actions: links to journeys, and why the other actions are not there."""

    links: list[dict[str, str]]
    explained: list[dict[str, Any]]
    not_built: list[str]
    unavailable: str | None
    may_act: bool
    blocked: Decision | None = None  # one answer for every action: said once, not per action


def teacher_actions_view(
    trn: str, teacher: TeacherAsRead | None, reading: TrsReading
) -> ActionsView:
    """What the rules allow this person now, as links (each action's journeys, in order)."""
    actions = teacher_actions(
        teacher, reading, g.current_user.role, clock().today(), JOURNEY_ACTIONS
    )
    allowed = {option.action for option in actions.allowed}
    links = [
        {"text": j.title, "href": url_for("journeys.start", trn=trn, journey=j.slug)}
        for j in JOURNEYS.values()
        if j.action in allowed and j.needs(teacher)
    ]
    explained = [
        {
            "title": option.title,
            "decision": option.decision,
            "manual_url": url_for("manual.request_manual_handling", trn=trn, action=option.action)
            if option.decision.outcome == "manual"
            else None,
        }
        for option in actions.explained
    ]
    not_built = [option.title for option in actions.not_built]
    reasons = {option.decision.rule_id for option in actions.explained}
    if len(reasons) == 1 and not actions.allowed and not actions.not_built:
        # A check made before every action (no active TRS record, failed in Wales, exempt)
        # answers them all alike: the page says it once, at the top.
        blocked = actions.explained[0].decision
        return ActionsView([], [], [], None, True, blocked)
    return ActionsView(links, explained, not_built, actions.unavailable, actions.may_act)
