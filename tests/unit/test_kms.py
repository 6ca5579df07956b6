"""KMS: one rotating key per stack whose policy admits the account and its services only."""

from __future__ import annotations

import json

import pytest

from tap_platform.kms import Kms, KmsArgs
from tapsim.alone import CONTEXT, NAMER, build_alone

KEY = "aws:kms/key:Key"


def policy(run) -> list[dict]:
    return json.loads(run.one(KEY).inputs["policy"])["Statement"]


def test_key_rotates(run) -> None:
    assert run.one(KEY).inputs["enableKeyRotation"] is True


@pytest.mark.parametrize(("stack", "days"), [("dev", 7), ("staging", 7), ("prod", 30)])
def test_deletion_window_per_tier(synthesized, stack, days) -> None:
    assert synthesized[stack].one(KEY).inputs["deletionWindowInDays"] == days


def test_alias_names_the_key_with_the_suffix(run) -> None:
    alias = run.one("aws:kms/alias:Alias").inputs
    assert alias["name"] == f"alias/tap-data-{run.outputs['environmentSuffix']}"
    assert alias["targetKeyId"] == run.one(KEY).state["keyId"]


def test_every_statement_names_a_principal_and_none_is_a_wildcard(any_run) -> None:
    statements = policy(any_run)
    assert len(statements) >= 3
    for statement in statements:
        assert "*" not in json.dumps(statement["Principal"]), statement["Sid"]


def test_alarms_may_use_the_key_for_this_accounts_alarms_only(run) -> None:
    cloudwatch = {"Service": "cloudwatch.amazonaws.com"}
    (alarms,) = [s for s in policy(run) if s["Principal"] == cloudwatch]
    region = run.outputs["region"]
    assert alarms["Condition"] == {
        "StringEquals": {"aws:SourceAccount": "111122223333"},
        "ArnLike": {"aws:SourceArn": f"arn:aws:cloudwatch:{region}:111122223333:alarm:*"},
    }


def test_logs_may_use_the_key_for_this_accounts_log_groups_only(run) -> None:
    (logs,) = [s for s in policy(run) if s["Principal"].get("Service", "").startswith("logs.")]
    arn = logs["Condition"]["StringLike"]["kms:EncryptionContext:aws:logs:arn"]
    assert arn == f"arn:aws:logs:{run.outputs['region']}:111122223333:log-group:*"


def test_in_china_logs_is_named_with_the_partitions_domain() -> None:
    """CloudWatch Logs is named by region and partition domain (AWS CDK region-info,
    `Default.servicePrincipal`: `logs` is regional and partitional)."""
    from tap_platform.kms import key_policy
    from tapsim.alone import CHINA

    statements = json.loads(key_policy(CHINA))["Statement"]
    services = [s["Principal"].get("Service", "") for s in statements]
    assert "logs.cn-north-1.amazonaws.com.cn" in services
    assert not [s for s in services if s.startswith("logs.") and s.endswith(".com")]


def test_only_the_account_root_administers_the_key(run) -> None:
    admin = [s for s in policy(run) if s["Action"] == "kms:*"]
    assert [s["Principal"] for s in admin] == [{"AWS": "arn:aws:iam::111122223333:root"}]


def test_kms_alone_by_default_admits_no_auto_scaling_role_and_is_not_protected() -> None:
    """The defaults: `autoscaling_role_suffix` None, `protect` False."""
    run = build_alone(lambda: Kms("kms", KmsArgs(namer=NAMER, aws=CONTEXT, deletion_window_days=9)))
    key = run.one(KEY)
    assert key.inputs["deletionWindowInDays"] == 9
    assert key.protect is False
    assert run.of_type("aws:iam/serviceLinkedRole:ServiceLinkedRole") == []
    assert len(policy(run)) == 3
    assert run.one("aws:kms/alias:Alias").inputs["name"] == "alias/demo-data-alone"


def test_kms_alone_for_instances_admits_its_auto_scaling_role_before_the_key_exists() -> None:
    args = KmsArgs(
        namer=NAMER,
        aws=CONTEXT,
        deletion_window_days=30,
        autoscaling_role_suffix="alone",
        protect=True,
    )
    run = build_alone(lambda: Kms("kms", args))
    role = run.one("aws:iam/serviceLinkedRole:ServiceLinkedRole")
    assert role.inputs["customSuffix"] == "alone"
    key = run.one(KEY)
    assert key.protect is True
    assert role.urn in key.dependencies
    admitted = [s for s in policy(run) if s["Principal"] == {"AWS": role.state["arn"]}]
    assert {s["Sid"] for s in admitted} == {
        "AutoScalingLaunchesEncryptedVolumes",
        "AutoScalingGrantsEc2TheKeyForItsVolumes",
    }


def test_a_role_made_elsewhere_takes_the_keys_grants_through_attach_grants() -> None:
    """As `key.grant_decrypt(role)` in the CDK: the grant names the key, the role is a team's."""
    import pulumi_aws as aws

    from tap_platform.policies import attach_grants

    def program() -> Kms:
        kms = Kms("kms", KmsArgs(namer=NAMER, aws=CONTEXT, deletion_window_days=7))
        role = aws.iam.Role("reader", assume_role_policy="{}")
        attach_grants(kms, "reader", role, {**kms.grant_decrypt("read"),
                                             **kms.grant_encrypt_decrypt("write")})  # fmt: skip
        return kms

    run = build_alone(program)
    policies = {p.name: json.loads(p.inputs["policy"]) for p in
                run.of_type("aws:iam/rolePolicy:RolePolicy")}  # fmt: skip
    key_arn = run.one(KEY).state["arn"]
    (read,) = policies["reader-read"]["Statement"]
    assert (read["Action"], read["Resource"]) == (["kms:Decrypt"], [key_arn])
    (write,) = policies["reader-write"]["Statement"]
    assert write["Action"] == ["kms:Decrypt", "kms:GenerateDataKey"]
