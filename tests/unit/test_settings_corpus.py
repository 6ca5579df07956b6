"""Every rule a setting can break, one bad value each: the program stops before any AWS
resource with one clean message that names the full key, shows the value and says in words
what is allowed. And valid values at the edges of those rules are accepted."""

from __future__ import annotations

import re

import pytest

from tap_platform import catalog as lib_catalog
from tapsim.examples import load
from tapsim.fake_cloud import FakeCloud
from tapsim.runner import ProgramError, run_program, stack_settings

CERT = load("every-option").config["tap:certificateArn"]

ASG = load("asg").config
PROVISIONED = {"serverless": False}
# (overrides, the key as the message must name it, the value it must show)
BAD = [
    ({"tap:network": {"cidr": "10.0.0.0/33"}}, "tap:network.cidr", "'10.0.0.0/33'"),
    ({"tap:network": {"cidr": "10.0.0.1/16"}}, "tap:network.cidr", "'10.0.0.1/16'"),
    ({"tap:network": {"cidr": "10.0.0.0/24"}}, "tap:network.cidr", "'10.0.0.0/24'"),
    ({"tap:network": {"cidr": "54.0.0.0/16"}}, "tap:network.cidr", "'54.0.0.0/16'"),
    ({"tap:network": {"azCount": 1}}, "tap:network.azCount", "1"),
    ({"tap:network": {"azCount": 7}}, "tap:network.azCount", "7"),
    ({"tap:network": {"natStrategy": "two"}}, "tap:network.natStrategy", "'two'"),
    ({"tap:network": {"flowLogRetentionDays": 10}}, "tap:network.flowLogRetentionDays", "10"),
    ({"tap:network": {"cidrr": "x"}}, "tap:network.cidrr", "'x'"),
    ({"tap:service": {"desiredCount": 5}}, "tap:service.desiredCount", "5"),
    ({"tap:service": {"desiredCount": True}}, "tap:service.desiredCount", "true"),
    ({"tap:alarms": {"responseTimeSeconds": True}}, "tap:alarms.responseTimeSeconds", "true"),
    ({"tap:service": {"memory": 1536}}, "tap:service.memory", "1536"),
    ({"tap:service": {"cpu": 300}}, "tap:service.cpu", "300"),
    ({"tap:service": {"port": 80}}, "tap:service.port", "80"),
    ({"tap:service": {"environment": {"DB_HOST": "x"}}}, "tap:service.environment.DB_HOST", "'x'"),
    (
        {
            "tap:network": {"natStrategy": "none"},
            "tap:database": {"engine": "postgres"},
            "tap:service": {"image": "111122223333.dkr.ecr.us-east-1.amazonaws.com/app:1"},
        },
        "tap:database.engine",
        "'postgres'",
    ),
    (
        {"tap:service": {"secrets": {"DB_USER": "ssm:/u"}}},
        "tap:service.secrets.DB_USER",
        "'ssm:/u'",
    ),
    (
        {"tap:service": {"secrets": {"K": "s3:bucket/key"}}},
        "tap:service.secrets.K",
        "'s3:bucket/key'",
    ),
    (
        {"tap:service": {"secrets": {"K": {"from": "ssm:/k", "key": "alias/x"}}}},
        "tap:service.secrets.K.key",
        "'alias/x'",
    ),
    (
        {"tap:service": {"environment": {"K": "1"}, "secrets": {"K": "ssm:/k"}}},
        "tap:service.secrets.K",
        "'ssm:/k'",
    ),
    ({"tap:service": {"architecture": "ARM"}}, "tap:service.architecture", "'ARM'"),
    ({"tap:service": {"logRetentionDays": 10}}, "tap:service.logRetentionDays", "10"),
    ({"tap:service": {"image": ""}}, "tap:service.image", "''"),
    (
        {"tap:loadBalancer": {"ingressCidrs": ["10.0.0.0/8", "nope"]}},
        "tap:loadBalancer.ingressCidrs.1",
        "'nope'",
    ),
    (
        {"tap:loadBalancer": {"healthCheckPath": "health"}},
        "tap:loadBalancer.healthCheckPath",
        "'health'",
    ),
    (
        {"tap:loadBalancer": {"sslPolicy": "ELBSecurityPolicy-TLS13-1-2-2021-07"}},
        "tap:loadBalancer.sslPolicy",
        "'ELBSecurityPolicy-TLS13-1-2-2021-07'",
    ),
    (
        {"tap:loadBalancer": {"healthCheckIntervalSeconds": 1}},
        "tap:loadBalancer.healthCheckIntervalSeconds",
        "1",
    ),
    ({"tap:certificateArn": "arn:aws:s3:::x"}, "tap:certificateArn", "'arn:aws:s3:::x'"),
    (
        {"tap:certificateArn": CERT.replace("us-east-1", "eu-west-1")},
        "tap:certificateArn",
        repr(CERT.replace("us-east-1", "eu-west-1")),
    ),
    ({"tap:environmentSuffix": "PR-1"}, "tap:environmentSuffix", "'PR-1'"),
    ({"tap:environmentSuffix": "a" * 21}, "tap:environmentSuffix", repr("a" * 21)),
    ({"tap:environmentSuffix": "pr--1"}, "tap:environmentSuffix", "'pr--1'"),
    ({"tap:tags": {"Environment": "x"}}, "tap:tags.Environment", "'x'"),
    ({"tap:tags": {"project": "x"}}, "tap:tags.project", "'x'"),
    ({"tap:tags": {"AWS:owner": "x"}}, "tap:tags.AWS:owner", "'x'"),
    ({"tap:tags": {f"k{i}": "v" for i in range(47)}}, "tap:tags", "{"),
    ({"tap:tags": {"team#1": "x"}}, "tap:tags.team#1", "'x'"),
    ({"tap:tags": {"k" * 128: "x"}}, f"tap:tags.{'k' * 128}", "'x'"),
    ({"tap:instances": {"instanceType": "large"}}, "tap:instances.instanceType", "'large'"),
    (
        {**ASG, "tap:instances": {"instanceType": "t3.mirco"}},
        "tap:instances.instanceType",
        "'t3.mirco'",
    ),
    ({"tap:pipeline": {"repository": "acme/app"}}, "tap:pipeline.repository", "'acme/app'"),
    (
        {"tap:pipeline": {"connectionArn": "arn:aws:s3:::x", "repository": "a/b"}},
        "tap:pipeline.connectionArn",
        "'arn:aws:s3:::x'",
    ),
    ({"tap:pipeline": {"computeType": "HUGE"}}, "tap:pipeline.computeType", "'HUGE'"),
    ({"tap:pipeline": {"logRetentionDays": 2}}, "tap:pipeline.logRetentionDays", "2"),
    ({"tap:alarms": {"email": "not-an-email"}}, "tap:alarms.email", "'not-an-email'"),
    ({"tap:alarms": {"cpuPercent": 120}}, "tap:alarms.cpuPercent", "120"),
    ({"tap:alarms": {"responseTimeSeconds": 0}}, "tap:alarms.responseTimeSeconds", "0"),
    ({"tap:compute": "lambda"}, "tap:compute", "'lambda'"),
    ({"tap:deletionProtection": "maybe"}, "tap:deletionProtection", "'maybe'"),
    ({"tap:netwrok": {}}, "tap:netwrok", "{}"),
    ({"tap:environment": "qa"}, "tap:environment", "'qa'"),
    ({"tap:database": {"engine": "oracle"}}, "tap:database.engine", "'oracle'"),
    ({"tap:database": {"engineVersion": "9.6"}}, "tap:database.engineVersion", "'9.6'"),
    ({"tap:database": {"engineVersion": 16.9}}, "tap:database.engineVersion", "16.9"),
    (
        {"tap:database": {"engine": "mysql", "engineVersion": "16.9"}},
        "tap:database.engineVersion",
        "'16.9'",
    ),
    ({"tap:database": {"masterUsername": "rdsadmin"}}, "tap:database.masterUsername", "'rdsadmin'"),
    ({"tap:database": {"masterUsername": "admin"}}, "tap:database.masterUsername", "'admin'"),
    ({"tap:database": {"masterUsername": "1user"}}, "tap:database.masterUsername", "'1user'"),
    ({"tap:database": {"minCapacity": 8, "maxCapacity": 4}}, "tap:database.minCapacity", "8"),
    ({"tap:database": {"maxCapacity": 2.3}}, "tap:database.maxCapacity", "2.3"),
    ({"tap:database": {"minCapacity": 0.3, "maxCapacity": 0.5}}, "tap:database.minCapacity", "0.3"),
    ({"tap:service": {"minCount": 3, "maxCount": 2}}, "tap:service.minCount", "3"),
    (
        {"tap:database": {"engine": "postgres", "serverless": True}},
        "tap:database.serverless",
        "true",
    ),
    ({"tap:database": {"rotationDays": 0}}, "tap:database.rotationDays", "0"),
    ({"tap:database": {"port": 80}}, "tap:database.port", "80"),
    ({"tap:database": {"backupRetentionDays": 0}}, "tap:database.backupRetentionDays", "0"),
    (
        {"tap:database": {"engine": "postgres", "readerCount": 1}},
        "tap:database.readerCount",
        "1",
    ),
    ({"tap:database": {"multiAz": True}}, "tap:database.multiAz", "true"),
    ({"tap:database": {"masterUsername": "App"}}, "tap:database.masterUsername", "'App'"),
    (
        {"tap:database": {"engine": "aurora-mysql", "engineVersion": "8.0.mysql_aurora.3.04.0"}},
        "tap:database.engineVersion",
        "'8.0.mysql_aurora.3.04.0'",
    ),
    ({"tap:database": {"engineVersion": "16.99"}}, "tap:database.engineVersion", "'16.99'"),
    (
        {"tap:database": {**PROVISIONED, "instanceClass": "db.t4g.micro"}},
        "tap:database.instanceClass",
        "'db.t4g.micro'",
    ),
    (
        {"tap:database": {"engineVersion": "14.6", "minCapacity": 0}},
        "tap:database.engineVersion",
        "'14.6'",
    ),
    (
        {
            "tap:database": {
                "engine": "aurora-mysql",
                **PROVISIONED,
                "instanceClass": "db.t3.medium",
                "performanceInsights": True,
            }
        },
        "tap:database.instanceClass",
        "'db.t3.medium'",
    ),
    ({"tap:cache": {"engine": "memcached"}}, "tap:cache.engine", "'memcached'"),
    ({"tap:cache": {"nodeType": "t3.micro"}}, "tap:cache.nodeType", "'t3.micro'"),
    ({"tap:cache": {"nodeType": "cache.t4g.mirco"}}, "tap:cache.nodeType", "'cache.t4g.mirco'"),
    ({"tap:cache": {"replicas": 6}}, "tap:cache.replicas", "6"),
    (
        {"tap:cache": {"engine": "valkey", "engineVersion": "7.1"}},
        "tap:cache.engineVersion",
        "'7.1'",
    ),
    (
        {"tap:storage": {"secretRecoveryWindowDays": 3}},
        "tap:storage.secretRecoveryWindowDays",
        "3",
    ),
    ({"tap:storage": {"kmsDeletionWindowDays": 5}}, "tap:storage.kmsDeletionWindowDays", "5"),
    ({"aws:allowedAccountIds": ["123"]}, "aws:allowedAccountIds.0", "'123'"),
    ({"aws:region": "us-east-7"}, "aws:region", "'us-east-7'"),
    ({"tap:requireHttps": True}, "tap:requireHttps", "'true'"),
    (
        {"tap:domain": {"name": "app.nowhere.com", "zone": "nowhere.com"}},
        "tap:domain.zone",
        "'nowhere.com'",
    ),
    (
        {"tap:domain": {"name": "app.example.org", "zone": "example.com"}},
        "tap:domain.name",
        "'app.example.org'",
    ),
    (
        {
            "tap:domain": {"name": "app.example.com", "zone": "example.com"},
            "tap:certificateArn": CERT,
        },
        "tap:domain",
        "{",
    ),
    ({"aws:region": "Mars"}, "aws:region", "'Mars'"),
    ({"tap:environment": "prod", "tap:network": {"azCount": 2}}, "tap:network.azCount", "2"),
    ({"tap:network": {"natStrategy": "none"}}, "tap:network.natStrategy", "'none'"),
    # Accepted until AWS refused them, each now with its source in the message.
    ({"tap:cache": {"engineVersion": "4.0.10"}}, "tap:cache.engineVersion", "'4.0.10'"),
    ({"tap:service": {"image": "my app:1"}}, "tap:service.image", "'my app:1'"),
    ({"tap:service": {"image": "ghcr.io/Acme/app:1"}}, "tap:service.image", "'ghcr.io/Acme/app:1'"),
    ({"tap:pipeline": {"buildImage": "standard:7.0"}}, "tap:pipeline.buildImage", "'standard:7.0'"),
    ({"tap:pipeline": {"computeType": "SMALL"}}, "tap:pipeline.computeType", "'SMALL'"),
    ({"app:environment": "dev"}, "app:environment", ""),
    ({"environment": "dev"}, "environment", ""),
    ({"random:seed": "1"}, "random:seed", ""),
    # The validator's own kinds of error, each in words.
    ({"tap:service": {"cpu": "big"}}, "tap:service.cpu", "'big'"),
    ({"tap:waf": {"enabled": "perhaps"}}, "tap:waf.enabled", "'perhaps'"),
    ({"tap:alarms": {"responseTimeSeconds": "slow"}}, "tap:alarms.responseTimeSeconds", "'slow'"),
    (
        {"tap:loadBalancer": {"ingressCidrs": "10.0.0.0/8"}},
        "tap:loadBalancer.ingressCidrs",
        "'10.0.0.0/8'",
    ),
    ({"tap:service": {"environment": ["A=1"]}}, "tap:service.environment", "['A=1']"),
    ({"tap:domain": "app.example.com"}, "tap:domain", "'app.example.com'"),
    ({"tap:domain": {"name": "app.example.com"}}, "tap:domain.zone", ""),
    ({"tap:service": {"command": "serve"}}, "tap:service.command", "'serve'"),
]
# What the AWS source of each refusal above is, as its message names it.
SOURCES = {
    "tap:cache.engineVersion = '4.0.10'": "ElastiCache API Reference, CacheNode",
    "tap:service.image = 'my app:1'": "ECS API Reference, ContainerDefinition",
    "tap:pipeline.buildImage = 'standard:7.0'": "CodeBuild API Reference, ProjectEnvironment",
}
# A validator's own words, which no message may carry.
JARGON = re.compile(
    r"Input should|Extra inputs|valid tuple|valid dictionary|instance of|Field required|"
    r"Value error|validation error|pydantic|type=|unicode string|Traceback",
    re.I,
)
# Regular-expression syntax has no place in a message meant for a person.
REGEX = re.compile(r"\^|\$'|\\[dws]|\[a-z|\(\?|\{\d")


def fail(overrides: dict) -> ProgramError:
    region = overrides.get("aws:region", "us-east-1")
    with pytest.raises(ProgramError) as caught:
        run_program("dev", FakeCloud(region if region != "Mars" else "us-east-1"), config=overrides)
    return caught.value


def test_the_corpus_holds_at_least_sixty_distinct_rules() -> None:
    assert len(BAD) >= 60
    assert len({repr(overrides) for overrides, _, _ in BAD}) == len(BAD)


@pytest.mark.parametrize(("overrides", "key", "shown"), BAD, ids=[b[1] for b in BAD])
def test_a_bad_setting_stops_the_program_with_one_clean_message(overrides, key, shown) -> None:
    error = fail(overrides)
    message = str(error)
    assert f"{key} = {shown}" in message or f"{key}: " in message, message
    assert "tap::" not in message
    assert not JARGON.search(message), message
    assert not REGEX.search(message), message
    assert not [
        r
        for r in error.registered
        if r.type.startswith("aws:") and r.custom and not r.type.startswith("pulumi:providers")
    ], "no AWS resource may be declared"


@pytest.mark.parametrize(("given", "source"), SOURCES.items(), ids=list(SOURCES))
def test_each_new_refusal_names_its_aws_source(given, source) -> None:
    overrides = next(o for o, key, shown in BAD if f"{key} = {shown}" == given)
    message = str(fail(overrides))
    assert given in message
    assert source in message


def test_codebuild_names_are_asked_for_in_full() -> None:
    """Both pipeline settings take what CodeBuild's API takes, and say its exact form."""
    small = str(fail({"tap:pipeline": {"computeType": "SMALL"}}))
    assert "write BUILD_GENERAL1_SMALL" in small
    image = str(fail({"tap:pipeline": {"buildImage": "amazonlinux-x86_64-standard:5.0"}}))
    assert "aws/codebuild/<name>:<tag>" in image


def test_every_problem_is_listed_at_once() -> None:
    message = str(fail({"tap:network": {"azCount": 9}, "tap:alarms": {"cpuPercent": 0}}))
    assert "tap:network.azCount = 9" in message
    assert "tap:alarms.cpuPercent = 0" in message


def test_what_the_region_offers_is_named_nearest_first() -> None:
    message = str(fail({**ASG, "tap:instances": {"instanceType": "t3.mirco"}}))
    assert message.rsplit(": ", 1)[1].startswith("t3.micro")
    message = str(fail({"aws:region": "us-east-7"}))
    assert "us-east-1" in message


def load(overrides: dict, stack: str = "dev"):
    return stack_settings(stack, config=overrides)


# Values at the edges of the rules above, which AWS accepts.
VALID = [
    ({"tap:database": {"engine": "postgres", "masterUsername": "postgres"}}, "database"),
    ({"tap:database": {"engine": "mysql", "masterUsername": "admin"}}, "database"),
    ({"tap:alarms": {"email": "Ops@Example.COM"}}, "alarms"),
    (
        {"tap:certificateArn": "arn:aws:iam::111122223333:server-certificate/web/tls"},
        "certificate_arn",
    ),
    ({"tap:service": {"cpu": 256, "memory": 2048}}, "service"),
    ({"tap:service": {"cpu": 16384, "memory": 122880}}, "service"),
    ({"tap:cache": {"engine": "valkey"}}, "cache"),
    ({"tap:tags": {f"k{i}": "v" for i in range(46)}}, "tags"),
    ({"tap:tags": {"cost center": "ops@team:1/a+b=c"}}, "tags"),
    (
        {"tap:loadBalancer": {"sslPolicy": "ELBSecurityPolicy-TLS13-1-2-FIPS-PQ-2025-09"}},
        "load_balancer",
    ),
    ({"tap:environmentSuffix": "a" * 20}, "environment_suffix"),
    ({"tap:database": {"engineVersion": "16.9"}}, "database"),
]


@pytest.mark.parametrize(("overrides", "field"), VALID, ids=[repr(v[0])[:60] for v in VALID])
def test_a_valid_edge_value_is_accepted(overrides, field) -> None:
    assert getattr(load(overrides), field) is not None


def test_the_valkey_default_is_a_valkey_version_and_the_port_reaches_the_command() -> None:
    assert load({"tap:cache": {"engine": "valkey"}}).cache.engine_version == "8.0"
    service = load({"tap:service": {"port": 9090}}).service
    assert service.command[-1] == "9090"


def test_a_class_refused_with_nothing_similar_offered_still_ends_cleanly(monkeypatch) -> None:
    """Where the region offers none of the classes near the one asked for, the suggestion
    lookup fails too; the message says where to look instead of the program crashing."""

    def nothing(**_kwargs):
        raise Exception("no RDS Orderable DB Instance found matching criteria")

    monkeypatch.setattr(lib_catalog.aws.rds, "get_orderable_db_instance", nothing)
    message = str(fail({"tap:database": {**PROVISIONED, "instanceClass": "db.r6g.large"}}))
    assert "tap:database.instanceClass = 'db.r6g.large'" in message
    assert "describe-orderable-db-instance-options" in message
