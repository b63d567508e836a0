"""Finding a teacher and the teacher page (docs/domain.md, the teacher page)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

from flask import Blueprint, abort, current_app, g, render_template, request

from app.rules import MalformedChange
from app.rules.numbers import read_whole_number
from app.services.delivery_state import delivery_state
from app.services.policy import on_date
from app.services.teacher_page import read_teacher_page
from app.services.teachers import (
    TRN_PATTERN,
    SearchHit,
    find_teacher,
    remember_name,
    search_teachers,
)
from app.services.timeline import timeline as timeline_entries
from app.web.context import clock, db_session, trs_gateway
from app.web.errors import render_error
from app.web.forms.auth import SearchForm
from app.web.record import record_html, record_title

blueprint = Blueprint("teachers", __name__)


@blueprint.route("/")
def home() -> Any:
    return search()


@blueprint.route("/teachers")
def search() -> Any:
    form = SearchForm(request.args)
    results = None
    trn_reading = None
    page_number = read_whole_number(request.args.get("page", "1"))
    if not page_number:
        return render_error(400, ("The page number must be a whole number from 1, like 2.",))
    if "q" in request.args and form.validate():
        results = search_teachers(
            db_session(), form.q.data, page_number, current_app.config["SEARCH_PAGE_SIZE"]
        )
        if results.by == "trn":
            # One teacher: read TRS live for the name, even one not yet in CPD (their page is
            # where an induction starts).
            trn_reading = trs_gateway().read_person(results.query)
            person = trn_reading.person
            if results.hits and person:
                hit = results.hits[0]
                remember_name(db_session(), hit.teacher_id, person, clock().now(), known=hit)
                live = replace(hit, name=person.full_name, name_read_at=trn_reading.read_at)
                results = replace(results, hits=[live])
    page = render_template(
        "teachers/search.html",
        form=form if "q" in request.args else SearchForm(formdata=None),
        results=results,
        trs_only=trn_reading if trn_reading and trn_reading.found and not results.total else None,
        page_title="Find a teacher",
    )
    return page, 400 if form.errors else 200


@blueprint.route("/teachers/<trn>")
def teacher(trn: str) -> Any:
    if not TRN_PATTERN.match(trn):
        abort(404)
    session = db_session()
    cpd = read_teacher_page(session, trn)
    delivery = delivery_state(cpd, clock().now()) if cpd else None
    reading = trs_gateway().read_person(trn)
    if delivery and delivery.last_sent_at and reading.read_at <= delivery.last_sent_at:
        # The delivery worker (another process) sent a change after this process cached its
        # reading: the cached "Held in TRS" would show the status from before the change.
        reading = trs_gateway().read_person(trn, fresh=True)
    if cpd is not None and reading.person is not None:
        entry = cpd.search_entry
        known = (
            SearchHit(cpd.id, trn, entry.display_name, entry.read_from_trs_at) if entry else None
        )
        remember_name(session, cpd.id, reading.person, clock().now(), known=known)
    if cpd is None and reading.state == "not_found":
        abort(404)
    try:
        on = _preview_day()
    except MalformedChange as error:
        example = f"for example ?on={clock().today().isoformat()}"
        return render_error(400, (f"The day to preview is not right: {error.message}, {example}.",))
    return render_template(
        "teachers/teacher.html",
        record=record_html(trn, cpd, reading, delivery, on),
        page_title=record_title(trn, reading, on),
    )


PREVIEW_ROLES = ("caseworker", "senior_caseworker", "appeals_officer")


def _preview_day() -> date | None:
    """The day asked for with `?on=yyyy-mm-dd`, for the roles that act (403 for the others).

    Raises MalformedChange for a day that cannot be read, as the policy API does."""
    if "on" not in request.args:
        return None
    if g.current_user.role not in PREVIEW_ROLES:
        abort(403)
    return on_date(request.args["on"], clock().today())


@blueprint.route("/teachers/<trn>/timeline")
def timeline(trn: str) -> Any:
    """Every change to the teacher's record, newest first, with its delivery to TRS."""
    if not TRN_PATTERN.match(trn):
        abort(404)
    reading = trs_gateway().read_person(trn)
    entries = timeline_entries(db_session(), trn)
    if not entries and reading.state == "not_found" and find_teacher(db_session(), trn) is None:
        abort(404)
    name = reading.person.full_name if reading.person else f"TRN {trn}"
    return render_template(
        "teachers/timeline.html",
        trn=trn,
        name=name,
        entries=entries,
        page_title=f"{name}: timeline",
    )
