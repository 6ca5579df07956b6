"""A failing test's report must not end its worker: in CPython 3.11 a garbage collection
that runs mid-`ast.parse` and reaches a finalizer that parses too breaks the outer parse
(python/cpython#106905); the test processes and the tools parse with the collector paused,
on every Python the project supports, since pausing costs nothing."""

from __future__ import annotations

import ast
import atexit
import gc
import sys
from types import SimpleNamespace

from tapsim import fake_cloud, runner
from tests import conftest

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
    assert ast.parse is runner.parse_without_gc
    assert parse_amid_garbage(ast.parse) == 0


def test_the_plain_parser_fails_on_311_so_the_guard_is_needed_there() -> None:
    """3.12 and 3.13 parse safely; when no supported Python fails, the guard can go."""
    assert (parse_amid_garbage(runner._ast_parse) > 0) == (sys.version_info < (3, 12))


def test_a_services_suite_synthesizes_with_the_collector_relaxed(monkeypatch) -> None:
    """A service's own suite calls `synthesize` without the platform's conftest: the first
    call relaxes the collector there too, which halves that suite's time, and freezes what
    the process holds when it exits, so the interpreter's last collections skip it."""
    at_exit: list[object] = []
    monkeypatch.setattr(ast, "parse", runner._ast_parse)
    monkeypatch.setattr(fake_cloud, "run_program", lambda *args, **kwargs: None)
    monkeypatch.setattr(atexit, "register", at_exit.append)
    thresholds = gc.get_threshold()
    gc.set_threshold(700, 10, 10)
    try:
        fake_cloud.synthesize("dev-env")
        assert gc.get_threshold() == runner.GC_THRESHOLDS
        assert ast.parse is runner.parse_without_gc
        assert at_exit == [gc.freeze]
    finally:
        gc.set_threshold(*thresholds)


def test_each_test_process_freezes_what_it_holds_before_pytests_last_collection(
    monkeypatch, request
) -> None:
    """pytest collects garbage once more at the end, to report unraisable exceptions: with
    the session's runs frozen out of its view first, a worker ends in a fraction of the
    time, and the run ends sooner."""
    frozen: list[bool] = []
    monkeypatch.setattr(gc, "freeze", lambda: frozen.append(True))
    conftest.pytest_unconfigure(SimpleNamespace(workerinput={}))  # type: ignore[arg-type]
    assert frozen == [True]
    # pluggy calls the implementations last to first.
    order = [i.plugin_name for i in request.config.hook.pytest_unconfigure.get_hookimpls()]
    (ours,) = [n for n in order if n.endswith("tests/conftest.py")]
    assert order.index(ours) > order.index("unraisableexception")
