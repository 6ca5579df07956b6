"""What moto's server process serves (`tapsim.emulator.moto_process`): moto's own answers,
over connections kept alive, without work that every request repeated for nothing."""

from __future__ import annotations

import os
import resource
import socket
import subprocess
import sys
import threading
import time
import types

import botocore.session
from moto import backends

from tapsim.emulator import moto_process, server
from tapsim.process import PARENT_ENV_VAR


def test_the_server_process_serves_motos_application_through_the_module() -> None:
    assert "from tapsim.emulator.moto_process import main" in server._MOTO


def test_motos_modules_are_listed_once_and_as_moto_lists_them(monkeypatch) -> None:
    calls = []
    listdir = os.listdir
    monkeypatch.setattr(backends.os, "listdir", lambda p: calls.append(p) or listdir(p))
    moto_process.list_of_moto_modules.cache_clear()
    found = [backends.list_of_moto_modules() for _ in range(3)]
    assert len(calls) == 1
    assert found[0] == set(moto_process._listed()) >= {"ec2", "ecs", "rds", "sts"}


def test_every_botocore_session_of_the_server_shares_one_model_loader() -> None:
    """moto makes botocore sessions of its own (the Regions of each backend, EC2's zones):
    each new loader read the endpoint table and EC2's model again."""
    loaders = {id(botocore.session.Session().get_component("data_loader")) for _ in range(3)}
    assert len(loaders) == 1


def test_moto_sees_the_raw_request_target_as_under_werkzeug(monkeypatch) -> None:
    """moto matches S3 keys against the target as sent (an encoded slash stays encoded)."""
    seen = {}

    def moto(environ, start_response):
        seen.update(environ)
        return []

    monkeypatch.setattr(moto_process, "DomainDispatcherApplication", lambda _: moto)
    app = moto_process.application()
    app({"REQUEST_URI": "/bucket/a%2Fb", "PATH_INFO": "/bucket/a/b"}, None)
    assert seen["RAW_URI"] == "/bucket/a%2Fb"


HELD = 150


def test_hundreds_of_clients_holding_connections_open_are_all_answered() -> None:
    """Each boto3 client keeps its connections; a session holds about 280 at once, beyond
    waitress's default limit of 100. Both ends are in this process: two descriptors each."""
    moto_process.allow_connections(2 * HELD)
    served = moto_process.server("127.0.0.1", 0)
    threading.Thread(target=served.run, daemon=True).start()
    port = served.socket.getsockname()[1]
    request = (
        b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 43\r\n"
        b"Content-Type: application/x-www-form-urlencoded\r\nAuthorization: AWS4-HMAC-SHA256 "
        b"Credential=testing/20260101/us-east-1/sts/aws4_request, SignedHeaders=host, "
        b"Signature=x\r\n\r\nAction=GetCallerIdentity&Version=2011-06-15"
    )
    held = []
    try:
        for _ in range(HELD):
            connection = socket.create_connection(("127.0.0.1", port), timeout=10)
            held.append(connection)
            connection.sendall(request)
            assert connection.recv(64).startswith(b"HTTP/1.1 200"), len(held)
    finally:
        for connection in held:
            connection.close()
        served.close()


def test_one_model_loader_serves_the_process() -> None:
    """Each new loader scanned botocore's service directories again."""
    from moto.core import utils

    assert utils.create_loader() is utils.create_loader()


def test_the_server_raises_its_open_file_limit_to_hold_its_connections() -> None:
    """macOS starts processes at 256 open files, most Linux machines at 1024."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (256, hard))
    try:
        assert moto_process.allow_connections(1000) == 1000
        assert resource.getrlimit(resource.RLIMIT_NOFILE)[0] >= 1000
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def test_each_response_class_lists_its_methods_once() -> None:
    """moto looks up a request's handler among its response class's methods: listing them
    walked the class with `inspect.getmembers` at every request."""
    from moto.core import responses
    from moto.sts.responses import TokenResponse

    listed = responses.method_names_from_class(TokenResponse)
    assert "get_caller_identity" in listed
    assert responses.method_names_from_class(TokenResponse) is listed


def test_the_server_ends_with_the_process_that_started_it(monkeypatch) -> None:
    """`make local KEEP=1` stopped by SIGTERM (or a killed test run) gets no chance to stop
    moto: the server watches its parent instead (`tapsim.process.exit_with_parent`)."""
    started: dict[str, str] = {}
    monkeypatch.setattr(server.subprocess, "Popen", lambda _, env, **__: started.update(env))
    server.Server(wait=False)
    watched: list[int] = []
    monkeypatch.setattr(moto_process, "exit_with_parent", watched.append)
    monkeypatch.setattr(moto_process, "server", lambda *_: types.SimpleNamespace(run=lambda: None))
    monkeypatch.setenv(PARENT_ENV_VAR, started[PARENT_ENV_VAR])
    moto_process.main(["-p", "0"])
    assert watched == [os.getpid()]


def test_a_watched_parent_killed_outright_ends_the_child() -> None:
    child_code = (
        "import time; from tapsim.process import exit_with_parent; "
        "exit_with_parent(int(__import__('sys').argv[1]), 0.05); time.sleep(30)"
    )
    parent_code = (
        "import os, subprocess, sys\n"
        f"child = subprocess.Popen([sys.executable, '-c', {child_code!r}, str(os.getpid())],"
        " stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n"
        "print(child.pid, flush=True)\n"
        "os.kill(os.getpid(), 9)\n"
    )
    parent = subprocess.run(
        [sys.executable, "-c", parent_code], check=False, capture_output=True, text=True
    )
    child = parent.stdout.split()[0]
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        ps = ["ps", "-o", "stat=", "-p", child]
        state = subprocess.run(ps, check=False, capture_output=True, text=True).stdout.strip()
        if state[:1] in ("", "Z"):  # gone, or a zombie left for init to reap
            return
        time.sleep(0.05)
    raise AssertionError(f"the child {child} outlived its parent")
