"""The web layer: blueprints, forms and view helpers. Views stay thin: they ask services and rules."""

from __future__ import annotations

from flask import Flask


def register_web(app: Flask) -> None:
    from app.web import (
        api,
        appeals,
        auth,
        delivery,
        errors,
        filters,
        health,
        journeys,
        manual,
        oidc,
        rules,
        security,
        teachers,
        users,
    )

    oidc.init_app(app)
    security.init_app(app)
    auth.init_app(app)
    filters.init_app(app)
    errors.init_app(app)
    for module in (auth, teachers, health, rules, api, delivery, journeys, manual, appeals, users):
        app.register_blueprint(module.blueprint)
