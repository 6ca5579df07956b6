"""Cache: TLS required, AUTH from a generated secret, encrypted at rest, failover per tier."""

from __future__ import annotations

import json

import pytest

from lib.secrets import AUTH_TOKEN_SPECIALS

GROUP = "aws:elasticache/replicationGroup:ReplicationGroup"


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
