"""Session-wide synthesis: each real stack file is run once under mocks and shared."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tapsim.emulator import Server
from tapsim.fake_cloud import FakeCloud
from tapsim.runner import PROJECT_DIR, RunResult, run_program, stack_config

STACKS = ("dev", "staging", "prod")
EPHEMERAL = "pr1234"


def synth(
    stack: str,
    *,
    config: dict | None = None,
    suffix: str | None = None,
    zone_count: int = 4,
) -> RunResult:
    """Runs the program for `stack` with optional config overrides (for one-off variants)."""
    region = {**stack_config(stack), **(config or {})}["aws:region"]
    return run_program(
        stack, FakeCloud(region, zone_count=zone_count), config=config, environment_suffix=suffix
    )


ASG = {"tap:compute": "asg"}


@pytest.fixture(scope="session")
def synthesized() -> dict[str, RunResult]:
    """dev, staging, prod from their stack files, an ephemeral dev copy named pr1234, and
    each tier again on the EC2 Auto Scaling runtime (`<tier>-asg`)."""
    runs = {name: synth(name) for name in STACKS}
    runs[EPHEMERAL] = synth("dev", suffix=EPHEMERAL)
    runs.update({f"{name}-asg": synth(name, config=ASG) for name in STACKS})
    return runs


@pytest.fixture(params=[*STACKS, EPHEMERAL])
def run(request: pytest.FixtureRequest, synthesized: dict[str, RunResult]) -> RunResult:
    """Each ECS stack; tests that hold for both runtimes take `any_run`."""
    return synthesized[request.param]


@pytest.fixture(params=[*STACKS, EPHEMERAL, *(f"{name}-asg" for name in STACKS)])
def any_run(request: pytest.FixtureRequest, synthesized: dict[str, RunResult]) -> RunResult:
    return synthesized[request.param]


@pytest.fixture(params=[f"{name}-asg" for name in STACKS])
def asg_run(request: pytest.FixtureRequest, synthesized: dict[str, RunResult]) -> RunResult:
    return synthesized[request.param]


@pytest.fixture
def dev(synthesized: dict[str, RunResult]) -> RunResult:
    return synthesized["dev"]


@pytest.fixture
def staging(synthesized: dict[str, RunResult]) -> RunResult:
    return synthesized["staging"]


@pytest.fixture
def prod(synthesized: dict[str, RunResult]) -> RunResult:
    return synthesized["prod"]


def suffix_of(run: RunResult) -> str:
    return run.outputs["environmentSuffix"]


_EMULATOR: dict[str, Server] = {}


def pytest_sessionstart(session: pytest.Session) -> None:
    """Starts the emulator at once and warms it while the first tests run (in each worker;
    the coordinating process of a parallel run runs no test and needs none)."""
    coordinator = session.config.getoption("numprocesses", None) and not hasattr(
        session.config, "workerinput"
    )
    if os.environ.get("INTEGRATION_TARGET", "emulator") == "emulator" and not coordinator:
        server = Server()
        regions = {stack_config(p.name.split(".")[1])["aws:region"] for p in _stack_files()}
        server.warm_up(sorted(regions))
        _EMULATOR["server"] = server


def pytest_sessionfinish(session: pytest.Session) -> None:
    if "server" in _EMULATOR:
        _EMULATOR.pop("server").stop()


def _stack_files() -> list[Path]:
    return sorted(PROJECT_DIR.glob("Pulumi.*.yaml"))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """All integration tests share one worker: they share the session's deployments."""
    for item in items:
        if "integration" in item.path.parts:
            item.add_marker(pytest.mark.xdist_group("emulator"))


@pytest.fixture(scope="session")
def emulator() -> Iterator[Server]:
    """The session's emulator, with boto3 in this process pointed at it."""
    server = _EMULATOR["server"]
    with server.environment():
        yield server
