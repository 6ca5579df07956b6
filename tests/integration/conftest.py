"""Integration targets: the emulator by default, or a real account with INTEGRATION_TARGET=aws.

Against the emulator, dev and prod are deployed once per session under random suffixes and
destroyed at the end. Against AWS, the stack that `pulumi up` deployed is found by
ENVIRONMENT_SUFFIX in the region from AWS_REGION or the stack file.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass

import boto3
import pytest
from botocore.exceptions import BotoCoreError, ClientError

from lib.config import Settings, load_settings
from tapsim.discovery import Discovered
from tapsim.emulator import Deployment, deploy
from tapsim.runner import read_project, stack_config

TARGET = os.environ.get("INTEGRATION_TARGET", "emulator")
EMULATED_STACKS = ("dev", "prod")


@dataclass
class Target:
    """A deployed stack: what its stack file promises, and what the account shows."""

    stack: str
    settings: Settings
    found: Discovered


def expected_settings(stack: str, suffix: str, region: str) -> Settings:
    values = stack_config(stack)
    tap = {k.split(":", 1)[1]: v for k, v in values.items() if k.startswith("tap:")}
    return load_settings(
        tap,
        project=read_project()["name"],
        stack=stack,
        region=region,
        env={"ENVIRONMENT_SUFFIX": suffix},
    )


def target_for(stack: str, suffix: str, region: str) -> Target:
    return Target(stack, expected_settings(stack, suffix, region), Discovered(suffix, region))


def stack_names() -> tuple[str, ...]:
    return EMULATED_STACKS if TARGET == "emulator" else (os.environ.get("STACK", "dev"),)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "target" in metafunc.fixturenames:
        metafunc.parametrize("target", stack_names(), indirect=True)


@pytest.fixture(scope="session")
def deployments(request: pytest.FixtureRequest) -> Iterator[dict[str, Target]]:
    if TARGET == "aws":
        yield {name: _aws_target(name) for name in stack_names()}
        return
    if TARGET != "emulator":
        pytest.fail(f"INTEGRATION_TARGET={TARGET!r}: use 'emulator' or 'aws'")
    server = request.getfixturevalue("emulator")
    deployed: dict[str, Deployment] = {
        stack: deploy(stack, server.url, suffix=f"it{secrets.token_hex(3)}")
        for stack in EMULATED_STACKS
    }
    yield {s: target_for(s, d.suffix, d.region) for s, d in deployed.items()}
    for deployment in deployed.values():
        deployment.destroy()


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
