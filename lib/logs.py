"""Log groups, made one way: every group expires and is encrypted with the stack's key."""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from lib.naming import Namer


def log_group(
    parent: pulumi.Resource,
    name: str,
    *,
    namer: Namer,
    role: str,
    retention_days: int,
    kms_key_arn: pulumi.Input[str],
) -> aws.cloudwatch.LogGroup:
    return aws.cloudwatch.LogGroup(
        name,
        name=namer.log_group(role),
        retention_in_days=retention_days,
        kms_key_id=kms_key_arn,
        opts=pulumi.ResourceOptions(parent=parent),
    )
