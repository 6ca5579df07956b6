"""What a test session's processes do before the tests run. The coordinating process starts
the workers as soon as it can: importing the Pulumi SDK, the settings models or boto3 first
would keep a core idle for half a second, so the workers import them, and the emulator's
warm-up thread in the coordinator. Every process relaxes its garbage collector
(`tapsim.process.relax_garbage_collection`): the workers for the runs they will hold, the
coordinator for the reports."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tapsim.project import PROJECT_DIR
from tests.conftest import SYNTH_CACHE_ENV_VAR, URL_ENV_VAR

HEAVY = ("pulumi", "pulumi_aws", "pydantic", "boto3", "tap_platform.settings", "cryptography")


def python(code: str) -> str:
    """Runs `code` in a new process, out of this session: without the variables through which
    the coordinator shares its synthesis cache and emulator, which the code may clear."""
    env = {k: v for k, v in os.environ.items() if k not in (SYNTH_CACHE_ENV_VAR, URL_ENV_VAR)}
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=PROJECT_DIR, env=env, capture_output=True, text=True,
        check=True,
    )  # fmt: skip
    return done.stdout.strip()


def test_the_coordinating_process_imports_no_sdk_settings_or_boto3_before_the_workers() -> None:
    """What it imports: the conftests (the sample app's when the app is the sample, in
    Python), and the emulator's server, which it starts."""
    conftests = ["tests.conftest"]
    if (PROJECT_DIR / "app" / "tests" / "conftest.py").is_file():
        conftests.append("app.tests.conftest")
    loaded = python(
        f"import sys, {', '.join(conftests)}, tapsim.emulator.server\n"
        f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))"
    )
    assert loaded == "[]"


@pytest.mark.parametrize("coordinator", [False, True], ids=["worker", "coordinator"])
def test_every_process_of_a_session_relaxes_its_garbage_collector_when_configured(
    coordinator: bool,
) -> None:
    """The coordinator too: it holds every test's report to the end, and frozen before
    pytest's last collection and the interpreter's exit, it ends about 0.6 s sooner."""
    relaxed = python(
        "from types import SimpleNamespace\n"
        "import tests.conftest\n"
        "from tapsim.process import relaxed\n"
        "before = relaxed()\n"
        f"plugins = SimpleNamespace(has_plugin=lambda name: {coordinator})\n"
        "config = SimpleNamespace(pluginmanager=plugins, args=['tests/unit'])\n"
        "tests.conftest.pytest_configure(config)\n"
        "tests.conftest.pytest_unconfigure(config)\n"
        "print(before, relaxed())"
    )
    assert relaxed == "False True"
