"""Induction Console: the CPD admin console for early career teachers' induction records.

`create_app()` is the only entry point: `flask --app app run` and gunicorn's `app:create_app()` both
use it. Importing this package stays cheap (the TRS sandbox process imports `app.demo`).
"""

from __future__ import annotations

from typing import Any


def create_app(config_name: str | None = None, **overrides: Any):
    """Build the console for an environment; `overrides` replace settings (tests use them)."""
    from app.factory import build_app

    return build_app(config_name, overrides)
