"""Log groups an AWS service writes to by a name it fixes (`ServiceLogGroup`): made, or
taken over when a late write made them again, and set right either way; played against
moto in this process."""

from __future__ import annotations

from typing import Any

import boto3
import pytest

import tapsim.emulator.moto_logs  # noqa: F401  (AssociateKmsKey, which moto lacks)
from tap_platform.policies import AwsContext
from tap_platform.service_logs import ServiceLogGroup, ServiceLogGroupProvider
from tapsim.alone import build_alone

NAME = "/aws/rds/cluster/demo-db/postgresql"
TAGS = {"Project": "demo", "Environment": "dev"}


@pytest.fixture
def logs(aws_here) -> Any:
    return boto3.client("logs", region_name="us-east-1")


def props(key: str) -> dict[str, Any]:
    return {
        "name": NAME, "retentionInDays": 30.0, "kmsKeyId": key, "tags": TAGS,
        "region": "us-east-1", "accountId": "123456789012", "partition": "aws",
    }  # fmt: skip


def described(logs: Any) -> dict[str, Any]:
    (group,) = logs.describe_log_groups(logGroupNamePrefix=NAME)["logGroups"]
    return group


def key_arn() -> str:
    return boto3.client("kms", region_name="us-east-1").create_key()["KeyMetadata"]["Arn"]


def test_a_missing_group_is_made_encrypted_expiring_and_tagged(logs) -> None:
    key = key_arn()
    created = ServiceLogGroupProvider().create(props(key))
    group = described(logs)
    assert (group["retentionInDays"], group.get("kmsKeyId")) == (30, key)
    assert logs.list_tags_log_group(logGroupName=NAME)["tags"] == TAGS
    assert created.id == NAME
    assert created.outs["arn"].endswith(f":log-group:{NAME}")


def test_a_group_a_late_write_made_again_is_taken_and_set_right(logs) -> None:
    """What RDS makes when it writes after the stack's group was deleted: no key, no
    expiry, no tags. A plain log group resource would fail on ResourceAlreadyExists."""
    logs.create_log_group(logGroupName=NAME)
    key = key_arn()
    ServiceLogGroupProvider().create(props(key))
    group = described(logs)
    assert (group["retentionInDays"], group.get("kmsKeyId")) == (30, key)
    assert logs.list_tags_log_group(logGroupName=NAME)["tags"] == TAGS


def test_destroy_deletes_the_group_and_a_group_already_gone_is_no_error(logs) -> None:
    provider = ServiceLogGroupProvider()
    provider.create(props(key_arn()))
    provider.delete(NAME, props(""))
    assert logs.describe_log_groups(logGroupNamePrefix=NAME)["logGroups"] == []
    provider.delete(NAME, props(""))


def test_only_a_new_name_makes_another_group() -> None:
    old = props("k")
    diff = ServiceLogGroupProvider().diff(NAME, old, {**old, "retentionInDays": 90})
    assert (diff.changes, diff.replaces) == (True, [])
    renamed = ServiceLogGroupProvider().diff(NAME, old, {**old, "name": "/other"})
    assert renamed.replaces == ["name"]


def test_built_alone_it_carries_the_default_tags_it_is_given() -> None:
    here = AwsContext("us-east-1", "123456789012", "aws", "amazonaws.com", default_tags=TAGS)
    run = build_alone(
        lambda: ServiceLogGroup(
            "logs", group_name=NAME, retention_days=7, kms_key_arn="k", aws=here
        )
    )
    (group,) = run.of_type("pulumi-python:dynamic:Resource")
    assert {k: group.inputs[k] for k in ("name", "retentionInDays", "kmsKeyId", "tags")} == {
        "name": NAME, "retentionInDays": 7, "kmsKeyId": "k", "tags": TAGS,
    }  # fmt: skip
