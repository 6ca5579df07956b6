"""The routes and the server, without the data tier: `/` touches nothing, `/health` of a
stack that holds no database and no cache is healthy, and `python -m sample_app` serves."""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest

from app.sample_app import __main__ as entry
from app.sample_app.web import ThreadingServer, application, create_server

from .fakes import FakeSecrets
from .harness import call, start_app


def test_the_page_touches_neither_part() -> None:
    def fail() -> None:
        raise AssertionError("/ must not check anything")

    response = call(application({"database": fail, "cache": fail}), "/")
    assert response.status == 200
    assert response.headers["Content-Type"].startswith("text/html")
    assert b"/health" in response.body


def test_parts_the_stack_does_not_hold_are_absent_and_healthy() -> None:
    app = start_app({}, FakeSecrets)
    assert app.health() == (200, {"database": "absent", "cache": "absent"})


def test_head_answers_without_a_body_and_other_paths_and_methods_are_refused() -> None:
    app = start_app({}, FakeSecrets)
    head = app.get("/health", "HEAD")
    assert (head.status, head.body) == (200, b"")
    assert int(head.headers["Content-Length"]) > 0
    assert app.get("/missing").status == 404
    posted = app.get("/health", "POST")
    assert (posted.status, posted.headers["Allow"]) == (405, "GET, HEAD")


@pytest.fixture
def served() -> Iterator[int]:
    server = create_server(application({"database": None, "cache": None}), 0, host="127.0.0.1")
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield server.server_port
    server.shutdown()
    server.server_close()
    thread.join(5)


def test_the_server_answers_over_http(served: int, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("INFO")
    base = f"http://127.0.0.1:{served}"
    with urllib.request.urlopen(f"{base}/health", timeout=5) as response:
        assert json.load(response) == {"cache": "absent", "database": "absent"}
    with pytest.raises(urllib.error.HTTPError) as missing:
        urllib.request.urlopen(f"{base}/nothing", timeout=5)
    assert missing.value.code == 404
    missing.value.close()
    deadline = time.monotonic() + 5
    while '"GET /nothing HTTP/1.1" 404' not in caplog.text:  # logged once the reply is sent
        assert time.monotonic() < deadline, caplog.text
        time.sleep(0.01)


def test_main_serves_on_the_port_given_with_the_stacks_settings(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    served: list[int] = []
    monkeypatch.setattr(
        ThreadingServer, "serve_forever", lambda self: served.append(self.server_port)
    )
    entry.main(["0"], {"AWS_REGION": "eu-west-1"})
    assert len(served) == 1
    assert served[0] > 0
