"""A server process compiles every template before its first request (`warm`, called from
gunicorn's post_worker_init), so no page's first view pays for compiling what it shows."""

from __future__ import annotations

import pytest

from app.factory import warm


@pytest.fixture
def loaded_templates(app, monkeypatch) -> list[str]:
    """The names of the templates the app's Jinja environment loads (a cache miss), in order."""
    loaded: list[str] = []
    loader = app.jinja_env.loader
    load = loader.load

    def counted(environment, name, globals=None):
        loaded.append(name)
        return load(environment, name, globals)

    monkeypatch.setattr(loader, "load", counted)
    return loaded


def test_once_warmed_no_page_loads_a_template(
    app, signed_in_as, add_teacher, loaded_templates
) -> None:
    add_teacher("2700001", induction={"status": "InProgress", "startDate": "2024-09-02"})
    warm(app)
    assert len(loaded_templates) > 50  # every template: the console's and GOV.UK's
    loaded_templates.clear()
    caseworker = signed_in_as("caseworker")
    for url in ("/teachers?q=2700001", "/teachers/2700001", "/rules", "/deadlines", "/no-such"):
        caseworker.get_response(url)
    assert loaded_templates == []


def test_without_warming_a_first_view_loads_its_templates(signed_in_as, loaded_templates) -> None:
    """The check above could not fail if the pages loaded nothing anyway."""
    signed_in_as("caseworker").get("/rules")
    assert any(name.startswith("rules") for name in loaded_templates), loaded_templates
