"""Security headers on every response, with a fresh CSP nonce per request.

Scripts run only from this origin or with the request's nonce; styles, fonts and images only from
this origin; no framing; forms post only here (and, with single sign-on, sign-out goes on to the
identity provider). No extra library: notifications-admin does the same.
"""

from __future__ import annotations

import secrets

from flask import Flask, Response, g


def csp_nonce() -> str:
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(18)
    return g.csp_nonce


def init_app(app: Flask) -> None:
    app.add_template_global(csp_nonce)

    @app.after_request
    def _security_headers(response: Response) -> Response:
        nonce = csp_nonce()
        form_action = " ".join(("'self'", *app.extensions.get("form_action_sources", ())))
        response.headers["Content-Security-Policy"] = "; ".join(
            (
                "default-src 'self'",
                f"script-src 'self' 'nonce-{nonce}'",
                "style-src 'self'",
                "img-src 'self' data:",
                "font-src 'self'",
                "connect-src 'self'",
                "object-src 'none'",
                "base-uri 'self'",
                f"form-action {form_action}",
                "frame-ancestors 'none'",
            )
        )
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
        response.headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
        response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
        if app.config["SESSION_COOKIE_SECURE"]:
            response.headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
        if response.mimetype == "text/html" or response.is_json:  # pages and API answers alike
            response.headers["Cache-Control"] = "no-store"
        return response
