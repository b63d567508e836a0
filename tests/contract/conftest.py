"""Contract tests: the real `TrsClient` against the real sandbox process, over HTTP.

`trs_client(...)` gives a client with any key, API version or timeout (kept for the session);
`raw` is a bare httpx client for requests the TrsClient never makes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from app.trs.client import TrsClient
from tests.support import sandbox as sandbox_support
from tests.support.sandbox import CPD_KEY, SandboxProcess

# The shared fixtures (tests/conftest.py may also load them as a plugin; one process either way).
trs_sandbox = sandbox_support.trs_sandbox
sandbox_admin = sandbox_support.sandbox_admin


@pytest.fixture(scope="session")
def _trs_clients(trs_sandbox: SandboxProcess) -> Iterator[dict[tuple, TrsClient]]:
    # Clients are kept for the session, one per set of options: building one costs ~35 ms (its
    # verifying SSL context), and reusing one also exercises its kept-alive connections.
    clients: dict[tuple, TrsClient] = {}
    yield clients
    for client in clients.values():
        client.close()


@pytest.fixture
def trs_client(
    trs_sandbox: SandboxProcess, sandbox_admin, _trs_clients
) -> Callable[..., TrsClient]:
    """`trs_client(api_key=CPD_KEY, **TrsClient options)`: the real client for the sandbox."""

    def make(api_key: str = CPD_KEY, **options: Any) -> TrsClient:
        key = (api_key, *sorted((name, repr(value)) for name, value in options.items()))
        if key not in _trs_clients:
            _trs_clients[key] = TrsClient(trs_sandbox.base_url, api_key, **options)
        return _trs_clients[key]

    return make


@pytest.fixture
def raw(trs_sandbox: SandboxProcess, sandbox_admin) -> Iterator[httpx.Client]:
    """A bare httpx client for what the TrsClient never sends (no key, bad bodies, old versions)."""
    with httpx.Client(base_url=trs_sandbox.base_url, timeout=10, verify=False) as client:
        yield client
