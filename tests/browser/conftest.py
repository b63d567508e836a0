"""Browser tests: Debian's Chromium through Playwright, axe on every page.

They run on SQLite only (the database is not what they test) against a live console in a thread and
the same sandbox process as the other tests.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page
from werkzeug.serving import make_server

from tests.support.database import create_database, engine_for

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": "/usr/bin/chromium",
        "headless": True,
        "args": CHROMIUM_ARGS,
    }


@pytest.fixture(scope="session")
def database_url(tmp_path_factory, worker_id) -> str:
    return create_database("sqlite", f"{worker_id}-browser", tmp_path_factory.mktemp("browser-db"))


@pytest.fixture(scope="session")
def database_engine(database_url):
    """Overridden with `database_url`, so the browser tests' tables are the ones emptied."""
    engine = engine_for(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def live_server(app) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture(scope="session")
def axe() -> Axe:
    return Axe()


@pytest.fixture
def assert_accessible(axe) -> callable:
    """Run axe on the page as it is now; fail with each violation's id, help and targets."""

    def check(page: Page) -> None:
        results = axe.run(page)
        violations = results.response["violations"]
        assert not violations, "\n".join(
            f"{v['id']}: {v['help']} at {[n['target'] for n in v['nodes']]}" for v in violations
        )

    return check
