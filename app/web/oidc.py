"""The OpenID Connect client (authlib), set up once at start from the provider's discovery document.

Authorization code flow with PKCE (S256), `state` and `nonce`; authlib checks the ID token's
signature against the provider's JWKS, its issuer, audience, expiry and nonce. The console then
decides who gets in (`app.services.users.match_sign_on`).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from authlib.integrations.flask_client import OAuth
from flask import Flask, current_app


def init_app(app: Flask) -> None:
    """Register the provider and read its discovery document now, so a wrong issuer stops the
    start rather than the first sign-in."""
    issuer = app.config.get("OIDC_ISSUER")
    if not issuer:
        return
    oauth = OAuth(app)
    client = oauth.register(
        "oidc",
        client_id=app.config["OIDC_CLIENT_ID"],
        client_secret=app.config["OIDC_CLIENT_SECRET"],
        server_metadata_url=issuer.rstrip("/") + "/.well-known/openid-configuration",
        client_kwargs={"scope": app.config["OIDC_SCOPES"], "code_challenge_method": "S256"},
    )
    metadata = client.load_server_metadata()
    if metadata.get("issuer", "").rstrip("/") != issuer.rstrip("/"):
        raise RuntimeError(f"The provider at {issuer} names itself {metadata.get('issuer')!r}")
    app.extensions["oidc"] = client
    logout = metadata.get("end_session_endpoint")
    if logout:
        # Sign-out posts here, then goes on to the provider: the CSP must let that form go there.
        parts = urlsplit(logout)
        app.extensions.setdefault("form_action_sources", []).append(
            f"{parts.scheme}://{parts.netloc}"
        )


def oidc_client() -> Any | None:
    """The provider's client when single sign-on is on, else None (local passwords)."""
    return current_app.extensions.get("oidc")
