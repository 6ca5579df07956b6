"""Settings: tier defaults, overrides, and a clear error for every bad value."""

from __future__ import annotations

import pytest

from tap_platform.settings import (
    PATTERN_WORDS,
    TIER_DEFAULTS,
    Settings,
    SettingsError,
    load_settings,
)
from tapsim.examples import load
from tapsim.fake_cloud import FakeCloud
from tapsim.runner import ProgramError, run_program

CERT = load("every-option").config["tap:certificateArn"]


def settings(values: dict, *, env: dict | None = None, stack: str = "dev", region="us-east-1"):
    return load_settings(values, project="tap", stack=stack, region=region, env=env or {})


DOMAIN = {"name": "app.example.com", "zone": "example.com"}


def test_tier_defaults_apply_when_the_stack_file_is_silent() -> None:
    for tier in TIER_DEFAULTS:
        s = settings({"environment": tier, "domain": DOMAIN}, stack=tier)
        assert s.environment == tier
        assert s.network.az_count == TIER_DEFAULTS[tier]["network"]["azCount"]
        assert s.service.cpu == TIER_DEFAULTS[tier]["service"]["cpu"]


def test_nested_override_keeps_the_other_defaults() -> None:
    s = settings(
        {"environment": "prod", "network": {"cidr": "10.9.0.0/16"}, "domain": DOMAIN}, stack="prod"
    )
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


def test_bad_stack_config_fails_before_any_aws_resource_is_registered() -> None:
    """Only the provider, through which the region is asked about the other settings."""
    cloud = CountingCloud("us-east-1")
    with pytest.raises(ProgramError, match=r"tap:network\.cidr"):
        run_program("dev", cloud, config={"tap:network": {"cidr": "10.0.0.0/8"}})
    assert cloud.created == ["pulumi:providers:aws"]


def test_az_count_above_what_the_region_offers_fails_before_aws_resources() -> None:
    cloud = CountingCloud("us-west-2")
    with pytest.raises(ProgramError, match=r"azCount = 5: region us-west-2 offers only 4"):
        run_program("prod", cloud, config={"tap:network": {"azCount": 5}})
    assert cloud.created == ["pulumi:providers:aws"]


def test_stack_config_objects_reach_the_program_as_pulumi_passes_them(every_option) -> None:
    task = every_option.one("aws:ecs/taskDefinition:TaskDefinition")
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
    exact = settings({"environment": "dev", "database": {"engineVersion": "16.9"}})
    assert (exact.database.engine_version, exact.database.family) == ("16.9", "aurora-postgresql16")


@pytest.mark.parametrize("engine", [{}, {"engine": "aurora-mysql"}], ids=["default", "mysql"])
def test_provisioned_aurora_alone_takes_a_class_the_data_api_runs_on(engine) -> None:
    """The tier's burstable class fits plain RDS; the Data API that makes the app's user
    runs on no T class, so `serverless: false` alone brings an R class."""
    s = settings({"environment": "dev", "database": {**engine, "serverless": False}})
    assert s.database.instance_class == "db.r6g.large"
    rds = settings({"environment": "dev", "database": {"engine": "postgres"}})
    assert rds.database.instance_class == TIER_DEFAULTS["dev"]["database"]["instanceClass"]
    given = settings(
        {"environment": "dev", "database": {"serverless": False, "instanceClass": "db.r7g.large"}}
    )
    assert given.database.instance_class == "db.r7g.large"


def test_every_pattern_a_setting_must_match_is_said_in_words() -> None:
    """A message shows what is allowed in words, never the regular expression."""
    found: set[str] = set()

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("pattern"), str):
                found.add(node["pattern"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(Settings.model_json_schema())
    assert len(found) > 10
    assert found <= PATTERN_WORDS.keys(), sorted(found - PATTERN_WORDS.keys())


def test_checks_across_settings_report_with_the_wrong_values_that_hid_them() -> None:
    """A wrong port used to hide the Fargate size, and any wrong section the checks across
    sections: one message now holds them all."""
    with pytest.raises(SettingsError) as caught:
        settings(
            {
                "environment": "prod",
                "service": {"port": 80, "memory": 1536},
                "network": {"azCount": 2},
                "domain": DOMAIN,
            },
            stack="prod",
        )
    message = str(caught.value)
    assert "tap:service.port = 80: must be at least 1024" in message
    assert "tap:service.memory = 1536: does not fit cpu 1024" in message
    assert "tap:network.azCount = 2: prod needs at least 3 AZs" in message


def test_a_check_that_read_a_wrong_setting_is_not_reported() -> None:
    """The tier's cpu stands in for a wrong one, so memory is not judged against it."""
    with pytest.raises(SettingsError) as caught:
        settings({"environment": "dev", "service": {"cpu": "big", "memory": 4096}})
    message = str(caught.value)
    assert "tap:service.cpu = 'big': must be a whole number" in message
    assert "memory" not in message


def test_a_missing_region_and_tier_are_reported_with_the_rest() -> None:
    with pytest.raises(SettingsError) as caught:
        settings({"environment": "qa", "network": {"azCount": 9}}, region=None)
    message = str(caught.value)
    for said in ("aws:region is not set", "tap:environment = 'qa'", "tap:network.azCount = 9"):
        assert said in message
