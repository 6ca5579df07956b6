"""The app as a container runs it: built once from its environment, then asked for pages
through WSGI, so whatever it keeps between requests is kept here too."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from wsgiref.types import WSGIApplication
from wsgiref.util import setup_testing_defaults

from app.sample_app.aws import Aws
from app.sample_app.config import load
from app.sample_app.credentials import SecretsClient, TokenSigner
from app.sample_app.health import build_checks
from app.sample_app.web import application

from .fakes import RecordingSigner


@dataclass(frozen=True)
class Response:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass(frozen=True)
class RunningApp:
    wsgi: WSGIApplication

    def get(self, path: str, method: str = "GET") -> Response:
        return call(self.wsgi, path, method)

    def health(self) -> tuple[int, dict[str, str]]:
        response = self.get("/health")
        return response.status, response.json()


def start_app(
    env: Mapping[str, str],
    secrets: Callable[[], SecretsClient],
    signer: TokenSigner | None = None,
) -> RunningApp:
    aws = Aws(secrets=secrets, sign_db_token=signer or RecordingSigner("unused"))
    return RunningApp(application(build_checks(load(env), aws)))


def call(app: WSGIApplication, path: str, method: str = "GET") -> Response:
    environ: dict[str, Any] = {}
    setup_testing_defaults(environ)
    environ.update(PATH_INFO=path, REQUEST_METHOD=method)
    started: list[tuple[str, list[tuple[str, str]]]] = []

    def start_response(
        status: str, headers: list[tuple[str, str]], exc_info: Any = None
    ) -> Callable[[bytes], object]:
        started.append((status, headers))
        return lambda _: None

    body = b"".join(app(environ, start_response))
    status, headers = started[0]
    return Response(int(status.split()[0]), dict(headers), body)
