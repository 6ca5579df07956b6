"""tapsim's pytest plugin, which pytest loads wherever the platform is installed (the
`pytest11` entry point): the platform's suite and a service's own alike.

A suite that synthesized or deployed holds every run it kept until it ends, and pytest's
last act is a full garbage collection, to report unraisable exceptions, which walks them
all: most of a second at the end of a service's suite. A process that relaxed its collector
(`tapsim.process.relax_garbage_collection`) freezes what it holds first. Garbage left then
is not collected; the process ends soon after.
"""

from __future__ import annotations

import gc
import sys

import pytest


@pytest.hookimpl(tryfirst=True)
def pytest_unconfigure(config: pytest.Config) -> None:
    # Looked up, not imported: a suite that never synthesized never imported it.
    process = sys.modules.get("tapsim.process")
    if process is not None and process.relaxed():
        gc.freeze()
