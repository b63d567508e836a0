"""The published rule set: `/rules` (HTML), `/rules.json` and `/rules.csv`.

Public: it is policy, not personal data. Every figure and sentence on these pages comes from the
rule set's own tables (`published_rules()`), so the pages can never disagree with the decisions the
console and the API make. The HTML tables are rendered once per process for each set of windows:
the rule tables are code and change only with a deploy, while a window is the one value a config
change or a test may vary, so it keys the cache and a changed window shows at once.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

from flask import Blueprint, Response, jsonify, render_template
from markupsafe import Markup

from app.models.user import ROLE_NAMES
from app.rules import ACTIONS, RULE_CSV_COLUMNS, WINDOWS, published_rules, rule_rows, status_words
from app.rules.publish import working_days_example
from app.rules.table import DECIDES_MANUAL_REQUESTS
from app.web.auth import public

blueprint = Blueprint("rules", __name__)

# The worked example of docs/domain.md: a fail decided on Monday 7 September 2026.
WORKED_EXAMPLE_START = date(2026, 9, 7)
ANSWER_WORDS = {"allowed": "Allowed", "forbidden": "Forbidden", "manual": "Manual handling"}
PAGE_TITLE = "The rules: who may change what, when"
_rendered_tables: dict[tuple, Markup] = {}


@blueprint.route("/rules")
@public
def rules_page() -> Any:
    return render_template("rules/rules.html", page_title=PAGE_TITLE, content=_rule_tables())


def _rule_tables() -> Markup:
    """The page's content, rendered on the first request for the current windows."""
    windows = tuple(WINDOWS.values())
    if windows not in _rendered_tables:
        _rendered_tables.clear()  # only the current windows are ever asked for again
        _rendered_tables[windows] = Markup(_render_rule_tables())
    return _rendered_tables[windows]


def _render_rule_tables() -> str:
    published = published_rules()
    chains = published["checks_in_order"]
    consoles = {action["id"]: action["console"] for action in published["actions"]}
    before_any_cpd_write = _common_prefix([c for a, c in chains.items() if consoles[a] == "cpd"])
    return render_template(
        "rules/_content.html",
        page_title=PAGE_TITLE,
        rules=published,
        rules_by_id={rule["rule_id"]: rule for rule in published["rules"]},
        before_any_cpd_write=before_any_cpd_write,
        cpd_checks=_grouped_checks(chains, consoles, "cpd", len(before_any_cpd_write)),
        trs_checks=_grouped_checks(chains, consoles, "trs", 0),
        working_days_examples={
            w.name: working_days_example(w) for w in WINDOWS.values() if w.unit == "working_days"
        },
        worked_examples={
            w.name: (WORKED_EXAMPLE_START, w.last_day(WORKED_EXAMPLE_START))
            for w in WINDOWS.values()
        },
        role_names=ROLE_NAMES,
        manual_deciders=[ROLE_NAMES[role] for role in DECIDES_MANUAL_REQUESTS],
        answer_words=ANSWER_WORDS,
        status_words=status_words,
    )


@blueprint.route("/rules.json")
@public
def rules_json() -> Any:
    return jsonify(published_rules())


@blueprint.route("/rules.csv")
@public
def rules_csv() -> Response:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=RULE_CSV_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rule_rows())
    return Response(
        out.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="induction-console-rules.csv"'},
    )


def _common_prefix(chains: list[list[str]]) -> list[str]:
    """The checks every chain starts with (for the CPD console: P1 to P3, shown once)."""
    prefix: list[str] = []
    for ids in zip(*chains, strict=False):
        if len(set(ids)) != 1:
            break
        prefix.append(ids[0])
    return prefix


def _grouped_checks(
    chains: dict[str, list[str]], consoles: dict[str, str], console: str, skip: int
) -> list[dict[str, list[str]]]:
    """Each action's checks after the first `skip`; actions with the same checks are shown once."""
    groups: dict[tuple[str, ...], list[str]] = {}
    for action, ids in chains.items():
        if consoles[action] == console:
            groups.setdefault(tuple(ids[skip:]), []).append(action)
    return [
        {"actions": actions, "titles": [ACTIONS[a].title for a in actions], "rule_ids": list(ids)}
        for ids, actions in groups.items()
    ]
