"""Integration targets: the emulator by default, or a real account with INTEGRATION_TARGET=aws.

Against the emulator, each target is deployed when a test first reads it (once per process,
under a random suffix) and destroyed by the teardown tests, or at the end. Against AWS, the
stack that `pulumi up` deployed is found by ENVIRONMENT_SUFFIX in the region from AWS_REGION
or the stack file.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from botocore.exceptions import BotoCoreError, ClientError

from tap_platform.settings import Settings
from tapsim.discovery import Discovered
from tapsim.emulator import Deployment, deploy
from tapsim.examples import Run, all_runs
from tapsim.runner import stack_config, stack_settings

TARGET = os.environ.get("INTEGRATION_TARGET", "emulator")
# The runs deployed into the emulator, by target name: dev on ECS with Aurora, and prod on
# EC2 with plain RDS PostgreSQL (examples/asg-rds.yaml), so that each runtime, each database
# kind and both a protecting and a disposable tier are deployed once (the shared environment
# and its services are deployed by their own module).
EMULATED: dict[str, Run] = {
    name: run for name, run in all_runs().items() if name in ("dev", "asg-rds")
}


@dataclass
class Target:
    """A deployed stack: what its stack file promises, and what the account shows; against
    the emulator also the deployment itself, which the teardown tests destroy last."""

    stack: str
    settings: Settings
    found: Discovered
    deployment: Deployment | None = None


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Update scenarios change a session deployment and teardown tests destroy them, so
    they run after every other test, teardown last."""
    items.sort(
        key=lambda item: (item.path.name == "test_teardown.py", item.path.name == "test_updates.py")
    )


def target_for(
    stack: str, suffix: str, region: str, overrides: dict[str, Any] | None = None
) -> Target:
    settings = stack_settings(stack, config=overrides, suffix=suffix, region=region)
    return Target(stack, settings, Discovered(suffix, region))


def target_names(runtime: str | None, names: tuple[str, ...] | None = None) -> list[str]:
    """Targets for a test module; modules that set RUNTIME see only stacks on that runtime,
    and modules that set TARGETS only those."""
    if TARGET != "emulator":
        return [os.environ.get("STACK", "dev")]
    return [
        name
        for name, run in EMULATED.items()
        if runtime is None or (run.config or {}).get("tap:compute", "ecs") == runtime
        if names is None or name in names
    ]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "target" in metafunc.fixturenames:
        runtime = getattr(metafunc.module, "RUNTIME", None)
        names = getattr(metafunc.module, "TARGETS", None)
        metafunc.parametrize("target", target_names(runtime, names), indirect=True)


class Deployments(dict[str, Target]):
    """Emulated targets, each deployed when first read."""

    def __init__(self, url: str) -> None:
        super().__init__()
        self.url = url

    def __missing__(self, name: str) -> Target:
        run = EMULATED[name]
        deployed = deploy(
            run.stack, self.url, suffix=f"it{secrets.token_hex(3)}", config=run.config
        )
        target = target_for(deployed.stack, deployed.suffix, deployed.region, run.config)
        target.deployment = deployed
        self[name] = target
        return target


@pytest.fixture(scope="session")
def deployments(request: pytest.FixtureRequest) -> Iterator[dict[str, Target]]:
    if TARGET == "aws":
        name = os.environ.get("STACK", "dev")
        yield {name: _aws_target(name)}
        return
    if TARGET != "emulator":
        pytest.fail(f"INTEGRATION_TARGET={TARGET!r}: use 'emulator' or 'aws'")
    targets = Deployments(request.getfixturevalue("emulator").url)
    yield targets
    for target in targets.values():
        if target.deployment is not None:
            target.deployment.destroy()


def _aws_target(stack: str) -> Target:
    suffix = os.environ.get("ENVIRONMENT_SUFFIX")
    region = os.environ.get("AWS_REGION") or stack_config(stack).get("aws:region")
    if not suffix or not region:
        pytest.skip(
            "INTEGRATION_TARGET=aws needs ENVIRONMENT_SUFFIX and AWS_REGION (or a stack file)"
        )
    try:
        boto3.client("sts", region_name=region).get_caller_identity()
    except (BotoCoreError, ClientError) as err:
        pytest.skip(f"AWS account unreachable: {err}")
    return target_for(stack, suffix, region)


@pytest.fixture
def target(request: pytest.FixtureRequest, deployments: dict[str, Target]) -> Target:
    return deployments[request.param]
