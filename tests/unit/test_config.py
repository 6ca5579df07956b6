"""Settings: tier defaults, overrides, and a clear error for every bad value."""

from __future__ import annotations

import pytest

from lib.config import TIER_DEFAULTS, SettingsError, load_settings
from tapsim.fake_cloud import FakeCloud
from tapsim.runner import run_program
from tests.conftest import CERT


def settings(values: dict, *, env: dict | None = None, stack: str = "dev", region="us-east-1"):
    return load_settings(values, project="tap", stack=stack, region=region, env=env or {})


def test_tier_defaults_apply_when_the_stack_file_is_silent() -> None:
    for tier in TIER_DEFAULTS:
        s = settings({"environment": tier}, stack=tier)
        assert s.environment == tier
        assert s.network.az_count == TIER_DEFAULTS[tier]["network"]["azCount"]
        assert s.service.cpu == TIER_DEFAULTS[tier]["service"]["cpu"]


def test_nested_override_keeps_the_other_defaults() -> None:
    s = settings({"environment": "prod", "network": {"cidr": "10.9.0.0/16"}}, stack="prod")
    assert s.network.cidr == "10.9.0.0/16"
    assert s.network.nat_strategy == "perAz"
    assert s.network.az_count == 3


def test_settings_are_immutable() -> None:
    s = settings({"environment": "dev"})
    with pytest.raises(ValueError, match="frozen"):
        s.network.az_count = 5  # type: ignore[misc]


@pytest.mark.parametrize(
    ("env", "values", "expected"),
    [
        ({"ENVIRONMENT_SUFFIX": "team"}, {"environmentSuffix": "team"}, "team"),
        ({}, {"environmentSuffix": "team"}, "team"),
        ({"ENVIRONMENT_SUFFIX": "dev"}, {}, "dev"),
        ({}, {}, "dev"),
    ],
)
def test_suffix_is_the_setting_else_the_stack_name(env, values, expected) -> None:
    assert settings({"environment": "dev", **values}, env=env).environment_suffix == expected


def test_a_stray_environment_suffix_cannot_rename_a_deployed_stack() -> None:
    """Every physical name carries the suffix: another one replaces every resource."""
    with pytest.raises(SettingsError, match=r"ENVIRONMENT_SUFFIX='pr1' would rename.*'prod'"):
        settings({"environment": "prod"}, env={"ENVIRONMENT_SUFFIX": "pr1"}, stack="prod")


BAD_INPUT = [
    ({"network": {"cidr": "10.0.0.0/33"}}, "tap:network.cidr = '10.0.0.0/33'"),
    ({"network": {"cidr": "10.0.0.1/16"}}, "tap:network.cidr = '10.0.0.1/16'"),
    ({"network": {"cidr": "10.0.0.0/24"}}, "prefix must be /16 to /22"),
    ({"network": {"cidr": "54.0.0.0/16"}}, "private"),
    ({"network": {"azCount": 1}}, "tap:network.azCount = 1"),
    ({"network": {"azCount": 7}}, "tap:network.azCount = 7"),
    ({"network": {"natStrategy": "two"}}, "tap:network.natStrategy = 'two'"),
    ({"network": {"flowLogRetentionDays": 10}}, "tap:network.flowLogRetentionDays = 10"),
    ({"network": {"cidrr": "10.0.0.0/16"}}, "tap:network.cidrr"),
    ({"service": {"desiredCount": 5}}, "desiredCount 5 must lie between minCount 1 and maxCount 2"),
    ({"service": {"memory": 4096}}, "memory 4096 does not fit cpu 256"),
    ({"service": {"cpu": 300}}, "cpu 300 is not a Fargate size"),
    ({"service": {"port": 80}}, "tap:service.port = 80"),
    ({"service": {"environment": {"BAD-NAME": "x"}}}, "tap:service.environment.BAD-NAME"),
    ({"loadBalancer": {"ingressCidrs": ["10.0.0.0/8", "nope"]}}, "tap:loadBalancer.ingressCidrs.1"),
    ({"loadBalancer": {"healthCheckPath": "health"}}, "tap:loadBalancer.healthCheckPath"),
    ({"loadBalancer": {"sslPolicy": "ELBSecurityPolicy-2016-08"}}, "tap:loadBalancer.sslPolicy"),
    ({"certificateArn": "arn:aws:iam::111122223333:server-certificate/x"}, "tap:certificateArn"),
    ({"certificateArn": CERT.replace("us-east-1", "eu-west-1")}, "must be in the stack's region"),
    ({"environmentSuffix": "PR-1"}, "tap:environmentSuffix (or ENVIRONMENT_SUFFIX) = 'PR-1'"),
    ({"environmentSuffix": "a" * 21}, "at most 20 characters"),
    ({"environmentSuffix": "pr--1"}, "must not contain '--'"),
    ({"environmentSuffix": "pr1-"}, "tap:environmentSuffix"),
    ({"tags": {"Environment": "x"}}, "set by the stack itself"),
    ({"tags": {"aws:owner": "x"}}, "not aws:*"),
    ({"instances": {"instanceType": "large"}}, "tap:instances.instanceType = 'large'"),
    ({"pipeline": {"repository": "acme/app"}}, "connectionArn and repository go together"),
    (
        {"pipeline": {"connectionArn": "arn:aws:s3:::x", "repository": "a/b"}},
        "tap:pipeline.connectionArn",
    ),
    ({"pipeline": {"computeType": "HUGE"}}, "tap:pipeline.computeType = 'HUGE'"),
    ({"alarms": {"email": "not-an-email"}}, "tap:alarms.email = 'not-an-email'"),
    ({"alarms": {"cpuPercent": 120}}, "tap:alarms.cpuPercent = 120"),
    ({"compute": "lambda"}, "tap:compute = 'lambda'"),
    ({"netwrok": {}}, "unknown setting(s) tap:netwrok"),
    ({"deletionProtection": "maybe"}, "tap:deletionProtection = 'maybe'"),
    ({"database": {"engine": "oracle"}}, "tap:database.engine = 'oracle'"),
    (
        {"database": {"engineVersion": "9.6"}},
        "engineVersion '9.6' is not a aurora-postgresql version: give a major",
    ),
    ({"database": {"engine": "mysql", "engineVersion": "16.4"}}, "8.0 or 8.4, or an exact version"),
    ({"database": {"masterUsername": "postgres"}}, "masterUsername 'postgres' is reserved"),
    ({"database": {"masterUsername": "1user"}}, "tap:database.masterUsername = '1user'"),
    ({"database": {"minCapacity": 8, "maxCapacity": 4}}, "minCapacity 8.0 exceeds maxCapacity"),
    ({"database": {"maxCapacity": 2.3}}, "steps of 0.5 ACU"),
    ({"database": {"engine": "postgres", "serverless": True}}, "serverless applies to Aurora"),
    ({"database": {"rotationDays": 30}}, "rotationDays needs rotationLambdaArn"),
    ({"database": {"port": 80}}, "tap:database.port = 80"),
    ({"database": {"backupRetentionDays": 0}}, "tap:database.backupRetentionDays = 0"),
    ({"cache": {"engine": "memcached"}}, "tap:cache.engine = 'memcached'"),
    ({"cache": {"nodeType": "t3.micro"}}, "tap:cache.nodeType = 't3.micro'"),
    ({"cache": {"replicas": 6}}, "tap:cache.replicas = 6"),
    ({"storage": {"secretRecoveryWindowDays": 3}}, "must be 0 (delete at once) or 7-30"),
    ({"storage": {"kmsDeletionWindowDays": 5}}, "tap:storage.kmsDeletionWindowDays = 5"),
]


@pytest.mark.parametrize(("override", "message"), BAD_INPUT)
def test_bad_input_names_the_setting(override: dict, message: str) -> None:
    with pytest.raises(SettingsError) as caught:
        settings({"environment": "dev", **override})
    assert message in str(caught.value)


def test_unknown_tier_lists_the_allowed_ones() -> None:
    with pytest.raises(SettingsError, match=r"tap:environment = 'qa': must be one of dev, staging"):
        settings({"environment": "qa"})


def test_prod_needs_three_azs() -> None:
    with pytest.raises(SettingsError, match=r"tap:network.azCount = 2: prod needs at least 3"):
        settings({"environment": "prod", "network": {"azCount": 2}}, stack="prod")


def test_region_is_required() -> None:
    with pytest.raises(SettingsError, match="aws:region is not set"):
        settings({"environment": "dev"}, region=None)


def test_certificate_in_region_enables_https() -> None:
    s = settings({"environment": "dev", "certificateArn": CERT})
    assert s.https


class CountingCloud(FakeCloud):
    def __init__(self, region: str, **kwargs) -> None:
        super().__init__(region, **kwargs)
        self.created: list[str] = []

    def new_resource(self, args):
        self.created.append(args.typ)
        return super().new_resource(args)


def test_bad_stack_config_fails_before_any_resource_is_registered() -> None:
    cloud = CountingCloud("us-east-1")
    with pytest.raises(SettingsError, match=r"tap:network\.cidr"):
        run_program("dev", cloud, config={"tap:network": {"cidr": "10.0.0.0/8"}})
    assert cloud.created == []


def test_az_count_above_what_the_region_offers_fails_before_aws_resources() -> None:
    cloud = CountingCloud("us-west-2")
    with pytest.raises(SettingsError, match=r"azCount = 5: region us-west-2 offers only 4"):
        run_program("prod", cloud, config={"tap:network": {"azCount": 5}})
    assert cloud.created == ["pulumi:providers:aws"]


def test_stack_config_objects_reach_the_program_as_pulumi_passes_them(custom) -> None:
    task = custom.one("aws:ecs/taskDefinition:TaskDefinition")
    assert '"LOG_LEVEL"' in task.inputs["containerDefinitions"]


def test_choosing_another_engine_brings_its_version_port_and_mode() -> None:
    s = settings({"environment": "dev", "database": {"engine": "mysql"}})
    assert (s.database.engine_version, s.database.port, s.database.serverless) == (
        "8.0",
        3306,
        False,
    )
    assert s.database.family == "mysql8.0"
    pinned = settings({"environment": "dev", "database": {"engine": "mysql", "port": 3307}})
    assert pinned.database.port == 3307
    exact = settings({"environment": "dev", "database": {"engineVersion": "16.4"}})
    assert (exact.database.engine_version, exact.database.family) == ("16.4", "aurora-postgresql16")


@pytest.mark.parametrize(
    ("instance_type", "architecture"),
    [
        ("t3.micro", "x86_64"),
        ("t4g.small", "arm64"),
        ("m7gd.large", "arm64"),
        ("c7gn.xlarge", "arm64"),
        ("g5.xlarge", "x86_64"),
        ("m7i-flex.large", "x86_64"),
    ],
)
def test_instance_architecture_follows_the_type(instance_type, architecture) -> None:
    s = settings(
        {"environment": "dev", "compute": "asg", "instances": {"instanceType": instance_type}}
    )
    assert s.instances.architecture == architecture
