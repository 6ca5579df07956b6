"""How a process of tapsim sets itself up: a garbage collector relaxed for the runs it holds,
environment variables set for a while, and a server that ends with the process that started
it. Light on purpose (the standard library only): a
test session's coordinating process and the emulator's server process import it without the
Pulumi SDK."""

from __future__ import annotations

import ast
import atexit
import gc
import os
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

GC_THRESHOLDS = (100_000, 50, 50)
# The process a server was started by, so that it ends with it (`exit_with_parent`).
PARENT_ENV_VAR = "TAPSIM_PARENT_PID"


def relax_garbage_collection() -> None:
    """For processes that synthesize or deploy: a run holds hundreds of thousands of small
    objects (outputs, futures, inputs), and Python's cyclic collector walks all that are
    alive again and again; measured, it was 40 % of the unit suite. Objects are still freed by
    reference counting; only cycles wait longer. Everything alive so far is frozen out of
    the collector's view. `ast.parse` is made safe from the collector (`parse_without_gc`).
    At exit, what the process holds then is frozen too: the interpreter's last collections
    would walk the runs once more (measured, most of a second after a service's suite).
    Once per process: a later call would freeze the garbage of the runs made since."""
    if relaxed():
        return
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)
    ast.parse = parse_without_gc
    atexit.register(gc.freeze)


def relaxed() -> bool:
    """Whether this process relaxed its garbage collection (it synthesized or deployed)."""
    return ast.parse is parse_without_gc


# The parser itself, taken before `relax_garbage_collection` wraps it.
_ast_parse = ast.parse


def parse_without_gc(*args: Any, **kwargs: Any) -> Any:
    """`ast.parse` with the cyclic collector paused. In CPython 3.11 a collection that runs
    mid-parse can call a finalizer that parses too (an abandoned asyncio future whose
    traceback is printed: 3.11's traceback formatting parses each source line for its
    carets), and the outer parse then fails with "SystemError: AST constructor recursion
    depth mismatch" (python/cpython#106905). pytest parses when it reports a failure, so a
    failing test of a busy run could end the worker instead."""
    paused = gc.isenabled()
    gc.disable()
    try:
        return _ast_parse(*args, **kwargs)
    finally:
        if paused:
            gc.enable()


@contextmanager
def environment_overrides(overrides: Mapping[str, str | None]) -> Iterator[None]:
    """Sets (or, for None, removes) environment variables, restoring them afterwards."""
    saved = {k: os.environ.get(k) for k in overrides}
    try:
        _set_environment(overrides)
        yield
    finally:
        _set_environment(saved)


def _set_environment(values: Mapping[str, str | None]) -> None:
    for key, value in values.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


def exit_with_parent(parent: int, interval: float = 1.0) -> None:
    """Ends this process once `parent`, which started it, is gone, however it went: SIGTERM
    to `make local KEEP=1`, SIGKILL, a crash or a killed test run. Those give no chance to
    stop a server, and the server would keep its port and memory until someone found it."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(interval)
        os._exit(0)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()
