"""The routes: `/`, a short page that touches nothing (the load balancer's default health
check path), and `/health`, the contract in `health`; a WSGI app on the standard library's
server, one thread per request."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping, Sequence
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server
from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

from .health import Check, report

PAGE = b"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>tap sample app</title></head>
<body><h1>tap sample app</h1>
<p>It runs. <a href="/health">/health</a> says whether the database and the cache answer.</p>
</body></html>
"""
READ_METHODS = ("GET", "HEAD")

access_log = logging.getLogger(f"{__package__}.access")


def application(checks: Mapping[str, Check | None]) -> WSGIApplication:
    def app(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        method = environ["REQUEST_METHOD"]
        path = environ.get("PATH_INFO") or "/"
        if path not in ("/", "/health"):
            return _respond(start_response, method, "404 Not Found", "text/plain", b"not found\n")
        if method not in READ_METHODS:
            allow = [("Allow", ", ".join(READ_METHODS))]
            return _respond(start_response, method, "405 Method Not Allowed", "text/plain",
                            b"method not allowed\n", extra=allow)  # fmt: skip
        if path == "/":
            return _respond(start_response, method, "200 OK", "text/html; charset=utf-8", PAGE)
        healthy, statuses = report(checks)
        status = "200 OK" if healthy else "503 Service Unavailable"
        body = json.dumps(statuses, sort_keys=True).encode() + b"\n"
        return _respond(start_response, method, status, "application/json", body)

    return app


def _respond(
    start_response: StartResponse,
    method: str,
    status: str,
    content_type: str,
    body: bytes,
    *,
    extra: Sequence[tuple[str, str]] = (),
) -> list[bytes]:
    headers = [
        ("Content-Type", content_type),
        ("Content-Length", str(len(body))),
        ("Cache-Control", "no-store"),
        *extra,
    ]
    start_response(status, headers)
    return [] if method == "HEAD" else [body]


class ThreadingServer(ThreadingMixIn, WSGIServer):
    """A slow check of one request never holds up another."""

    daemon_threads = True


class LoggingHandler(WSGIRequestHandler):
    """One access-log line per request, through `logging` rather than straight to stderr."""

    def log_message(self, format: str, *args: Any) -> None:
        access_log.info("%s %s", self.address_string(), format % args)


def create_server(app: WSGIApplication, port: int, host: str = "0.0.0.0") -> WSGIServer:
    return make_server(host, port, app, server_class=ThreadingServer, handler_class=LoggingHandler)
