"""Caseworker journeys: each action as GOV.UK pages, and the teacher page's Actions.

- `flow`: the machinery every journey shares (steps, answers in the session, rule errors);
- `periods`, `outcomes`, `extensions`, `legacy`: the journeys, as data;
- `registry`: every journey by its URL slug;
- `views`: the one set of views that serves them all (the `journeys` blueprint);
- `actions`: the teacher page's list of what the rules allow now.
"""

from app.web.journeys.actions import teacher_actions_view
from app.web.journeys.views import blueprint

__all__ = ["blueprint", "teacher_actions_view"]
