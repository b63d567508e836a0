"""`client_request`: every page a test GETs is checked the same way (after notifications-admin).

Each GET asserts the status, then that the page has exactly one h1, the <title> starts with it, no
two elements share an id, every form has an action and a method, every POST form carries a CSRF
token, and every script carries this response's CSP nonce. One helper, used everywhere, catches what
page-by-page tests forget.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from bs4 import BeautifulSoup
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

NONCE = re.compile(r"'nonce-([^']+)'")


def check_page(response: TestResponse) -> BeautifulSoup:
    page = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    h1s = page.find_all("h1")
    assert len(h1s) == 1, f"expected one h1, found {[h.get_text(strip=True) for h in h1s]}"
    h1 = " ".join(h1s[0].get_text().split())
    title = " ".join(page.title.get_text().split())
    assert title.removeprefix("Error: ").startswith(h1), (
        f"title {title!r} does not start with {h1!r}"
    )
    ids = Counter(tag["id"] for tag in page.find_all(id=True))
    duplicates = [name for name, count in ids.items() if count > 1]
    assert not duplicates, f"duplicate ids: {duplicates}"
    for form in page.find_all("form"):
        assert form.get("action") is not None, f"form without an action: {form}"
        if form.get("method", "get").lower() == "post":
            assert form.find("input", attrs={"name": "csrf_token"}), (
                f"POST form without CSRF: {form}"
            )
    csp = response.headers.get("Content-Security-Policy", "")
    match = NONCE.search(csp)
    assert match, "no CSP nonce in the response's Content-Security-Policy"
    for script in page.find_all("script"):
        assert script.get("nonce") == match.group(1), (
            f"script without this response's nonce: {script}"
        )
    return page


class ClientRequest:
    """A signed-in (or not) test client whose GETs are checked pages."""

    def __init__(self, app: Flask, client: FlaskClient) -> None:
        self.app = app
        self.client = client

    def get(self, url: str, _expected_status: int = 200, **kwargs: Any) -> BeautifulSoup:
        response = self.client.get(url, **kwargs)
        assert response.status_code == _expected_status, (
            f"GET {url}: expected {_expected_status}, got {response.status_code}"
        )
        return check_page(response)

    def get_response(self, url: str, **kwargs: Any) -> TestResponse:
        return self.client.get(url, **kwargs)

    def csrf_token(self, url: str) -> str:
        return self.form_tokens(url)["csrf_token"]

    def form_tokens(self, url: str) -> dict[str, str]:
        """The CSRF token, and the one-time write token where the form carries one."""
        page = BeautifulSoup(self.client.get(url).get_data(as_text=True), "html.parser")
        field = page.find("input", attrs={"name": "csrf_token"})
        assert field is not None, f"no CSRF token on {url}"
        write = page.find("input", attrs={"name": "write_token"})
        return {"csrf_token": field["value"], **({"write_token": write["value"]} if write else {})}

    def post(
        self,
        url: str,
        data: dict[str, Any] | None = None,
        _expected_status: int = 302,
        _csrf_from: str | None = None,
        **kwargs: Any,
    ) -> TestResponse:
        """POST with the CSRF token a browser would have from the form's page."""
        form = {**self.form_tokens(_csrf_from or url), **(data or {})}
        response = self.client.post(url, data=form, **kwargs)
        assert response.status_code == _expected_status, (
            f"POST {url}: expected {_expected_status}, got {response.status_code}"
        )
        if response.mimetype == "text/html" and response.status_code != 302:
            check_page(response)
        return response

    def post_page(self, url: str, data: dict[str, Any], **kwargs: Any) -> BeautifulSoup:
        """A POST that answers with a page (a form shown again with errors, say)."""
        kwargs.setdefault("_expected_status", 200)
        response = self.post(url, data, **kwargs)
        return check_page(response)

    def sign_in(self, email: str, password: str) -> TestResponse:
        return self.post("/sign-in", {"email": email, "password": password})
