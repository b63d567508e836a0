"""The web layer: blueprints, forms and view helpers. Views stay thin: they ask services and rules."""

from __future__ import annotations

from flask import Flask


def register_web(app: Flask) -> None:
    from app.web import api, auth, delivery, errors, filters, health, rules, security, teachers

    security.init_app(app)
    auth.init_app(app)
    filters.init_app(app)
    errors.init_app(app)
    app.register_blueprint(auth.blueprint)
    app.register_blueprint(teachers.blueprint)
    app.register_blueprint(health.blueprint)
    app.register_blueprint(rules.blueprint)
    app.register_blueprint(api.blueprint)
    app.register_blueprint(delivery.blueprint)
