"""What a test session's processes do before the tests run. The coordinating process starts
the workers as soon as it can: importing the Pulumi SDK, the settings models or boto3 first
would keep a core idle for half a second, so the workers import them, and the emulator's
warm-up thread in the coordinator. Every other process relaxes its garbage collector for
the runs it will hold (`tapsim.process.relax_garbage_collection`)."""

from __future__ import annotations

import subprocess
import sys

from tapsim.project import PROJECT_DIR

HEAVY = ("pulumi", "pulumi_aws", "pydantic", "boto3", "tap_platform.settings", "cryptography")


def python(code: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=PROJECT_DIR, capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


def test_the_coordinating_process_imports_no_sdk_settings_or_boto3_before_the_workers() -> None:
    """What it imports: the conftests, and the emulator's server, which it starts."""
    loaded = python(
        "import sys, tests.conftest, app.tests.conftest, tapsim.emulator.server\n"
        f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))"
    )
    assert loaded == "[]"


def test_a_process_that_runs_tests_relaxes_its_garbage_collector_when_configured() -> None:
    relaxed = python(
        "from types import SimpleNamespace\n"
        "import tests.conftest\n"
        "from tapsim.process import relaxed\n"
        "before = relaxed()\n"
        "plugins = SimpleNamespace(has_plugin=lambda name: False)\n"
        "tests.conftest.pytest_configure(SimpleNamespace(pluginmanager=plugins))\n"
        "print(before, relaxed())"
    )
    assert relaxed == "False True"
