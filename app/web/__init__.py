"""The web layer: blueprints, forms and view helpers. Views stay thin: they ask services and rules."""

from __future__ import annotations

from flask import Flask


def register_web(app: Flask) -> None:
    from app.web import (
        api,
        appeals,
        auth,
        deadlines,
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
    blueprints = (
        auth,
        teachers,
        health,
        rules,
        api,
        delivery,
        journeys,
        manual,
        appeals,
        deadlines,
        users,
    )
    for module in blueprints:
        app.register_blueprint(module.blueprint)
