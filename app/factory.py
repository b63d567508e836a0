"""Assembles the Flask app: config, database, TRS client, templates, security, blueprints, CLI."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask, g, send_from_directory
from flask_wtf.csrf import CSRFProtect
from jinja2 import BytecodeCache, ChoiceLoader, FileSystemLoader, PackageLoader, PrefixLoader
from jinja2.bccache import Bucket

from app.clock import Clock
from app.config import ROOT, config_for
from app.db import close_request_session, make_engine, make_session_factory
from app.web.templating import ConsoleEnvironment

csrf = CSRFProtect()
GOVUK_ASSETS = ROOT / "static" / "govuk" / "assets"


def build_app(config_name: str | None, overrides: dict[str, Any]) -> Flask:
    app = Flask(
        "app",
        root_path=str(ROOT),
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=str(ROOT / "instance"),
    )
    app.config.from_object(config_for(config_name))
    app.config.update(overrides)
    if not app.config.get("SECRET_KEY"):
        raise RuntimeError("SECRET_KEY must be set outside development and test")

    from app.observability.logs import configure_logging
    from app.web import observability

    configure_logging()
    _init_database(app)
    _init_templates(app)
    csrf.init_app(app)
    app.extensions["clock"] = app.config.get("CLOCK") or Clock()

    from app.trs.gateway import TrsGateway

    app.extensions["trs"] = TrsGateway.from_config(app.config, app.extensions["clock"])

    from app.web import register_web

    observability.init_app(app)  # first, so every later hook and log line has the request id
    register_web(app)

    from app.web.auth import public

    @app.route("/assets/<path:filename>")
    @public
    def govuk_assets(filename: str):
        """GOV.UK Frontend's CSS refers to fonts and images under /assets."""
        return send_from_directory(GOVUK_ASSETS, filename, max_age=3600)

    from app.cli import register_cli

    register_cli(app)
    return app


def warm(app: Flask) -> None:
    """What a server process does once, before its first request, so that no request pays for it:
    compile every template (about a second in all; a page's first view otherwise compiles its own
    and every partial it includes) and read this year's and next year's bank holidays (the
    `holidays` package imports its calendars on first use). The test suite builds an app per test
    and does not call this."""
    from app.rules.windows import bank_holidays

    for name in app.jinja_env.list_templates(extensions=["html"]):
        app.jinja_env.get_template(name)
    year = app.extensions["clock"].today().year
    for each in (year, year + 1):
        bank_holidays(each)


def _init_database(app: Flask) -> None:
    url = app.config["DATABASE_URL"]
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    engine = make_engine(url)
    app.extensions["db_engine"] = engine
    app.extensions["db_sessions"] = make_session_factory(engine)

    @app.teardown_appcontext
    def _close_session(_exc: BaseException | None) -> None:
        session = g.pop("db_session", None)
        if session is not None:
            close_request_session(session)


class _ProcessBytecodeCache(BytecodeCache):
    """Compiled templates shared by every app built in this process.

    Keys carry each template's source checksum, so an edited template is compiled afresh. It
    matters for the test suite, which builds an app per test; a server builds one and loses nothing.
    """

    def __init__(self) -> None:
        self._compiled: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        code = self._compiled.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: Bucket) -> None:
        self._compiled[bucket.key] = bucket.bytecode_to_string()


_TEMPLATE_CACHE = _ProcessBytecodeCache()


def _init_templates(app: Flask) -> None:
    app.jinja_environment = ConsoleEnvironment  # before the first use of app.jinja_env
    app.jinja_loader = ChoiceLoader(
        [
            FileSystemLoader(str(ROOT / "templates")),
            PrefixLoader(
                {
                    "govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja"),
                    "govuk_frontend_wtf": PackageLoader("govuk_frontend_wtf"),
                }
            ),
        ]
    )
    app.jinja_env.bytecode_cache = _TEMPLATE_CACHE
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    from govuk_frontend_wtf.main import WTFormsHelpers

    WTFormsHelpers(app)
