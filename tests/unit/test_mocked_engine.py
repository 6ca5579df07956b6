"""The engine a program runs against offline (`tapsim.runner.mocked_engine`), which a whole
stack (`run_program`) and a component alone (`tapsim.alone.build_alone`) share.

At each registration the SDK walks the Python stack to tell the engine where the resource was
declared. Mocks never read that, and under pytest's deep stack the walk took about a tenth of
the unit suite's CPU time, most of it in the components built alone. Both runs leave it out, and
put the SDK back as it was when they end."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pulumi.runtime.resource as sdk_resource
import pytest

from tapsim.alone import build_alone
from tapsim.fake_cloud import FakeCloud
from tapsim.runner import RunResult, run_program

TOPIC = "aws:sns/topic:Topic"


@pytest.fixture
def walks(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every stack walk the SDK makes from here on."""
    made: list[str] = []
    original = sdk_resource._get_stack_trace

    def walk() -> object:
        made.append("walk")
        return original()

    monkeypatch.setattr(sdk_resource, "_get_stack_trace", walk)
    return made


def a_topic() -> object:
    import pulumi_aws as aws

    return aws.sns.Topic("alerts")


def tiny_project(root: Path) -> Path:
    (root / "Pulumi.yaml").write_text("name: tiny\nruntime: python\nmain: main.py\n")
    (root / "Pulumi.alone.yaml").write_text("config:\n  aws:region: us-east-1\n")
    (root / "main.py").write_text(
        "import pulumi\nimport pulumi_aws as aws\n\n"
        "pulumi.export('arn', aws.sns.Topic('alerts').arn)\n"
    )
    return root


RUNS: dict[str, Callable[[Path], RunResult]] = {
    "a component alone": lambda _: build_alone(a_topic),
    "a whole program": lambda root: run_program(
        "alone", FakeCloud("us-east-1"), project_dir=tiny_project(root)
    ),
}


@pytest.mark.parametrize("runs", RUNS)
def test_registrations_skip_the_sdks_stack_walk_and_the_sdk_is_restored_after(
    runs: str, walks: list[str], tmp_path: Path
) -> None:
    run = RUNS[runs](tmp_path)
    assert [r.name for r in run.of_type(TOPIC)] == ["alerts"]
    assert walks == []
    sdk_resource._get_stack_trace()
    assert walks == ["walk"], "the SDK's own walk is back once the run ends"
