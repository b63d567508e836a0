"""app/rules is pure: it imports nothing of the rest of `app`, no web framework, no database."""

from __future__ import annotations

import ast
from pathlib import Path

RULES = Path(__file__).resolve().parents[3] / "app" / "rules"
ALLOWED_TOP_LEVEL = {
    "__future__",
    "collections",
    "dataclasses",
    "datetime",
    "decimal",
    "functools",
    "holidays",
    "re",
}


def imported_modules(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            names.add(node.module or "")
    return names


def test_rules_import_only_the_standard_library_holidays_and_themselves() -> None:
    files = sorted(RULES.glob("*.py"))
    assert len(files) >= 8
    for path in files:
        for module in imported_modules(path):
            if module.startswith("app."):
                assert module.startswith("app.rules"), f"{path.name} imports {module}"
            else:
                assert module.split(".")[0] in ALLOWED_TOP_LEVEL, f"{path.name} imports {module}"
