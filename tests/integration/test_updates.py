"""Day 2 in the emulator: later `pulumi up`s of the session's dev stack, each applied as the
engine would (keep, update, replace, create, delete) with moto enforcing names and use.
They run after every other test of the stack and before its teardown, which destroys what
they leave."""

from __future__ import annotations

from collections import Counter

import pytest

from tapsim.emulator.update import update
from tests.integration.conftest import TARGET

pytestmark = pytest.mark.skipif(TARGET != "emulator", reason="played in the emulator only")
TARGETS = ("dev",)
IMAGE = "public.ecr.aws/docker/library/python:3.13-alpine"
TASK = "aws:ecs/taskDefinition:TaskDefinition"


def changes(steps) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for action, typ, _name in steps:
        if action != "keep":
            found.setdefault(action, set()).add(typ)
    return found


def test_later_ups_change_what_they_should_and_keep_the_rest(target) -> None:
    deployment = target.deployment
    service = {"image": IMAGE}

    steps, deployment = update(deployment)
    assert changes(steps) == {}, "the same program twice must change nothing"

    service = {**service, "environment": {"FEATURE": "on"}, "cpu": 512, "memory": 1024}
    steps, deployment = update(deployment, config={"tap:service": service})
    moved = {"aws:ecs/service:Service", "aws:codebuild/project:Project"}
    assert changes(steps) == {"replace": {TASK}, "update": moved}

    steps, deployment = update(deployment, config={"tap:service": service, "tap:compute": "asg"})
    switched = changes(steps)
    assert "aws:lb/targetGroup:TargetGroup" in switched["replace"]
    assert "aws:autoscaling/group:Group" in switched["create"]
    assert "aws:ecs/service:Service" in switched["delete"]
    kept = {typ for action, typ, name in steps if action == "keep" and name == "app-logs-group"}
    assert kept == {"aws:cloudwatch/logGroup:LogGroup"}
    assert Counter(a for a, _, _ in steps)["keep"] > 80
    target.deployment = deployment  # the switch back is planned in the unit suite
