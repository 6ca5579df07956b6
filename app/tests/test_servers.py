"""The test servers themselves: the session's tools reach PostgreSQL's plaintext port the
way they are meant to, without the cost of TLS they do not use."""

from __future__ import annotations

import ssl

import pytest

from .conftest import Served
from .servers import Postgres

pytestmark = pytest.mark.xdist_group("app")


def test_the_admin_connection_asks_the_plaintext_server_for_no_tls(
    postgres: Served[Postgres], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each admin statement connects anew; building a TLS context there loaded the machine's
    CA store every time, about a second of each test run."""

    def refuse(*args: object, **kwargs: object) -> ssl.SSLContext:
        raise AssertionError("the admin connection built a TLS context")

    monkeypatch.setattr(ssl, "create_default_context", refuse)
    postgres.server.run("SELECT 1")
