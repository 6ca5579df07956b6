"""Session-wide synthesis: each real stack file is run once under mocks and shared."""

from __future__ import annotations

import pytest

from tapsim.fake_cloud import FakeCloud
from tapsim.runner import RunResult, run_program, stack_config

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


@pytest.fixture(scope="session")
def synthesized() -> dict[str, RunResult]:
    """dev, staging, prod from their stack files, and an ephemeral dev copy named pr1234."""
    runs = {name: synth(name) for name in STACKS}
    runs[EPHEMERAL] = synth("dev", suffix=EPHEMERAL)
    return runs


@pytest.fixture(params=[*STACKS, EPHEMERAL])
def run(request: pytest.FixtureRequest, synthesized: dict[str, RunResult]) -> RunResult:
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
