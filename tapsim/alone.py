"""Builds one component in an otherwise empty Pulumi program, under mocks, and records it.

A component of the library must stand on its own: built from its own arguments, with no
stack, settings or stack file around it. `build_alone` is how the unit tests show that, and
how a team tries a component before composing it into a stack.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Mapping
from functools import cache
from typing import Any, cast

import pulumi

from tap_platform.naming import Namer
from tap_platform.policies import AwsContext
from tap_platform.shared import SharedEnvironment
from tap_platform.workload import Placement, cache_for, database_for
from tapsim.fake_cloud import TEST_ACCOUNT_ID, FakeCloud
from tapsim.runner import RunResult, mocked_engine, stack_settings

PROJECT, STACK, REGION = "demo", "alone", "us-east-1"
CONTEXT = AwsContext(
    region=REGION, account_id=TEST_ACCOUNT_ID, partition="aws", dns_suffix="amazonaws.com"
)
# The same account in the China (Beijing) Region, whose partition has a domain of its own.
CHINA = AwsContext(
    region="cn-north-1", account_id=TEST_ACCOUNT_ID, partition="aws-cn",
    dns_suffix="amazonaws.com.cn",
)  # fmt: skip
NAMER = Namer(project=PROJECT, suffix="alone")


def build_alone(build: Callable[[], Any], *, region: str = REGION) -> RunResult:
    """Runs `build` as the whole program (no stack file, no settings) and returns what it
    declared; `build` returns the component, whose registered outputs are exported."""
    built: list[Any] = []

    @pulumi.runtime.test
    def program() -> Any:
        built.append(build())
        return pulumi.Output.from_input(True)

    config = {"aws:region": region}
    engine = mocked_engine(FakeCloud(region), project=PROJECT, stack=STACK, config=config)
    with engine as (monitor, engine_log):
        program()
    return RunResult(
        project=PROJECT,
        stack=STACK,
        config=config,
        resources=list(monitor.registrations),
        outputs={},
        secret_outputs=frozenset(),
        warnings=engine_log.warnings,
    )


KEY_ARN = f"arn:aws:kms:{REGION}:{TEST_ACCOUNT_ID}:key/alone"


def app_fields(log_group: Any) -> dict[str, Any]:
    """What every runtime of the app takes (`AppArgs`), as plain values standing in for what
    other components would hand it; `log_group` is a log group made in the same program."""
    from tap_platform.buckets import BucketRef

    bucket = "demo-assets-alone"
    return {
        "namer": NAMER, "aws": CONTEXT, "subnet_ids": ["subnet-a", "subnet-b"],
        "security_group_id": "sg-app", "listeners": [],
        "target_group_arn": f"arn:aws:elasticloadbalancing:{REGION}:{TEST_ACCOUNT_ID}:"
                            "targetgroup/demo/0123456789abcdef",
        "target_group_arn_suffix": "targetgroup/demo/0123456789abcdef",
        "alb_arn_suffix": "app/demo/0123456789abcdef", "image": "public.ecr.aws/demo/app:1",
        "command": None, "port": 8080, "environment": {"MODE": "alone"},
        "secrets": {}, "connect_grants": {}, "kms_key_arn": KEY_ARN,
        "assets": BucketRef(name=bucket, arn=f"arn:aws:s3:::{bucket}", key_arn=KEY_ARN),
        "desired_count": 1, "min_count": 1, "max_count": 2, "cpu_target_percent": 60,
        "requests_per_target": 500, "log_retention_days": 7, "log_group": log_group,
    }  # fmt: skip


def data_tier(stack: str, config: Mapping[str, Any] | None = None) -> RunResult:
    """The stack's database and cache alone, mapped from its stack file (with `config` over
    it) by the stack's own functions (`database_for`, `cache_for`), on stand-ins for the
    network and key: a data-tier change planned at a tenth of the cost of the whole stack.
    The same arguments give the same (shared, read-only) result within a process."""
    return _data_tier(stack, json.dumps(config or {}, sort_keys=True))


@cache
def _data_tier(stack: str, config_json: str) -> RunResult:
    settings = stack_settings(stack, config=json.loads(config_json) or None)
    context = dataclasses.replace(CONTEXT, region=settings.region)
    subnets = [f"subnet-{n}" for n in range(settings.network.az_count)]
    at = Placement(
        namer=Namer(settings.project, settings.environment_suffix), context=context,
        shared=SharedEnvironment(
            vpc_id="vpc-alone", private_subnet_ids=subnets, isolated_subnet_ids=subnets,
            availability_zones=[f"{settings.region}{z}" for z in "abcdef"[: len(subnets)]],
            alb_security_group_id="sg-alb", alb_arn_suffix="app/alone/0", alb_dns_name="alone",
            alarm_topic_arn=None,
        ),
        app_security_group_id="sg-app", target_group=cast(Any, None), routed_by=[],
        key_arn=KEY_ARN, autoscaling_role_arn=None, architecture="arm64",
        buckets=cast(Any, None),
    )  # fmt: skip

    def build() -> list[Any]:
        child = pulumi.ResourceOptions()
        return [
            *([database_for(settings, at, child)] if settings.database.enabled else []),
            *([cache_for(settings, at, child)] if settings.cache.enabled else []),
        ]

    return build_alone(build, region=settings.region)
