"""Cache: TLS required, AUTH from a generated secret that a procedure rotates, encrypted at
rest, failover per tier."""

from __future__ import annotations

import ast
import dataclasses
import json
import re

import pulumi_aws as aws
import pytest

from tap_platform.cache import Cache, CacheArgs
from tap_platform.policies import attach_grants
from tap_platform.secrets import AUTH_TOKEN_SPECIALS
from tap_platform.settings.tiers import tier_defaults
from tapsim.alone import CONTEXT, NAMER, build_alone
from tapsim.runner import RunResult
from tests.unit.test_components import documented

GROUP = "aws:elasticache/replicationGroup:ReplicationGroup"
SECRET = "aws:secretsmanager/secret:Secret"
VERSION = "aws:secretsmanager/secretVersion:SecretVersion"


def test_transit_and_rest_encryption(run) -> None:
    group = run.one(GROUP).inputs
    assert group["transitEncryptionEnabled"] is True
    assert group["transitEncryptionMode"] == "required"
    assert group["atRestEncryptionEnabled"] is True
    assert group["kmsKeyId"] == run.outputs["kmsKeyArn"]


def test_auth_token_is_generated_with_valid_characters_and_rotates_explicitly(run) -> None:
    group = run.one(GROUP).inputs
    token = next(
        r for r in run.resources if r.type == "random:index/randomPassword:RandomPassword"
        and r.name.endswith("auth-token")
    )  # fmt: skip
    assert group["authToken"] == token.state["result"]
    assert group["authTokenUpdateStrategy"] == "ROTATE"
    assert 16 <= token.inputs["length"] <= 128
    assert set(token.inputs["overrideSpecial"]) <= set(AUTH_TOKEN_SPECIALS)


def test_auth_secret_is_encrypted_with_the_stack_key(run) -> None:
    secret = next(
        s for s in run.of_type("aws:secretsmanager/secret:Secret")
        if s.inputs["name"].endswith("/cache-auth")
    )  # fmt: skip
    assert secret.inputs["kmsKeyId"] == run.outputs["kmsKeyArn"]
    (version,) = [
        v for v in run.of_type("aws:secretsmanager/secretVersion:SecretVersion")
        if v.inputs["secretId"] == secret.id
    ]  # fmt: skip
    assert set(json.loads(version.inputs["secretString"])) == {"token"}


@pytest.mark.parametrize(
    ("stack", "nodes", "failover", "snapshots"),
    [("dev", 1, False, 0), ("staging", 2, True, 1), ("prod", 3, True, 7)],
)
def test_replicas_failover_and_snapshots_per_tier(synthesized, stack, nodes, failover, snapshots):
    group = synthesized[stack].one(GROUP).inputs
    assert group["numCacheClusters"] == nodes
    assert group["automaticFailoverEnabled"] is failover
    assert group["multiAzEnabled"] is failover
    assert group["snapshotRetentionLimit"] == snapshots


def test_cache_lives_in_the_isolated_subnets(run) -> None:
    subnets = run.one("aws:elasticache/subnetGroup:SubnetGroup").inputs
    assert sorted(subnets["subnetIds"]) == sorted(run.outputs["isolatedSubnetIds"])
    assert run.one(GROUP).inputs["subnetGroupName"] == subnets["name"]


def test_slow_log_goes_to_an_encrypted_expiring_log_group(run) -> None:
    (delivery,) = run.one(GROUP).inputs["logDeliveryConfigurations"]
    assert (delivery["logType"], delivery["destinationType"]) == ("slow-log", "cloudwatch-logs")
    group = next(
        g for g in run.of_type("aws:cloudwatch/logGroup:LogGroup")
        if g.inputs["name"] == delivery["destination"]
    )  # fmt: skip
    assert group.inputs["kmsKeyId"] == run.outputs["kmsKeyArn"]
    assert group.inputs["retentionInDays"] > 0


def test_group_id_fits_elasticache_limits(run) -> None:
    group_id = run.one(GROUP).inputs["replicationGroupId"]
    assert len(group_id) <= 40
    assert group_id == f"tap-cache-{run.outputs['environmentSuffix']}"


# --- the component alone: its own arguments, no stack, no settings ---

KEY = f"arn:aws:kms:{CONTEXT.region}:{CONTEXT.account_id}:key/alone"
SUBNETS = ["subnet-isolated-a", "subnet-isolated-b"]


def cache_alone(**choices) -> tuple[RunResult, Cache]:
    """The cache in an empty program, and a role granted to read its secret as the app's."""
    built: list[Cache] = []

    def build() -> Cache:
        cache = Cache(
            "cache",
            CacheArgs(namer=NAMER, vpc_id="vpc-alone", subnet_ids=SUBNETS,
                      app_security_group_id="sg-app", kms_key_arn=KEY, **choices),
        )  # fmt: skip
        reader = aws.iam.Role("reader", assume_role_policy="{}")
        attach_grants(reader, "reader", reader, cache.grant_read_secret("cache-secret"))
        built.append(cache)
        return cache

    return build_alone(build), built[0]


def test_the_cache_alone_applies_the_defaults_a_dev_tier_gives_and_grants_its_secret():
    (run, _), dev = cache_alone(), tier_defaults("dev")
    assert {r.type.rsplit(":", 1)[1] for r in run.resources if r.parent.endswith("::cache")} == {
        "SecurityGroup", "SecurityGroupIngressRule", "SecurityGroupEgressRule", "SubnetGroup",
        "LogGroup", "RandomPassword", "ReplicationGroup", "Secret", "SecretVersion",
    }, "no final snapshot name by default"  # fmt: skip
    group, secret = run.one(GROUP), run.one(SECRET)
    assert not [r.name for r in run.resources if r.protect]
    expected = {
        "engine": dev["cache"]["engine"], "engineVersion": dev["cache"]["engineVersion"],
        "nodeType": dev["cache"]["nodeType"], "numCacheClusters": 1 + dev["cache"]["replicas"],
        "snapshotRetentionLimit": dev["cache"]["snapshotRetentionDays"],
        "automaticFailoverEnabled": False, "applyImmediately": True,
    }  # fmt: skip
    assert {k: group.inputs[k] for k in expected} == expected
    logs = run.one("aws:cloudwatch/logGroup:LogGroup").inputs["retentionInDays"]
    assert logs == dev["cache"]["logRetentionDays"]
    assert secret.inputs["recoveryWindowInDays"] == dev["storage"]["secretRecoveryWindowDays"]
    assert run.one("aws:elasticache/subnetGroup:SubnetGroup").inputs["subnetIds"] == SUBNETS
    reader = run.one("aws:iam/rolePolicy:RolePolicy", "reader-cache-secret").inputs
    assert json.loads(reader["policy"])["Statement"] == [
        {"Effect": "Allow", "Action": ["secretsmanager:GetSecretValue"],
         "Resource": [secret.state["arn"]]}
    ]  # fmt: skip


def test_a_protected_replicated_valkey_cache_alone() -> None:
    run, cache = cache_alone(engine="valkey", engine_version="8.0", replicas=2, protect=True)
    group = run.one(GROUP).inputs
    assert {r.name for r in run.resources if r.protect} == {"cache-group", "cache-auth"}
    assert (group["engine"], group["numCacheClusters"]) == ("valkey", 3)
    assert group["applyImmediately"] is True
    assert group["automaticFailoverEnabled"] is group["multiAzEnabled"] is True
    assert group["finalSnapshotIdentifier"].startswith("demo-cache-alone-final-")
    assert cache.member_ids == [f"demo-cache-alone-00{n}" for n in (1, 2, 3)]


def test_the_documented_defaults_are_the_defaults() -> None:
    said = {k: re.findall(r"\(default: (.+?)\)\.?$", v) for k, v in documented(CacheArgs).items()}
    for field in dataclasses.fields(CacheArgs):
        if field.default is not dataclasses.MISSING:
            assert ast.literal_eval(said[field.name][0]) == field.default, field.name


# --- the AUTH token after the first deploy (its rotation: test_cache_token.py) ---


def test_pulumi_seeds_the_token_and_leaves_later_values_to_the_rotation(any_run) -> None:
    """AWS never returns a token, so nothing could show Pulumi a rotation; writing the seed
    back would undo one."""
    assert any_run.one(GROUP).ignore_changes == ("authToken",)
    secret = next(s for s in any_run.of_type(SECRET) if s.inputs["name"].endswith("/cache-auth"))
    (version,) = [v for v in any_run.of_type(VERSION) if v.inputs["secretId"] == secret.id]
    assert version.ignore_changes == ("secretString",)
