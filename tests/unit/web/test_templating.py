"""The console's Jinja environment answers every look-up exactly as Jinja's own does."""

from __future__ import annotations

import pytest
from flask import Flask
from jinja2 import Environment, Undefined

from app.web.templating import ConsoleEnvironment

TEMPLATES = (
    "{{ params.text }}|{{ params.missing is defined }}|{{ params.items is callable }}",
    "{{ params['items'] | length }}|{{ params.get('text') }}|{{ params.keys() | list | length }}",
    "{% if params.classes %}has{% else %}none{% endif %}|{{ params.nested.value }}",
    "{{ thing.text }}|{{ thing.upper() }}|{{ none_value.attribute is defined }}",
)
VALUES = {
    "params": {"text": "A <b>", "items": [1, 2], "nested": {"value": 3}},
    "thing": "words",
    "none_value": None,
}


@pytest.mark.parametrize("source", TEMPLATES)
def test_lookups_render_as_jinja_renders_them(source: str) -> None:
    ours = ConsoleEnvironment(Flask(__name__), autoescape=True)
    theirs = Environment(autoescape=True)
    assert ours.from_string(source).render(VALUES) == theirs.from_string(source).render(VALUES)


def test_a_missing_key_is_undefined_and_a_dict_method_stays_a_method() -> None:
    env = ConsoleEnvironment(Flask(__name__))
    assert isinstance(env.getattr({}, "classes"), Undefined)
    params = {"items": [1]}
    assert env.getattr(params, "items") == params.items
    assert env.getattr({"text": "x"}, "text") == "x"


def test_templates_see_the_globals_the_app_set_before_they_loaded() -> None:
    env = ConsoleEnvironment(Flask(__name__))
    env.globals["service"] = "Induction Console"
    template = env.from_string("{{ service }}", globals={"page": "Teacher"})
    assert template.render() == "Induction Console"
    assert env.from_string("{{ page }}", globals={"page": "Teacher"}).render() == "Teacher"
