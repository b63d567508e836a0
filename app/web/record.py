"""The teacher page's record (everything below the header), rendered once for each set of values.

Most views of a teacher repeat the last one: the same rows, the same TRS values, the same role
and day. Rendering the record and working out its actions and outlook was most of the page's
work, so each app keeps the HTML keyed by every value it is made from:

- what CPD holds, as `read_teacher_page` read it: plain values whose `repr` prints each one, so
  values that compare equal but print differently (0.5 and 0.50, one instant in two time zones)
  are different keys;
- the TRS reading's values, but not when it was read;
- the delivery state, the person's role, the TRN, the day and the day previewed.

A changed value is a different key, so nothing shown can be stale. The two values that differ
per request, when TRS was read and the person's CSRF token, are rendered as marks and filled in
on every request. The template is rendered with only these values (no request, session, user or
CSRF token; `tests/integration/test_teacher_record.py` checks its names), so it cannot show
anything the key leaves out.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

from flask import current_app, g
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup, escape

from app.rules import long_date
from app.services.delivery_state import DeliveryState
from app.services.outlook import teacher_outlook
from app.services.teacher_page import TeacherOnPage
from app.services.teachers import summarise_induction
from app.trs.gateway import TrsReading
from app.web.context import clock
from app.web.delivery import may_check_trs
from app.web.filters import format_time
from app.web.journeys import teacher_actions_view
from app.web.picture import layout as picture_layout

TEMPLATE = "teachers/_record.html"
READ_AT = Markup("<!--read-at-->")  # no value can print "<!--": escaping turns "<" into "&lt;"
CSRF_TOKEN = Markup("<!--csrf-token-->")
# Records kept per app process, then it starts again: about 30 KB each.
KEPT = 1_024
_NOT_READ = datetime(1970, 1, 1, tzinfo=UTC)


def record_html(
    trn: str,
    teacher: TeacherOnPage | None,
    reading: TrsReading,
    delivery: DeliveryState | None,
    preview: date | None,
) -> Markup:
    """The record for this request, rendered afresh only when a value it shows has changed."""
    role = g.current_user.role
    today = clock().today()
    kept: dict[tuple, str] = current_app.extensions.setdefault("teacher_records", {})
    key = (
        trn,
        role,
        today,
        preview,
        repr(teacher),
        repr(replace(reading, read_at=_NOT_READ)),
        repr(delivery),
    )
    html = kept.get(key)
    if html is None:
        html = _render(trn, teacher, reading, delivery, preview, role, today)
        if len(kept) >= KEPT:
            kept.clear()
        kept[key] = html
    html = html.replace(READ_AT, escape(format_time(reading.read_at)))
    if CSRF_TOKEN in html:
        html = html.replace(CSRF_TOKEN, escape(generate_csrf()))
    return Markup(html)


def _render(
    trn: str,
    teacher: TeacherOnPage | None,
    reading: TrsReading,
    delivery: DeliveryState | None,
    preview: date | None,
    role: str,
    today: date,
) -> str:
    outlook = teacher_outlook(teacher, reading, role, today, preview)
    values: dict[str, Any] = {
        "trn": trn,
        "teacher": teacher,
        "reading": reading,
        "person": reading.person,
        "read_at": READ_AT,
        "summary": summarise_induction(teacher) if teacher else None,
        # A preview shows what the rules would answer, so nothing on it acts (no delivery
        # panel, whose "Check TRS now" is a form, and no links into the journeys).
        "delivery": None if preview else delivery,
        "may_check_trs": may_check_trs(role),
        "csrf_token_value": CSRF_TOKEN,
        "actions": None if preview else teacher_actions_view(trn, teacher, reading),
        "outlook": outlook,
        "picture": picture_layout(outlook.picture) if outlook.picture else None,
        "preview": preview,
        "trs_console_url": current_app.config["TRS_CONSOLE_URL"].format(trn=trn),
        "page_title": record_title(trn, reading, preview),
    }
    return current_app.jinja_env.get_template(TEMPLATE).render(values)


def record_title(trn: str, reading: TrsReading, preview: date | None) -> str:
    name = reading.person.full_name if reading.person else f"TRN {trn}"
    return f"{name} on {long_date(preview)} (preview)" if preview else name
