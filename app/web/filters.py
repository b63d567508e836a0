"""Template filters: every date as "3 March 2025", every status in a caseworker's words."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from flask import Flask
from jinja2.filters import do_indent
from markupsafe import Markup

from app.clock import LONDON
from app.rules.formatting import exemption_words, long_date, status_words


def format_date(value: date | None) -> str:
    return long_date(value) if value else ""


def format_time(value: datetime | None) -> str:
    """A UTC instant as London wall-clock time: "3 March 2025 at 2:05pm"."""
    if value is None:
        return ""
    local = value.astimezone(LONDON)
    hour = local.hour % 12 or 12
    return f"{format_date(local.date())} at {hour}:{local.minute:02d}{'am' if local.hour < 12 else 'pm'}"


def format_terms(value: Decimal | float | None) -> str:
    """Terms with one decimal place only when needed: "3 terms", "4.5 terms", "1 term"."""
    if value is None:
        return ""
    number = Decimal(str(value)).normalize()
    text = f"{number:f}"
    return f"{text} term" if number == 1 else f"{text} terms"


def indent(text: object, width: int | str = 4, first: bool = False, blank: bool = False) -> object:
    """Jinja's `indent`, with the same output, done on a plain string for markup.

    The GOV.UK macros indent every component's inner HTML; Jinja does it line by line on
    `Markup`, building a new `Markup` for each line, which was a fifth of a page's rendering."""
    if not isinstance(text, Markup):
        return do_indent(text, width, first, blank)
    return Markup(do_indent(str(text), width, first, blank))


def init_app(app: Flask) -> None:
    app.add_template_filter(indent, "indent")
    app.add_template_filter(format_date, "govuk_date")
    app.add_template_filter(format_time, "govuk_time")
    app.add_template_filter(format_terms, "terms")
    app.add_template_filter(status_words, "trs_status")
    app.add_template_filter(exemption_words, "exemption_words")
    app.add_template_global(date, "date")
