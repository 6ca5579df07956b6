"""Day 2 in the emulator: later `pulumi up`s of the session's dev stack, each applied as the
engine would (keep, update, replace, create, delete) with moto enforcing names and use.
They run after every other test of the stack and before its teardown, which destroys what
they leave."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from tapsim.emulator.core import EmulatorError
from tapsim.emulator.registry import UPDATERS
from tapsim.emulator.update import refresh, update
from tests.integration.conftest import TARGET

pytestmark = pytest.mark.skipif(TARGET != "emulator", reason="played in the emulator only")
TARGETS = ("dev",)
IMAGE = "public.ecr.aws/docker/library/python:3.13-alpine"
TASK = "aws:ecs/taskDefinition:TaskDefinition"
CLUSTER = "aws:rds/cluster:Cluster"
PARAMETER = "aws:ssm/parameter:Parameter"
DELIVERED = "111122223333.dkr.ecr.us-east-1.amazonaws.com/app:42"


def changes(steps) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for action, typ, _name in steps:
        if action != "keep":
            found.setdefault(action, set()).add(typ)
    return found


def test_automatic_minor_upgrades_leave_nothing_to_change(target) -> None:
    """AWS moves the cluster to a newer minor version in a maintenance window. The stack
    gives a major version, so a refresh reads back no change; a pinned older minor version
    would be a downgrade, which AWS refuses."""
    deployment = target.deployment
    cluster = next(c for c in deployment.cloud.created if c.type == CLUSTER)
    major = cluster.inputs["engineVersion"]
    assert "." not in major
    rds = deployment.cloud.client("rds", deployment.region)
    rds.modify_db_cluster(
        DBClusterIdentifier=cluster.id, EngineVersion=f"{major}.6", ApplyImmediately=True
    )
    assert refresh(deployment) == {}

    context = deployment.cloud.context(deployment.region, cluster.name)
    with pytest.raises(EmulatorError, match=f"Cannot upgrade aurora-postgresql from {major}.6"):
        UPDATERS[CLUSTER](context, cluster.id, {**cluster.inputs, "engineVersion": f"{major}.4"})


def test_later_ups_change_what_they_should_and_keep_the_rest(target) -> None:
    deployment = target.deployment
    service = {"image": IMAGE}

    assert refresh(deployment) == {}, "what AWS reads back must equal what was declared"
    steps, deployment = update(deployment)
    assert changes(steps) == {}, "the same program twice must change nothing"

    # The pipeline delivers: its last stage records the image it deployed.
    parameter = next(c for c in deployment.cloud.created if c.type == PARAMETER)
    ssm = deployment.cloud.client("ssm", deployment.region)
    ssm.put_parameter(Name=parameter.id, Value=DELIVERED, Overwrite=True)

    service = {**service, "environment": {"FEATURE": "on"}, "cpu": 512, "memory": 1024}
    steps, deployment = update(deployment, config={"tap:service": service})
    moved = {"aws:ecs/service:Service", "aws:codebuild/project:Project"}
    assert changes(steps) == {"replace": {TASK}, "update": moved}
    task = next(c for c in deployment.cloud.created if c.type == TASK)
    assert json.loads(task.inputs["containerDefinitions"])[0]["image"] == DELIVERED
    assert ssm.get_parameter(Name=parameter.id)["Parameter"]["Value"] == DELIVERED

    steps, deployment = update(deployment, config={"tap:service": service, "tap:compute": "asg"})
    switched = changes(steps)
    assert "aws:lb/targetGroup:TargetGroup" in switched["replace"]
    assert "aws:autoscaling/group:Group" in switched["create"]
    assert "aws:ecs/service:Service" in switched["delete"]
    kept = {typ for action, typ, name in steps if action == "keep" and name == "app-logs-group"}
    assert kept == {"aws:cloudwatch/logGroup:LogGroup"}
    assert Counter(a for a, _, _ in steps)["keep"] > 80
    target.deployment = deployment  # the switch back is planned in the unit suite
