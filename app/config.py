"""Settings for each environment, read from the environment only.

Development embeds safe defaults (a SQLite file, the local TRS sandbox and its development key) so
`make run` works on a fresh machine. Production refuses to start without a real secret key and never
seeds demo data.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INSTANCE = ROOT / "instance"


def _keys(raw: str) -> tuple[str, ...]:
    return tuple(key.strip() for key in raw.split(",") if key.strip())


class Config:
    ENVIRONMENT = "base"
    SECRET_KEY: str | None = os.environ.get("SECRET_KEY")
    DATABASE_URL = os.environ.get(
        "DATABASE_URL", f"sqlite:///{INSTANCE / 'induction-console.sqlite'}"
    )
    TRS_API_BASE_URL = os.environ.get("TRS_API_BASE_URL", "http://127.0.0.1:5001")
    TRS_API_KEY = os.environ.get("TRS_API_KEY", "")
    TRS_API_VERSION = os.environ.get("TRS_API_VERSION", "20260120")
    TRS_CACHE_SECONDS = 30
    # Where caseworkers change what TRS owns; {trn} is filled in.
    TRS_CONSOLE_URL = os.environ.get(
        "TRS_CONSOLE_URL", "https://www.teaching-record-system.service.gov.uk/persons?search={trn}"
    )
    POLICY_API_KEYS = _keys(os.environ.get("POLICY_API_KEYS", ""))
    # Bearer keys for /metrics (several while one is rotated out); none: no /metrics at all.
    METRICS_API_KEYS = _keys(os.environ.get("METRICS_API_KEYS", ""))
    # Single sign-on: with OIDC_ISSUER set, people sign in only through the identity provider.
    OIDC_ISSUER = os.environ.get("OIDC_ISSUER", "")
    OIDC_CLIENT_ID = os.environ.get("OIDC_CLIENT_ID", "")
    OIDC_CLIENT_SECRET = os.environ.get("OIDC_CLIENT_SECRET", "")
    OIDC_SCOPES = os.environ.get("OIDC_SCOPES", "openid email profile")
    # Trust the provider's `email` as verified when it sends no `email_verified` (a single-tenant
    # Entra ID whose organisation owns every address).
    OIDC_EMAILS_ARE_VERIFIED = os.environ.get("OIDC_EMAILS_ARE_VERIFIED", "") == "true"
    # Failed sign-ins allowed before each lock (then 1 minute, doubling to an hour).
    SIGN_IN_FREE_FAILURES_PER_ACCOUNT = 5
    SIGN_IN_FREE_FAILURES_PER_ADDRESS = 20

    # Sessions: a row per sign-in on the server; the signed cookie (HttpOnly, SameSite=Lax) carries
    # its random id, and the CSRF token and messages shown once. Expiry is checked on the server.
    SESSION_COOKIE_NAME = "induction_console_session"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = True
    SESSION_IDLE_TIMEOUT = timedelta(minutes=30)
    PERMANENT_SESSION_LIFETIME = timedelta(hours=8)
    # The cookie is sent when the session changes, not again on every response: the server ends a
    # session 8 hours after sign-in whatever the cookie says, so sliding its expiry bought nothing
    # and cost every signed-in page a signature and a Set-Cookie header.
    SESSION_REFRESH_EACH_REQUEST = False
    WTF_CSRF_TIME_LIMIT = 8 * 3600
    MAX_CONTENT_LENGTH = 1024 * 1024
    SEARCH_PAGE_SIZE = 20
    ALLOW_DEMO_SEED = False


class DevelopmentConfig(Config):
    ENVIRONMENT = "development"
    SECRET_KEY = os.environ.get("SECRET_KEY", "development-only-not-a-secret")
    TRS_API_KEY = os.environ.get("TRS_API_KEY", "sandbox-cpd-key")
    POLICY_API_KEYS = _keys(os.environ.get("POLICY_API_KEYS", "development-policy-key"))
    METRICS_API_KEYS = _keys(os.environ.get("METRICS_API_KEYS", "development-metrics-key"))
    # make run serves plain http on 127.0.0.1; browsers drop Secure cookies there.
    SESSION_COOKIE_SECURE = False
    ALLOW_DEMO_SEED = True


class TestConfig(DevelopmentConfig):
    ENVIRONMENT = "test"
    TESTING = True
    SECRET_KEY = "test-secret"
    TRS_CACHE_SECONDS = 0
    POLICY_API_KEYS = ("test-policy-key",)
    METRICS_API_KEYS = ("test-metrics-key",)


class ProductionConfig(Config):
    ENVIRONMENT = "production"


CONFIGS = {
    "development": DevelopmentConfig,
    "test": TestConfig,
    "production": ProductionConfig,
}


def config_for(name: str | None) -> type[Config]:
    """The config class for FLASK_ENV-like names; development unless told otherwise."""
    name = name or os.environ.get("INDUCTION_CONSOLE_ENV", "development")
    try:
        return CONFIGS[name]
    except KeyError:
        raise RuntimeError(f"Unknown environment {name!r}; use one of {sorted(CONFIGS)}") from None
