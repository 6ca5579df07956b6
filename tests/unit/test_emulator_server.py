"""What moto's server process loads before it serves (`tapsim.emulator.server`): the same
answers, without work that every request repeated for nothing."""

from __future__ import annotations

import logging
import os

from moto import backends
from werkzeug._internal import _log

from tapsim.emulator import moto_quiet, server


def test_the_server_process_loads_the_quieting_before_moto_starts() -> None:
    assert server._MOTO.index("tapsim.emulator.moto_quiet") < server._MOTO.index("main(")


def test_motos_modules_are_listed_once_and_as_moto_lists_them(monkeypatch) -> None:
    calls = []
    listdir = os.listdir
    monkeypatch.setattr(backends.os, "listdir", lambda p: calls.append(p) or listdir(p))
    moto_quiet._modules.cache_clear()
    found = [backends.list_of_moto_modules() for _ in range(3)]
    assert len(calls) == 1
    assert found[0] == set(moto_quiet._listed()) >= {"ec2", "ecs", "rds", "sts"}


def test_requests_are_not_logged_line_by_line(capsys) -> None:
    """werkzeug turns its logger on at INFO at its first line, unless a level is set."""
    _log("info", "%s", "GET / 200")
    assert not logging.getLogger("werkzeug").isEnabledFor(logging.INFO)
    assert "GET / 200" not in capsys.readouterr().err
