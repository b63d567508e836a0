"""The TRS sandbox as a real, separate process for tests, and a client for its `/_sandbox/` area.

- `SandboxProcess(db_path).start()` runs `python -m app.sandbox --port 0 --db <db_path>`, reads
  the port from its "listening" line and offers `base_url`; `stop()` ends it (also a context
  manager).
- `SandboxAdmin(base_url)` drives `/_sandbox/` (acting as the TRS console, injecting faults,
  reading the log of accepted PUTs). Calls raise `SandboxAdminError` on an unexpected status.

Pytest fixtures (load this module as a plugin, `pytest_plugins = ["tests.support.sandbox"]`, or
import the fixtures into a conftest):

- `trs_sandbox` (session): the started `SandboxProcess`, one per xdist worker, on a temporary
  database; the development keys `sandbox-cpd-key` / `sandbox-read-key` apply.
- `sandbox_admin` (function): a `SandboxAdmin` for it, after `POST /_sandbox/reset` (demo teachers
  seeded, PUT log and faults cleared), so every test starts from the same sandbox.
"""

from __future__ import annotations

import os
import queue
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Mapping
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
CPD_KEY = "sandbox-cpd-key"
READ_KEY = "sandbox-read-key"
LISTENING = "TRS sandbox listening on "


class SandboxStartError(RuntimeError):
    """The sandbox process did not come up."""


class SandboxProcess:
    """`python -m app.sandbox` in a child process, on its own SQLite file and a free port."""

    def __init__(
        self,
        db_path: str | Path,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        seed: bool = True,
        api_keys: str | None = None,
        startup_timeout: float = 20.0,
    ) -> None:
        self.db_path = Path(db_path)
        self.host = host
        self.port = port
        self.seed = seed
        self.api_keys = api_keys
        self.startup_timeout = startup_timeout
        self.process: subprocess.Popen[str] | None = None
        self.base_url = ""
        self._stderr_path = self.db_path.with_name(self.db_path.name + ".stderr.log")

    def start(self) -> SandboxProcess:
        self.db_path.parent.mkdir(parents=True, exist_ok=True)
        command = [
            sys.executable, "-m", "app.sandbox",
            "--host", self.host, "--port", str(self.port), "--db", str(self.db_path),
        ]  # fmt: skip
        if not self.seed:
            command.append("--no-seed")
        env = dict(os.environ)
        env.pop("TRS_SANDBOX_API_KEYS", None)  # the development keys, unless told otherwise
        if self.api_keys is not None:
            env["TRS_SANDBOX_API_KEYS"] = self.api_keys
        env["PYTHONUNBUFFERED"] = "1"
        with self._stderr_path.open("wb") as stderr:
            self.process = subprocess.Popen(
                command,
                cwd=REPO_ROOT,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=stderr,
                text=True,
            )
        lines: queue.Queue[str | None] = queue.Queue()
        threading.Thread(
            target=_pump, args=(self.process.stdout, lines), daemon=True, name="sandbox-stdout"
        ).start()
        deadline = time.monotonic() + self.startup_timeout
        while True:
            try:
                line = lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                self.stop()
                raise SandboxStartError(
                    f"no listening line within {self.startup_timeout}s\n{self.stderr}"
                ) from None
            if line is None:
                self.stop()
                raise SandboxStartError(f"the sandbox exited while starting\n{self.stderr}")
            if line.startswith(LISTENING):
                self.base_url = line[len(LISTENING) :].strip()
                return self

    def stop(self, timeout: float = 10.0) -> None:
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout)

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    @property
    def stderr(self) -> str:
        try:
            return self._stderr_path.read_text(errors="replace")
        except OSError:
            return ""

    def __enter__(self) -> SandboxProcess:
        return self.start() if not self.running else self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _pump(stream: Any, lines: queue.Queue[str | None]) -> None:
    """Read the child's stdout to the end, so it can never block on a full pipe."""
    for line in stream:
        lines.put(line)
    lines.put(None)


class SandboxAdminError(AssertionError):
    """A `/_sandbox/` call answered something other than what the test expected."""


def _jsonable(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


class SandboxAdmin:
    """The `/_sandbox/` area over HTTP. Fields are the sandbox's camelCase JSON names; dates may
    be `datetime.date` or `yyyy-MM-dd` strings."""

    def __init__(self, base_url: str, timeout: float = 30.0) -> None:
        self.base_url = base_url
        # Plain HTTP to a local process: no TLS, so skip building a verifying SSL context (slow).
        self.http = httpx.Client(base_url=base_url, timeout=timeout, verify=False)

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> SandboxAdmin:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _call(self, method: str, path: str, body: Any = None, expect: int = 200) -> Any:
        kwargs = {} if body is None else {"json": _jsonable(body)}
        response = self.http.request(method, f"/_sandbox{path}", **kwargs)
        if response.status_code != expect:
            raise SandboxAdminError(
                f"{method} /_sandbox{path} answered {response.status_code}, not {expect}: "
                f"{response.text}"
            )
        return response.json() if response.content else None

    # -- state --------------------------------------------------------------------------------

    def health(self) -> dict[str, Any]:
        return self._call("GET", "/health")

    def reset(self, seed: bool = True, today: date | None = None) -> int:
        """Forget everything; seed the demo teachers (dated from `today`, default the real
        today) unless `seed` is False. Returns how many persons the sandbox now holds."""
        body: dict[str, Any] = {"seed": seed}
        if today is not None:
            body["today"] = today
        return self._call("POST", "/reset", body)["persons"]

    def persons(self) -> list[dict[str, Any]]:
        return self._call("GET", "/persons")["persons"]

    def person(self, trn: str) -> dict[str, Any]:
        return self._call("GET", f"/persons/{trn}")

    def exemption_reasons(self) -> list[dict[str, str]]:
        return self._call("GET", "/exemption-reasons")["exemptionReasons"]

    # -- acting as the TRS console ------------------------------------------------------------

    def create_person(self, trn: str, **fields: Any) -> dict[str, Any]:
        """Create a person; `firstName`, `lastName`, `dateOfBirth` and `qtsDate` have defaults
        (pass `qtsDate=None` for no QTS); `induction=None` means the sandbox's default."""
        body: dict[str, Any] = {
            "trn": trn,
            "firstName": "Test",
            "lastName": f"Teacher {trn}",
            "dateOfBirth": "1990-01-01",
            "qtsDate": "2020-07-01",
            **fields,
        }
        if body.get("induction") is None:
            body.pop("induction", None)
        return self._call("POST", "/persons", body, expect=201)

    def create_persons(self, persons: list[dict[str, Any]]) -> int:
        return self._call("POST", "/persons/bulk", persons, expect=201)["created"]

    def set_induction(
        self,
        trn: str,
        status: str,
        start_date: date | str | None = None,
        completed_date: date | str | None = None,
        exemption_reason_ids: tuple[str, ...] | list[str] = (),
    ) -> dict[str, Any]:
        return self._call(
            "PUT",
            f"/persons/{trn}/induction",
            {
                "status": status,
                "startDate": start_date,
                "completedDate": completed_date,
                "exemptionReasonIds": list(exemption_reason_ids),
            },
        )

    def deactivate(self, trn: str) -> dict[str, Any]:
        return self._call("POST", f"/persons/{trn}/deactivate")

    def merge(self, trn: str, into: str) -> dict[str, Any]:
        return self._call("POST", f"/persons/{trn}/merge", {"into": into})

    # -- what CPD sent ------------------------------------------------------------------------

    def cpd_requests(self, trn: str | None = None, since: int = 0) -> list[dict[str, Any]]:
        """Accepted `PUT .../cpd-induction` calls in order:
        `{seq, trn, receivedAt, body, requestId}`."""
        if trn is None:
            return self._call("GET", f"/cpd-requests?since={since}")["requests"]
        return self._call("GET", f"/persons/{trn}/cpd-requests")["requests"]

    # -- faults -------------------------------------------------------------------------------

    def faults(
        self,
        status: int | None = None,
        *,
        latency_ms: int | None = None,
        drop: bool = False,
        retry_after: float | None = None,
        count: int | None = None,
        share: float | None = None,
        method: str | None = None,
        seed: int | None = None,
    ) -> dict[str, Any]:
        """Add a fault rule for `/v3/` requests (see `app.sandbox.faults`); returns it."""
        spec = {
            "status": status,
            "latency_ms": latency_ms,
            "drop": drop,
            "retry_after": retry_after,
            "count": count,
            "share": share,
            "method": method,
            "seed": seed,
        }
        return self._call(
            "POST", "/faults", {k: v for k, v in spec.items() if v is not None}, expect=201
        )

    def list_faults(self) -> list[dict[str, Any]]:
        return self._call("GET", "/faults")["faults"]

    def clear_faults(self) -> None:
        self._call("DELETE", "/faults", expect=204)


# -- pytest fixtures ----------------------------------------------------------------------------

# One process per test session (per xdist worker), even if the fixtures are registered twice
# (as a plugin by tests/conftest.py and imported by a sub-directory's conftest).
_shared: SandboxProcess | None = None
_shared_users = 0


@pytest.fixture(scope="session")
def trs_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxProcess]:
    """The TRS sandbox as a separate process, started once per session."""
    global _shared, _shared_users
    if _shared is None or not _shared.running:
        db_path = tmp_path_factory.mktemp("trs-sandbox") / "trs-sandbox.sqlite"
        _shared = SandboxProcess(db_path).start()
    sandbox = _shared
    _shared_users += 1
    try:
        yield sandbox
    finally:
        _shared_users -= 1
        if _shared_users == 0:
            sandbox.stop()
            _shared = None


@pytest.fixture
def sandbox_admin(trs_sandbox: SandboxProcess) -> Iterator[SandboxAdmin]:
    """The sandbox's `/_sandbox/` area, reset (demo teachers, no PUT log, no faults) first."""
    with SandboxAdmin(trs_sandbox.base_url) as admin:
        admin.reset()
        yield admin
