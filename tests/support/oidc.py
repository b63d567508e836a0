"""Real OpenID Connect providers as separate processes, for the single sign-on tests.

- `ProviderProcess.mock()`: `oidc-provider-mock` from PyPI, requiring a nonce. Its authorize page
  asks for a `sub`; `set_user(sub, claims)` decides the claims the ID token carries.
- `ProviderProcess.wrong_key()`: the same provider, except that its JWKS publishes another RSA key
  under the signing key's id (`python -m tests.support.oidc --port P`), so every ID token it issues
  is signed by a key the console was not given.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

REPO_ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class ProviderProcess:
    def __init__(self, command: list[str], port: int) -> None:
        self.base_url = f"http://127.0.0.1:{port}"
        self.process = subprocess.Popen(
            command, cwd=REPO_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"{self.base_url}/.well-known/openid-configuration").raise_for_status()
                return
            except httpx.HTTPError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(f"the provider at {self.base_url} did not start") from None
                time.sleep(0.1)

    @classmethod
    def mock(cls) -> ProviderProcess:
        port = _free_port()
        command = [sys.executable, "-m", "oidc_provider_mock", "--port", str(port)]
        return cls([*command, "--require-nonce", "true"], port)

    @classmethod
    def wrong_key(cls) -> ProviderProcess:
        port = _free_port()
        return cls([sys.executable, "-m", "tests.support.oidc", "--port", str(port)], port)

    def set_user(self, sub: str, **claims: object) -> None:
        httpx.put(f"{self.base_url}/users/{sub}", json=claims).raise_for_status()

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


def _wrong_key_app():
    """The mock provider whose JWKS answers with a stranger's key under its own key's id."""
    import flask
    import oidc_provider_mock
    from joserfc.jwk import KeySet, RSAKey

    app = oidc_provider_mock.app(require_nonce=True)

    @app.before_request
    def _stranger_jwks():
        if flask.request.path == "/jwks":
            kid = flask.g.oidc_provider_mock_storage.jwk.as_dict()["kid"]
            stranger = RSAKey.generate_key(2048, {"kid": kid}, private=False)
            return flask.jsonify(KeySet([stranger]).as_dict())
        return None

    return app


if __name__ == "__main__":
    import argparse

    from werkzeug.serving import run_simple

    parser = argparse.ArgumentParser(description=_wrong_key_app.__doc__)
    parser.add_argument("--port", type=int, required=True)
    run_simple("127.0.0.1", parser.parse_args().port, _wrong_key_app(), threaded=True)
