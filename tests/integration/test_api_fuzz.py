"""Hypothesis over the policy API, driven by its own OpenAPI document: no 5xx, and no 400 for a
request the document allows.

The strategies are built by walking the served document (each action's schema: consts, enums,
patterns, bounds, nullable types), so a bound the server checks but the document does not declare
shows up as a 400 here. A few requests get one field spoilt (a wrong type, an unknown key, a number
out of bounds); jsonschema, with the document itself, judges which requests the document allows.
One app, one sandbox and one set of teachers serve all the examples (function-scoped fixtures,
hence the suppressed health check).
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator, validators
from jsonschema.exceptions import ValidationError

from tests.support.journeys import add_period

KEY = {"Authorization": "Bearer test-policy-key"}
TRNS = ["2800001", "2800002", "2800003"]  # in progress; failed; no periods (legacy)
FUZZ = settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
NOT_JSON_NUMBERS = st.sampled_from(
    ["١", "²", "1e999999999", "3_0", " 3", "", "NaN", "٣.٥", "0x10"]
) | st.sampled_from([1e308, 10**33, -1, 16.05, True, None, [], {}])
ODD = st.one_of(st.text(max_size=12), NOT_JSON_NUMBERS, st.integers(), st.floats(allow_nan=False))


def _multiple_of(validator, step, instance, schema):
    """multipleOf in exact decimals: 0.3 is a multiple of 0.1 (a float division says it is not)."""
    if not validator.is_type(instance, "number") or isinstance(instance, bool):
        return
    try:
        whole = Decimal(repr(instance)) % Decimal(repr(step)) == 0
    except InvalidOperation:  # 1e308 % 0.1 has too many digits: out of any bound anyway
        whole = False
    if not whole:
        yield ValidationError(f"{instance!r} is not a multiple of {step}")


DocumentValidator = validators.extend(Draft202012Validator, {"multipleOf": _multiple_of})


def judge(document: dict[str, Any]) -> Draft202012Validator:
    """A validator for DecisionRequest, with the document's own components to resolve refs."""
    schema = {"$ref": "#/components/schemas/DecisionRequest", "components": document["components"]}
    return DocumentValidator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


# -- strategies from the document's schemas ---------------------------------------------------------


def value_for(schema: dict[str, Any] | bool) -> st.SearchStrategy:
    """Values the schema allows (mostly within its bounds); never called for a `false` schema."""
    assert isinstance(schema, dict), schema
    if "const" in schema:
        return st.just(schema["const"])
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    kinds = schema.get("type")
    if isinstance(kinds, list):
        return st.one_of([value_for({**schema, "type": kind}) for kind in kinds])
    if kinds == "null":
        return st.none()
    if kinds == "integer":
        low = schema.get("minimum", 0)
        return st.integers(low, low + 4)
    if kinds == "number":
        places = 1 if schema.get("multipleOf") == 0.1 else 0
        low, high = Decimal(repr(schema["minimum"])), Decimal(repr(schema["maximum"]))
        numbers = st.decimals(low, high, places=places)
        return numbers.flatmap(
            lambda n: st.sampled_from([float(n), int(n)] if n % 1 == 0 else [float(n)])
        )
    if kinds == "array":
        return st.lists(value_for(schema["items"]), max_size=2)
    if schema.get("format") == "date":  # any year: the document's own pattern says which it allows
        recent = st.dates(date(2020, 1, 1), date(2026, 11, 2))
        return (
            st.integers(0, 3)
            .flatmap(lambda n: st.dates() if n == 0 else recent)
            .map(date.isoformat)
        )
    if "pattern" in schema:  # a TRN, mostly one the console holds; or a note
        anything = st.from_regex(schema["pattern"]).filter(lambda text: len(text) < 40)
        held = [trn for trn in TRNS if re.search(schema["pattern"], trn)]
        if not held:
            return anything
        return st.integers(0, 5).flatmap(lambda n: anything if n == 0 else st.sampled_from(held))
    if kinds == "string":
        return st.text(max_size=20)
    raise AssertionError(f"no strategy for {schema}")


def request_for(envelope: dict[str, Any], action: dict[str, Any]) -> st.SearchStrategy[dict]:
    """An object of the envelope's and the action's schemas: every required key, any optional."""
    properties = {
        name: prop
        for name, prop in {**envelope["properties"], **action["properties"]}.items()
        if prop is not False
    }
    required = set(envelope["required"]) | set(action["required"])
    optional = sorted(set(properties) - required)
    return st.fixed_dictionaries(
        {name: value_for(properties[name]) for name in sorted(required)},
        optional={name: value_for(properties[name]) for name in optional},
    )


def spoilt(body: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    """The body with one key given an odd value (or one unknown key added)."""
    keys = st.sampled_from([*body, "colour"])
    return st.tuples(keys, ODD).map(lambda pair: {**body, pair[0]: pair[1]})


@pytest.fixture
def document(app) -> dict[str, Any]:
    return app.test_client().get("/api/v1/openapi.json").get_json()


@pytest.fixture
def teachers(add_teacher, db, appropriate_body) -> None:
    ongoing, failed, _ = (
        add_teacher(TRNS[0], induction={"status": "InProgress", "startDate": "2024-09-02"}),
        add_teacher(
            TRNS[1],
            induction={
                "status": "Failed",
                "startDate": "2023-09-04",
                "completedDate": "2026-07-17",
            },
        ),
        add_teacher(TRNS[2], induction={"status": "RequiredToComplete"}),
    )
    add_period(db, ongoing, appropriate_body.id, "2023-09-04", "2024-07-19", "3")
    add_period(db, ongoing, appropriate_body.id, "2024-09-02")
    add_period(db, failed, appropriate_body.id, "2023-09-04", "2026-07-17", "6", "fail")


@FUZZ
@given(data=st.data())
def test_the_api_answers_what_its_document_allows(app, document, teachers, data):
    schemas = document["components"]["schemas"]
    envelope = schemas["DecisionRequest"]
    ref = data.draw(st.sampled_from([a["$ref"] for a in envelope["oneOf"]]))
    body = data.draw(request_for(envelope, schemas[ref.rsplit("/", 1)[1]]))
    if data.draw(st.integers(0, 4)) == 0:
        body = data.draw(spoilt(body))
    allowed = judge(document).is_valid(body)
    response = app.test_client().post("/api/v1/decisions", json=body, headers=KEY)
    event(f"{'allowed' if allowed else 'not allowed'}: {response.status_code}")
    assert response.status_code < 500, (body, response.get_json())
    if allowed:
        assert response.status_code in {200, 404, 422}, (body, response.get_json())
    else:
        assert response.status_code in {200, 400, 404, 422}, (body, response.get_json())
