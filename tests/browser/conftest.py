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
    """Run axe on the page as it is now, and check it reflows at 320 px; fail with each violation's
    id, help and targets."""

    def check(page: Page) -> None:
        results = axe.run(page)
        violations = results.response["violations"]
        assert not violations, "\n".join(
            f"{v['id']}: {v['help']} at {[n['target'] for n in v['nodes']]}" for v in violations
        )
        assert_reflows(page)

    return check


REFLOW_WIDTH = 320  # WCAG 1.4.10: content at 320 CSS pixels wide without scrolling sideways

# What scrolls sideways, and the elements reaching past the right edge (the culprits to fix).
SIDEWAYS = """width => {
  const root = document.documentElement;
  const wide = [...document.body.querySelectorAll("*")]
    .filter(e => e.getBoundingClientRect().right > width + 1 && e.getClientRects().length)
    .slice(-5)
    .map(e => e.tagName.toLowerCase() + (e.className ? "." + String(e.className).split(" ").join(".") : ""));
  return {overflow: root.scrollWidth - root.clientWidth, wide};
}"""


def assert_reflows(page: Page) -> None:
    """The page as it is now, at 320 px wide, has no horizontal scroll."""
    size = page.viewport_size
    page.set_viewport_size({"width": REFLOW_WIDTH, "height": size["height"]})
    try:
        found = page.evaluate(SIDEWAYS, REFLOW_WIDTH)
    finally:
        page.set_viewport_size(size)
    assert found["overflow"] <= 0, (
        f"{page.url} scrolls sideways by {found['overflow']} px at {REFLOW_WIDTH} px wide: "
        f"{found['wide']}"
    )


@pytest.fixture(autouse=True)
def every_page_reflows(request) -> Iterator[None]:
    """Every page a browser test visits is opened again at the end, at 320 px wide, and must not
    scroll sideways: the pages a test does not check with `assert_accessible` are covered too."""
    if "page" not in request.fixturenames:
        yield
        return
    request.getfixturevalue("live_server")  # so the console still serves when this checks
    page: Page = request.getfixturevalue("page")
    visited: list[str] = []

    def remember(frame) -> None:
        if frame == page.main_frame and frame.url not in visited:
            visited.append(frame.url)

    page.on("framenavigated", remember)
    yield
    page.remove_listener("framenavigated", remember)
    for url in visited:
        page.goto(url)
        assert_reflows(page)
