"""The console's Jinja environment renders exactly what Jinja's own renders."""

from __future__ import annotations

from datetime import date

import pytest
from flask import Flask
from jinja2 import Environment, PackageLoader, PrefixLoader, Undefined
from markupsafe import Markup

from app.web.templating import (
    REMEMBERED_OUTPUTS,
    ConsoleEnvironment,
    RememberedComponent,
    parameters_key,
)

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


# -- GOV.UK components remember their output by their parameters ------------------------------


def _environments() -> tuple[ConsoleEnvironment, Environment]:
    """The console's environment and plain Jinja's, both loading GOV.UK Frontend's macros."""
    loader = PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja")})
    options = {"loader": loader, "autoescape": True, "trim_blocks": True, "lstrip_blocks": True}
    return ConsoleEnvironment(Flask(__name__), **options), Environment(**options)


def _summary(rows: list[tuple[str, object]], title: object = "Held in CPD") -> dict:
    return {
        "card": {"title": {"text": title}},
        "rows": [{"key": {"text": key}, "value": {"text": value}} for key, value in rows],
    }


SUMMARY = (
    '{% from "govuk_frontend_jinja/components/summary-list/macro.html" import govukSummaryList %}'
    "{{ govukSummaryList(params) }}"
)
CALLS = [
    _summary([("Started", "1 September 2025"), ("Terms", "2")]),
    _summary([("Started", "1 September 2025"), ("Terms", "2")]),  # the same again
    _summary([("Started", "1 September 2025"), ("Terms", "3")]),  # one value changed
    _summary([("Terms", "3"), ("Started", "1 September 2025")]),  # the rows in another order
    _summary([("Name", "<b>Ada</b>")]),  # escaped
    _summary([("Name", "<b>Ada</b>")], title=Markup("<b>Ada</b>")),  # as HTML
    _summary([("Flag", True)]),
    _summary([("Flag", 1)]),
    _summary([("Started", date(2025, 9, 1))]),  # a date: not a key, rendered directly
]


def test_a_component_renders_what_the_plain_macro_renders_call_after_call() -> None:
    ours, theirs = _environments()
    for params in CALLS:
        expected = theirs.from_string(SUMMARY).render(params=params)
        assert ours.from_string(SUMMARY).render(params=params) == expected


def test_a_component_keeps_one_output_per_set_of_parameters() -> None:
    ours, _theirs = _environments()
    for params in CALLS:
        ours.from_string(SUMMARY).render(params=params)
    component = ours.get_template("govuk_frontend_jinja/components/summary-list/macro.html")
    remembered = component._get_default_module().govukSummaryList
    assert isinstance(remembered, RememberedComponent)
    # Nine calls: one repeated, one with a date (never kept), seven distinct sets kept.
    assert len(remembered.outputs) == 7


def test_a_component_called_with_a_caller_renders_the_caller_each_time() -> None:
    ours, theirs = _environments()
    source = (
        '{% from "govuk_frontend_jinja/components/details/macro.html" import govukDetails %}'
        '{% call govukDetails({"summaryText": "Why"}) %}{{ reason }}{% endcall %}'
    )
    for reason in ("First reason", "Second reason"):
        rendered = ours.from_string(source).render(reason=reason)
        assert reason in rendered
        assert rendered == theirs.from_string(source).render(reason=reason)


def test_an_undefined_parameter_is_rendered_not_remembered() -> None:
    ours, theirs = _environments()
    source = (
        '{% from "govuk_frontend_jinja/components/tag/macro.html" import govukTag %}'
        '{{ govukTag({"text": missing}) }}|{{ govukTag({"text": present}) }}'
    )
    for present in ("Passed", "Failed", 0.0, -0.0):  # equal floats that render differently
        assert ours.from_string(source).render(present=present) == theirs.from_string(
            source
        ).render(present=present)


def test_the_outputs_kept_are_bounded() -> None:
    ours, _theirs = _environments()
    source = (
        '{% from "govuk_frontend_jinja/components/tag/macro.html" import govukTag %}'
        '{{ govukTag({"text": text}) }}'
    )
    template = ours.from_string(source)
    for number in range(REMEMBERED_OUTPUTS + 10):
        assert template.render(text=str(number)).strip().endswith(f"{number}\n</strong>")
    tag = ours.get_template("govuk_frontend_jinja/components/tag/macro.html")
    assert 0 < len(tag._get_default_module().govukTag.outputs) <= REMEMBERED_OUTPUTS


def test_keys_tell_apart_what_renders_differently() -> None:
    assert parameters_key({"html": Markup("<b>")}) != parameters_key({"html": "<b>"})
    assert parameters_key({"value": True}) != parameters_key({"value": 1})
    assert parameters_key({"a": 1, "b": 2}) != parameters_key({"b": 2, "a": 1})
    assert parameters_key({"rows": [1]}) != parameters_key({"rows": (1,)})
    assert parameters_key({"rows": [{"text": "x"}]}) == parameters_key({"rows": [{"text": "x"}]})
