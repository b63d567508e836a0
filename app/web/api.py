"""The policy API (docs/domain.md): other services ask the rule set before they change a record.

`POST /api/v1/decisions` needs a bearer key from `POLICY_API_KEYS`; it is a machine-to-machine
endpoint, so it carries no session and is exempt from CSRF. `GET /api/v1/openapi.json` describes it,
generated from the same action table as `/rules.json`. Every error is ProblemDetails JSON.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Iterable
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request, url_for

from app.factory import csrf
from app.rules import (
    ACTIONS,
    CONSOLE_ACTIONS,
    CONSOLES,
    STATUS_DATES,
    Decision,
    Field,
    ImpossibleChange,
    MalformedChange,
)
from app.rules.actions import EARLIEST_DATE, LATEST_DATE
from app.services.outlook import ActionOnDay
from app.services.policy import UnknownTeacher, actions_on_day, ask, exemption_reason_ids
from app.services.records import TrsUnreadable
from app.web.auth import public
from app.web.context import clock, db_session, trs_gateway
from app.web.errors import problem

blueprint = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(blueprint)

REALM = 'Bearer realm="Induction Console policy API"'


@blueprint.route("/decisions", methods=["POST"])
@public
def decisions() -> Response:
    refused = _refuse_without_key(request.headers.get("Authorization", ""))
    if refused is not None:
        return refused
    text = _utf8_json_text()
    if text is None:
        detail = "Send the body as application/json, encoded as UTF-8 (RFC 8259)."
        return problem(415, "Unsupported Media Type", detail)
    try:
        body = json.loads(text, parse_constant=_no_constants)
    except (ValueError, RecursionError):
        return problem(400, "Bad Request", "The body must be JSON.")
    if not isinstance(body, dict):
        return problem(400, "Bad Request", "The body must be a JSON object.")
    try:
        decision = ask(db_session(), trs_gateway(), body, clock().today())
    except ImpossibleChange as error:
        return problem(422, "Unprocessable Content", error.message, field=error.field)
    except MalformedChange as error:
        return problem(400, "Bad Request", error.message, field=error.field)
    except UnknownTeacher:
        detail = f"Neither CPD nor TRS has a teacher with TRN {body['trn']}."
        return problem(404, "Not Found", detail, field="trn")
    except TrsUnreadable as error:
        detail = f"TRS could not be read, so the rules cannot be asked: {error}. Try again later."
        return problem(503, "Service Unavailable", detail)
    return jsonify(answer(decision))


@blueprint.route("/teachers/<trn>/actions")
@public
def teacher_actions(trn: str) -> Response:
    """Every action of one console for one teacher on a day, with the day each answer changes."""
    refused = _refuse_without_key(request.headers.get("Authorization", ""))
    if refused is not None:
        return refused
    console = request.args.get("console", "")
    try:
        day, actions = actions_on_day(
            db_session(), trs_gateway(), trn, console, request.args.get("on"), clock().today()
        )
    except MalformedChange as error:
        return problem(400, "Bad Request", error.message, field=error.field)
    except UnknownTeacher:
        return problem(404, "Not Found", f"Neither CPD nor TRS has a teacher with TRN {trn}.")
    except TrsUnreadable as error:
        detail = f"TRS could not be read, so the rules cannot be asked: {error}. Try again later."
        return problem(503, "Service Unavailable", detail)
    changes = [a.next_change.changes_on for a in actions if a.next_change]
    return jsonify(
        {
            "trn": trn,
            "console": console,
            "evaluated_on": day.isoformat(),
            "next_change_on": min(changes).isoformat() if changes else None,
            "actions": [_action_answer(a) for a in actions],
        }
    )


def _action_answer(item: ActionOnDay) -> dict[str, Any]:
    change = item.next_change
    return {
        "action": item.action,
        "title": item.title,
        **answer(item.decision),
        "next_change": {
            "on": change.changes_on.isoformat(),
            "decision": change.after.outcome,
            "rule_id": change.after.rule_id,
            "reason": change.after.reason,
        }
        if change
        else None,
    }


def answer(decision: Decision) -> dict[str, Any]:
    """The decision as the API sends it: the documented fields, where to go instead, and the dates."""
    return {
        **decision.as_api(),
        "make_it_instead": decision.make_it_instead or None,
        "dates_used": {name: day.isoformat() for name, day in decision.dates_used},
    }


def _refuse_without_key(authorization: str) -> Response | None:
    """401 unless the header carries one of the configured keys (compared in constant time)."""
    scheme, _, key = authorization.partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        response = problem(401, "Unauthorized", "Send your API key as Authorization: Bearer <key>.")
        response.headers["WWW-Authenticate"] = REALM
        return response
    if not _key_matches(key.strip(), current_app.config["POLICY_API_KEYS"]):
        response = problem(401, "Unauthorized", "The API key is not one this console accepts.")
        response.headers["WWW-Authenticate"] = f'{REALM}, error="invalid_token"'
        return response
    return None


def _key_matches(key: str, accepted: Iterable[str]) -> bool:
    """Every configured key is compared, so the time taken does not say which one nearly matched."""
    given = key.encode()
    matched = False
    for candidate in accepted:
        matched |= hmac.compare_digest(given, candidate.encode())
    return matched


def _utf8_json_text() -> str | None:
    """The body as text when it is declared JSON and is UTF-8; None otherwise (a 415).

    json.loads would guess UTF-16 or UTF-32 from bytes; JSON between systems is UTF-8 only, and
    a NUL byte (never in JSON text) or a byte-order mark says the sender encoded it otherwise.
    """
    charset = request.mimetype_params.get("charset", "utf-8").lower()
    if request.mimetype != "application/json" or charset not in ("utf-8", "utf8"):
        return None
    data = request.get_data()
    if b"\x00" in data or data.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _no_constants(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


# -- the OpenAPI document ---------------------------------------------------------------------------


@blueprint.route("/openapi.json")
@public
def openapi() -> Response:
    return jsonify(openapi_document())


# Every bound the server checks on a field's own value is declared, so a client generated from this
# document never sends what will be refused with a 400. The server is more lenient in two ways it
# does not advertise: numbers may also come as ASCII text ("3", "2.5"), and an optional field as null.
# Patterns are anchored and also bounded by length, because `$` differs between regex dialects.
DATE_PATTERN = r"^(19[0-9]{2}|20[0-9]{2}|2100)-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"
DATE = {"type": "string", "format": "date", "pattern": DATE_PATTERN, "maxLength": 10}
DATE_RANGE = f" (from {EARLIEST_DATE.isoformat()} to {LATEST_DATE.isoformat()})"
TRN = {"type": "string", "pattern": "^[0-9]{7}$", "minLength": 7, "maxLength": 7}
_FIELD_TYPES: dict[str, dict[str, Any]] = {
    "date": DATE,
    "integer": {"type": "integer", "minimum": 0},
    "decimal": {"type": "number", "multipleOf": 0.1},
    "text": {"type": "string", "pattern": r"\S"},
    "choice": {"type": "string"},
    "text_list": {"type": "array", "items": {"type": "string", "minLength": 1}},
}
_PROBLEM = {"$ref": "#/components/schemas/ProblemDetails"}
ON_HINT = "Ask as of this day, for the record as it stands now"


def _field_schema(field: Field) -> dict[str, Any]:
    schema = {**_FIELD_TYPES[field.type], "description": field.hint}
    if field.type == "date":
        schema["description"] += DATE_RANGE
    if field.choices:
        schema["enum"] = list(field.choices)
    if field.name == "exemption_reason_ids":
        schema["items"] = {"type": "string", "enum": sorted(exemption_reason_ids())}
    if field.minimum is not None:
        schema["minimum"] = float(field.minimum)
    if field.maximum is not None:
        schema["maximum"] = float(field.maximum)
    if field.nullable:
        schema["type"] = [schema["type"], "null"]
    return schema


def _when(name: str, value: str, then: dict[str, Any], otherwise: dict[str, Any]) -> dict:
    return {
        "if": {"properties": {name: {"const": value}}, "required": [name]},
        "then": then,
        "else": otherwise,
    }


def _status_dates_schema() -> list[dict[str, Any]]:
    """STATUS_DATES as schema: the dates each status requires, and those it does not take."""
    rules = []
    for status, (start, completed) in STATUS_DATES.items():
        dates = {"start_date": start, "completed_date": completed}
        rules.append(
            _when(
                "status",
                status,
                {
                    "required": [n for n, rule in dates.items() if rule == "required"],
                    "properties": {
                        n: False for n, rule in dates.items() if rule == "not permitted"
                    },
                },
                {},
            )
        )
    return rules


def _cross_field_schema(action_id: str) -> dict[str, Any]:
    """What the server checks across an action's fields, where JSON Schema can say it."""
    if action_id == "add_induction_period":
        return {"dependentRequired": {"finished_on": ["number_of_terms"]}}
    if action_id == "record_appeal_decision":
        terms = _when(
            "decision",
            "extended",
            {"required": ["extension_terms"]},
            {"properties": {"extension_terms": False}},
        )
        return {"allOf": [terms]}
    if action_id == "correct_legacy_status":
        return {"allOf": _status_dates_schema()}
    if action_id == "change_induction_status":
        reasons = _when(
            "status",
            "Exempt",
            {
                "required": ["exemption_reason_ids"],
                "properties": {"exemption_reason_ids": {"minItems": 1}},
            },
            {"properties": {"exemption_reason_ids": {"maxItems": 0}}},
        )
        return {"allOf": [*_status_dates_schema(), reasons]}
    return {}


def _action_schema(action_id: str) -> dict[str, Any]:
    action = ACTIONS[action_id]
    return {
        "title": action.title,
        "type": "object",
        "properties": {
            "trn": TRN,
            "console": {"const": action.console},
            "action": {"const": action.id},
            "on": {**DATE, "description": ON_HINT + DATE_RANGE},
            **{field.name: _field_schema(field) for field in action.fields},
        },
        "required": ["trn", "console", "action", *(f.name for f in action.fields if f.required)],
        "additionalProperties": False,
        **_cross_field_schema(action_id),
    }


def _problem_response(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/problem+json": {"schema": _PROBLEM}},
    }


def openapi_document() -> dict[str, Any]:
    """OpenAPI 3.1 for `POST /api/v1/decisions`, one request schema per action in ACTIONS."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Induction Console policy API",
            "version": "1.0.0",
            "description": (
                "Ask the induction rule set whether a change to a teacher's induction record is "
                "allowed, forbidden or needs manual handling, before making it. The rules are "
                "published at /rules."
            ),
        },
        "externalDocs": {
            "description": "The rule set as data",
            "url": url_for("rules.rules_json", _external=True),
        },
        "paths": {
            "/api/v1/decisions": {
                "post": {
                    "operationId": "decide",
                    "summary": "The rule set's answer for one change to one teacher",
                    "security": [{"policyKey": []}],
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/DecisionRequest"},
                                "example": {
                                    "trn": "1000001",
                                    "console": "trs",
                                    "action": "change_induction_status",
                                    "status": "Exempt",
                                    "exemption_reason_ids": [
                                        "5a80cee8-98a8-426b-8422-b0e81cb49b36"
                                    ],
                                },
                            }
                        },
                    },
                    "responses": {
                        "200": {
                            "description": "The decision",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/Decision"}
                                }
                            },
                        },
                        "400": _problem_response(
                            "A request this document does not allow: bad JSON, an unknown console "
                            "or action, a bad TRN, a bad date, a number out of bounds, or a field "
                            "the action cannot take; `field` names it"
                        ),
                        "401": _problem_response("No API key, or one this console does not accept"),
                        "404": _problem_response("Neither CPD nor TRS knows the TRN"),
                        "415": _problem_response("The body is not application/json in UTF-8"),
                        "422": _problem_response(
                            "A change this document allows that cannot be, for this record or "
                            "day: a period index past the last period, an end before its start, "
                            "a date in the future; `field` names it"
                        ),
                        "503": _problem_response("TRS could not be read; try again later"),
                    },
                }
            },
            "/api/v1/teachers/{trn}/actions": _teacher_actions_path(),
        },
        "components": {
            "securitySchemes": {
                "policyKey": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A key from the console's POLICY_API_KEYS",
                }
            },
            "schemas": {
                "DecisionRequest": {
                    "type": "object",
                    "required": ["trn", "console", "action"],
                    "properties": {
                        "trn": TRN,
                        "console": {"type": "string", "enum": list(CONSOLES)},
                        "action": {"type": "string", "enum": list(ACTIONS)},
                        "on": {**DATE, "description": ON_HINT + DATE_RANGE},
                    },
                    "oneOf": [{"$ref": f"#/components/schemas/{a}"} for a in ACTIONS],
                    "discriminator": {
                        "propertyName": "action",
                        "mapping": {a: f"#/components/schemas/{a}" for a in ACTIONS},
                    },
                },
                **{a: _action_schema(a) for a in ACTIONS},
                "Decision": {
                    "type": "object",
                    "required": [
                        "decision",
                        "rule_id",
                        "reason",
                        "write_target",
                        "evaluated_on",
                        "make_it_instead",
                        "dates_used",
                    ],
                    "properties": {
                        "decision": {"type": "string", "enum": ["allowed", "forbidden", "manual"]},
                        "rule_id": {"type": "string", "description": "Stable; listed at /rules"},
                        "reason": {"type": "string"},
                        "write_target": {"type": ["string", "null"], "enum": ["cpd", "trs", None]},
                        "evaluated_on": {"type": "string", "format": "date"},
                        "make_it_instead": {"type": ["string", "null"]},
                        "dates_used": {
                            "type": "object",
                            "additionalProperties": {"type": "string", "format": "date"},
                        },
                    },
                },
                **_teacher_actions_schemas(),
                "ProblemDetails": {
                    "type": "object",
                    "required": ["title", "detail", "status"],
                    "properties": {
                        "title": {"type": "string"},
                        "detail": {"type": "string"},
                        "status": {"type": "integer"},
                        "field": {"type": "string", "description": "The input at fault (400)"},
                    },
                },
            },
        },
    }


def _teacher_actions_path() -> dict[str, Any]:
    """`GET /api/v1/teachers/{trn}/actions`, with every parameter's bounds."""
    return {
        "get": {
            "operationId": "teacherActions",
            "summary": "Every action's decision for one teacher on a day, and when each changes",
            "security": [{"policyKey": []}],
            "parameters": [
                {
                    "name": "trn",
                    "in": "path",
                    "required": True,
                    "schema": {
                        "type": "string",
                        "pattern": r"^\d{7}$",
                        "minLength": 7,
                        "maxLength": 7,
                    },
                },
                {
                    "name": "console",
                    "in": "query",
                    "required": True,
                    "schema": {"type": "string", "enum": list(CONSOLES)},
                },
                {
                    "name": "on",
                    "in": "query",
                    "required": False,
                    "description": "Ask as of this day (default today), for the record as it "
                    f"stands now; from {EARLIEST_DATE.isoformat()} to {LATEST_DATE.isoformat()}",
                    "schema": {
                        "type": "string",
                        "format": "date",
                        "pattern": r"^\d{4}-\d{2}-\d{2}$",
                        "formatMinimum": EARLIEST_DATE.isoformat(),
                        "formatMaximum": LATEST_DATE.isoformat(),
                    },
                },
            ],
            "responses": {
                "200": {
                    "description": "Every action of the console, in the published order",
                    "content": {
                        "application/json": {
                            "schema": {"$ref": "#/components/schemas/TeacherActions"}
                        }
                    },
                },
                "400": _problem_response("A bad TRN, console or day; `field` names it"),
                "401": _problem_response("No API key, or one this console does not accept"),
                "404": _problem_response("Neither CPD nor TRS knows the TRN"),
                "503": _problem_response("TRS could not be read; try again later"),
            },
        }
    }


def _teacher_actions_schemas() -> dict[str, Any]:
    date_or_null = {"type": ["string", "null"], "format": "date"}
    most = max(len(actions) for actions in CONSOLE_ACTIONS.values())
    return {
        "TeacherActions": {
            "type": "object",
            "required": ["trn", "console", "evaluated_on", "next_change_on", "actions"],
            "properties": {
                "trn": {"type": "string", "pattern": r"^\d{7}$"},
                "console": {"type": "string", "enum": list(CONSOLES)},
                "evaluated_on": {"type": "string", "format": "date"},
                "next_change_on": {
                    **date_or_null,
                    "description": "The first day any action's answer changes; null: none will",
                },
                "actions": {
                    "type": "array",
                    "minItems": 1,
                    "maxItems": most,
                    "items": {"$ref": "#/components/schemas/ActionOnDay"},
                },
            },
        },
        "ActionOnDay": {
            "allOf": [{"$ref": "#/components/schemas/Decision"}],
            "type": "object",
            "required": ["action", "title", "next_change"],
            "properties": {
                "action": {"type": "string", "enum": list(ACTIONS)},
                "title": {"type": "string"},
                "next_change": {
                    "type": ["object", "null"],
                    "required": ["on", "decision", "rule_id", "reason"],
                    "properties": {
                        "on": {"type": "string", "format": "date"},
                        "decision": {"type": "string", "enum": ["allowed", "forbidden", "manual"]},
                        "rule_id": {"type": "string"},
                        "reason": {"type": "string"},
                    },
                },
            },
        },
    }
