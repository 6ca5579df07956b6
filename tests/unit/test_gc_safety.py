"""A failing test's report must not end its worker: in CPython 3.11 a garbage collection
that runs mid-`ast.parse` and reaches a finalizer that parses too breaks the outer parse
(python/cpython#106905); the test processes and the tools parse with the collector paused,
on every Python the project supports, since pausing costs nothing."""

from __future__ import annotations

import ast
import atexit
import gc
import sys
from importlib.metadata import entry_points
from types import SimpleNamespace

import pytest

from tapsim import fake_cloud, process, pytest_plugin

SOURCE = "\n".join(f"def f{i}(a):\n    return [a for _ in range({i})]" for i in range(300))
# Enough parses, garbage and finalizer work to break a plain parse nearly every time, in a
# fraction of a second.
ROUNDS, GARBAGE = 5, 20


class ParsesWhenCollected:
    """Garbage in a cycle whose finalizer parses, as a traceback printed for an abandoned
    asyncio future does in 3.11."""

    def __init__(self) -> None:
        self.me = self

    def __del__(self) -> None:
        ast.parse("x = (1 + (2 * (3 - 4)))\n" * 5)


def parse_amid_garbage(parse) -> int:
    """How many of the parses fail, with cyclic garbage waiting and the youngest generation
    collected eagerly (the older ones, which hold the test process's runs, not at all)."""
    thresholds = gc.get_threshold()
    gc.set_threshold(50, 1_000_000, 1_000_000)
    failures = 0
    try:
        for _ in range(ROUNDS):
            for _ in range(GARBAGE):
                ParsesWhenCollected()
            try:
                parse(SOURCE)
            except SystemError:
                failures += 1
    finally:
        gc.set_threshold(*thresholds)
        gc.collect(0)
    return failures


def test_the_processes_parse_with_the_collector_paused() -> None:
    assert ast.parse is process.parse_without_gc
    assert parse_amid_garbage(ast.parse) == 0


def test_the_plain_parser_fails_on_311_so_the_guard_is_needed_there() -> None:
    """3.12 and 3.13 parse safely; when no supported Python fails, the guard can go."""
    assert (parse_amid_garbage(process._ast_parse) > 0) == (sys.version_info < (3, 12))


def test_a_services_suite_synthesizes_with_the_collector_relaxed(monkeypatch) -> None:
    """A service's own suite calls `synthesize` without the platform's conftest: the first
    call relaxes the collector there too, which halves that suite's time, and freezes what
    the process holds when it exits, so the interpreter's last collections skip it."""
    at_exit: list[object] = []
    monkeypatch.setattr(ast, "parse", process._ast_parse)
    monkeypatch.setattr(fake_cloud, "run_program", lambda *args, **kwargs: None)
    monkeypatch.setattr(atexit, "register", at_exit.append)
    thresholds = gc.get_threshold()
    gc.set_threshold(700, 10, 10)
    try:
        fake_cloud.synthesize("dev-env")
        assert gc.get_threshold() == process.GC_THRESHOLDS
        assert ast.parse is process.parse_without_gc
        assert at_exit == [gc.freeze]
    finally:
        gc.set_threshold(*thresholds)


@pytest.mark.parametrize("synthesized", [True, False], ids=["synthesized", "did-not"])
def test_a_suite_that_synthesized_freezes_what_it_holds_before_pytests_last_collection(
    monkeypatch, synthesized: bool
) -> None:
    """pytest collects garbage once more at the end, to report unraisable exceptions: with
    the runs frozen out of its view first, a worker or a service's suite ends most of a
    second sooner. A suite that never synthesized is left as it is."""
    frozen: list[bool] = []
    monkeypatch.setattr(gc, "freeze", lambda: frozen.append(True))
    monkeypatch.setattr(process, "relaxed", lambda: synthesized)
    pytest_plugin.pytest_unconfigure(SimpleNamespace())  # type: ignore[arg-type]
    assert frozen == ([True] if synthesized else [])


def test_pytest_loads_the_plugin_wherever_the_platform_is_installed(request) -> None:
    """Through the package's `pytest11` entry point, so a service's suite has it too, and
    its hook runs before pytest's last collection (pluggy calls implementations last to
    first)."""
    (entry,) = [e for e in entry_points(group="pytest11") if e.name == "tapsim"]
    assert entry.load() is pytest_plugin
    assert request.config.pluginmanager.get_plugin("tapsim") is pytest_plugin
    order = [i.plugin_name for i in request.config.hook.pytest_unconfigure.get_hookimpls()]
    assert order.index("tapsim") > order.index("unraisableexception")
