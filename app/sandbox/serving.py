"""Serving the sandbox: werkzeug's threaded server with a lean HTTP/1.1 keep-alive handler.

Werkzeug's own request handler closes the connection after every response, then waits for the
client to hang up, and parses headers with the `email` package; together that caps the sandbox at
a few hundred requests a second. The benchmarks drive thousands of requests a second through one
pooled client, so this handler (still run by `werkzeug.serving.make_server(..., threaded=True)`):

- keeps connections open (HTTP/1.1 keep-alive; `Connection: close` and HTTP/1.0 are honoured);
- parses the request line and headers itself and builds the WSGI environ directly;
- gives the app a body stream limited to Content-Length and discards whatever the app left
  unread, so the next request on the connection starts in the right place;
- writes each response (always with a Content-Length) in one `send`.

A chunked request body is refused with 411 (every client here sends Content-Length). An idle
connection is closed after `IDLE_TIMEOUT` seconds so its thread ends. An app that marks the
environ with `DROPPED` has closed the socket itself (an injected fault): nothing is written.
"""

from __future__ import annotations

import sys
import time
import traceback
from email.utils import formatdate
from http import HTTPStatus
from typing import Any
from urllib.parse import unquote_to_bytes, urlsplit

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server
from werkzeug.wsgi import LimitedStream

IDLE_TIMEOUT = 30.0
MAX_LINE = 65536
MAX_HEADERS = 100
DROPPED = "trs_sandbox.dropped"

_date_cache: tuple[int, str] = (0, "")


def _http_date() -> str:
    global _date_cache
    now = int(time.time())
    if _date_cache[0] != now:
        _date_cache = (now, formatdate(now, usegmt=True))
    return _date_cache[1]


def _reason(code: int) -> str:
    try:
        return HTTPStatus(code).phrase
    except ValueError:
        return ""


class KeepAliveRequestHandler(WSGIRequestHandler):
    """Reads requests off one connection until it closes, handing each to the WSGI app."""

    access_log = False
    timeout = IDLE_TIMEOUT  # socket timeout, so idle connections end

    def handle(self) -> None:
        self.close_connection = False
        try:
            while not self.close_connection:
                self._handle_one()
        except (ConnectionError, TimeoutError):
            pass

    def _handle_one(self) -> None:
        line = self.rfile.readline(MAX_LINE + 1)
        if not line:
            self.close_connection = True
            return
        if line in (b"\r\n", b"\n"):  # tolerate a stray blank line between requests
            return
        if len(line) > MAX_LINE:
            self._refuse(414)
            return
        parts = line.decode("latin-1").split()
        if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
            self._refuse(400)
            return
        method, target, version = parts
        headers: list[tuple[str, str]] = []
        while True:
            raw = self.rfile.readline(MAX_LINE + 1)
            if raw in (b"\r\n", b"\n", b""):
                break
            if len(raw) > MAX_LINE or len(headers) >= MAX_HEADERS:
                self._refuse(431)
                return
            name, sep, value = raw.decode("latin-1").partition(":")
            if not sep:
                self._refuse(400)
                return
            headers.append((name.strip(), value.strip()))

        environ = self._environ(method, target, version, headers)
        connection = environ.get("HTTP_CONNECTION", "").lower()
        if version == "HTTP/1.0":
            self.close_connection = "keep-alive" not in connection
        else:
            self.close_connection = "close" in connection
        if "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower():
            self._refuse(411)
            return
        length_text = environ.get("CONTENT_LENGTH", "0") or "0"
        if not length_text.isdigit():
            self._refuse(400)
            return
        if environ.get("HTTP_EXPECT", "").lower() == "100-continue":
            self.wfile.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        self.command, self.path, self.request_version = method, target, version
        body_in = LimitedStream(self.rfile, int(length_text))
        environ["wsgi.input"] = body_in
        environ["wsgi.input_terminated"] = True
        self._run(environ, body_in)

    def _environ(
        self, method: str, target: str, version: str, headers: list[tuple[str, str]]
    ) -> dict[str, Any]:
        if not target.startswith("/"):
            parts = urlsplit(target)
            path, query = parts.path or "/", parts.query
        else:
            path, _, query = target.partition("?")
        server_name, server_port = self.server.server_address[:2]
        environ: dict[str, Any] = {
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": "http",
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": True,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
            "werkzeug.socket": self.connection,
            "SERVER_SOFTWARE": self.server_version,
            "REQUEST_METHOD": method,
            "SCRIPT_NAME": "",
            "PATH_INFO": unquote_to_bytes(path).decode("latin-1"),
            "QUERY_STRING": query,
            "REQUEST_URI": target,
            "RAW_URI": target,
            "REMOTE_ADDR": self.client_address[0] if self.client_address else "<local>",
            "REMOTE_PORT": self.client_address[1] if self.client_address else 0,
            "SERVER_NAME": str(server_name),
            "SERVER_PORT": str(server_port),
            "SERVER_PROTOCOL": version,
        }
        for name, value in headers:
            if "_" in name:
                continue
            key = name.upper().replace("-", "_")
            if key not in ("CONTENT_TYPE", "CONTENT_LENGTH"):
                key = "HTTP_" + key
                if key in environ:
                    value = f"{environ[key]},{value}"
            environ[key] = value
        return environ

    def _run(self, environ: dict[str, Any], body_in: LimitedStream) -> None:
        response: dict[str, Any] = {}

        def start_response(status: str, headers: list, exc_info: Any = None) -> Any:
            response["status"] = status
            response["headers"] = headers
            return response.setdefault("written", []).append

        try:
            app_iter = self.server.app(environ, start_response)
            try:
                body = b"".join([*response.get("written", ()), *app_iter])
            finally:
                if hasattr(app_iter, "close"):
                    app_iter.close()
        except Exception:  # Flask turns app errors into 500s; this is the last resort
            self.log_error("Error on request:\n%s", "".join(traceback.format_exc()))
            response = {"status": "500 Internal Server Error", "headers": []}
            body = b"Internal Server Error"
            self.close_connection = True

        if environ.get(DROPPED):
            self.close_connection = True
            return
        body_in.exhaust()  # the next request starts right after this one's body
        self._write(response["status"], response["headers"], body, environ["REQUEST_METHOD"])

    def _write(self, status: str, headers: list, body: bytes, method: str) -> None:
        code = int(status.split(None, 1)[0])
        lines = [f"HTTP/1.1 {status}\r\n", f"Date: {_http_date()}\r\n"]
        has_length = False
        for key, value in headers:
            lowered = key.lower()
            if lowered == "content-length":
                has_length = True
            elif lowered == "connection":
                if value.lower() == "close":
                    self.close_connection = True
                continue
            lines.append(f"{key}: {value}\r\n")
        no_body = 100 <= code < 200 or code in (204, 304)
        if no_body:
            body = b""
        elif not has_length:
            lines.append(f"Content-Length: {len(body)}\r\n")
        if method == "HEAD":
            body = b""
        if self.close_connection:
            lines.append("Connection: close\r\n")
        lines.append("\r\n")
        self.wfile.write("".join(lines).encode("latin-1") + body)
        if self.access_log:
            self.log_request(code, len(body))

    def _refuse(self, code: int) -> None:
        self.close_connection = True
        body = f"{code} {_reason(code)}".encode()
        self.wfile.write(
            f"HTTP/1.1 {code} {_reason(code)}\r\nContent-Type: text/plain\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode("latin-1")
            + body
        )


class QuietKeepAliveRequestHandler(KeepAliveRequestHandler):
    access_log = False


class LoggingKeepAliveRequestHandler(KeepAliveRequestHandler):
    access_log = True


def make_sandbox_server(host: str, port: int, app: Any, access_log: bool = False) -> BaseWSGIServer:
    """A threaded werkzeug server for `app`, listening once this returns (`port` 0: any free)."""
    handler = LoggingKeepAliveRequestHandler if access_log else QuietKeepAliveRequestHandler
    return make_server(host, port, app, threaded=True, request_handler=handler)
