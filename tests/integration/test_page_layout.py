"""The layout around every page: its header and footer are worked out once a request."""

from __future__ import annotations

from app.web import auth


def test_a_page_works_out_its_header_once(signed_in_as, monkeypatch) -> None:
    # GOV.UK's page template renders its header twice (the first time to see whether it is
    # empty); the console's base template writes it once, so the navigation (and any count
    # beside a section, which may be a query) is worked out once.
    senior = signed_in_as("senior_caseworker")
    calls = []
    navigation_items = auth._navigation_items

    def counted() -> list:
        calls.append(1)
        return navigation_items()

    monkeypatch.setattr(auth, "_navigation_items", counted)
    page = senior.get("/teachers")
    assert len(calls) == 1
    assert len(page.select("header.govuk-template__header")) == 1
    assert len(page.select("footer.govuk-template__footer")) == 1
    assert page.find("a", href="/manual-requests") is not None
