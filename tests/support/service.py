"""The console as separate processes, for tests of the service's shape: gunicorn web processes and
delivery workers started as the Procfile starts them, and a browser-less caseworker over HTTP.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
from bs4 import BeautifulSoup

from tests.support.sandbox import REPO_ROOT

METRICS_KEY = "shape-metrics-key"
FLASK = [sys.executable, "-m", "flask", "--app", "app"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def service_environment(database_url: str, trs_url: str, metrics_dir: Path) -> dict[str, str]:
    """What `make up` gives every process: one database, one TRS, one metrics directory."""
    metrics_dir.mkdir(parents=True, exist_ok=True)
    return {
        **os.environ,
        "INDUCTION_CONSOLE_ENV": "development",
        "SECRET_KEY": "shape-test-secret",
        "DATABASE_URL": database_url,
        "TRS_API_BASE_URL": trs_url,
        "METRICS_API_KEYS": METRICS_KEY,
        "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir),
        "PYTHONUNBUFFERED": "1",
    }


class ServiceProcess:
    """One process of the service, its output in a file (read when a test fails)."""

    def __init__(self, name: str, command: list[str], env: dict[str, str], logs: Path) -> None:
        self.name = name
        self.log_path = logs / f"{name}.log"
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                command, cwd=REPO_ROOT, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=log
            )

    @property
    def output(self) -> str:
        return self.log_path.read_text(errors="replace")

    def signal(self, number: signal.Signals) -> None:
        if self.process.poll() is None:
            self.process.send_signal(number)

    def stop(self, timeout: float = 30.0) -> int:
        """SIGTERM, as a process manager stops it; SIGKILL only if it does not end in time."""
        self.signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait(timeout)


def start_web(env: dict[str, str], logs: Path, processes: int = 2) -> tuple[ServiceProcess, str]:
    """gunicorn with the repository's gunicorn.conf.py; returns it and its base URL once it
    answers."""
    port = free_port()
    web = ServiceProcess(
        "web",
        [sys.executable, "-m", "gunicorn", "app:create_app()"],
        {**env, "PORT": str(port), "WEB_CONCURRENCY": str(processes)},
        logs,
    )
    base_url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if web.process.poll() is not None:
            raise AssertionError(f"gunicorn exited:\n{web.output}")
        try:
            if httpx.get(f"{base_url}/healthz", timeout=2).status_code == 200:
                return web, base_url
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    web.stop()
    raise AssertionError(f"gunicorn did not answer in time:\n{web.output}")


def start_worker(env: dict[str, str], logs: Path, worker_id: str, *options: str) -> ServiceProcess:
    """`flask --app app trs deliver --forever`, as the Procfile's `worker`."""
    command = [*FLASK, "trs", "deliver", "--forever", "--worker-id", worker_id, *options]
    return ServiceProcess(worker_id, command, env, logs)


class Caseworker:
    """A person at the console over real HTTP: signs in, walks journeys, keeps the CSRF token."""

    def __init__(self, base_url: str) -> None:
        # A new connection for each request: gunicorn closes a kept-alive connection after 2 s
        # idle, and a request sent on it just as it closes fails with no answer (a browser would
        # send it again; httpx does not). Under a loaded test run, a caseworker can pause that long.
        self.http = httpx.Client(
            base_url=base_url, timeout=30, limits=httpx.Limits(max_keepalive_connections=0)
        )
        self.csrf_token = ""

    def close(self) -> None:
        self.http.close()

    def get(self, path: str) -> BeautifulSoup:
        response = self.http.get(path)
        assert response.status_code == 200, f"GET {path}: {response.status_code}"
        page = BeautifulSoup(response.text, "html.parser")
        token = page.select_one("input[name=csrf_token]")
        if token is not None:
            self.csrf_token = token["value"]
        return page

    def post(self, path: str, data: dict[str, Any]) -> httpx.Response:
        """A form POST that must answer with a redirect (the next page of a journey)."""
        response = self.http.post(path, data={**data, "csrf_token": self.csrf_token})
        assert response.status_code == 302, f"POST {path}: {response.status_code}"
        return response

    def sign_in(self, email: str, password: str) -> None:
        self.get("/sign-in")
        self.post("/sign-in", {"email": email, "password": password})
        self.get("/teachers")  # signing in starts a new session, with a new CSRF token

    def start(self, trn: str, journey: str) -> str:
        response = self.http.get(f"/teachers/{trn}/{journey}")
        assert response.status_code == 302, f"starting {journey}: {response.status_code}"
        return response.headers["Location"]

    def walk(self, trn: str, journey: str, *pages: dict[str, Any]) -> str:
        """Start a journey, answer its pages and confirm; returns the confirming request's id."""
        url = self.start(trn, journey)
        for data in pages:
            url = self.post(url, data).headers["Location"]
        assert url.endswith("/check"), f"expected the check page, went to {url}"
        # The check page issues the one-time write token its confirmation spends.
        token = self.get(url).select_one("input[name=write_token]")
        data = {"write_token": token["value"]} if token is not None else {}
        return self.post(url, data).headers["X-Request-Id"]


def metric_values(text: str, name: str) -> dict[str, float]:
    """Samples of one metric from Prometheus text, by their label string."""
    pattern = re.compile(rf"^{re.escape(name)}(\{{[^}}]*\}})? (\S+)$", re.MULTILINE)
    return {labels or "": float(value) for labels, value in pattern.findall(text)}
