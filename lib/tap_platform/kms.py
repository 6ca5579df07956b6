"""The stack's customer-managed KMS key.

The key policy is AWS's default (the account administers the key, so the IAM policies of its
roles decide who uses it) plus one statement for each AWS service principal that uses the
key on the stack's behalf with no role of the stack's own: CloudWatch Logs for the log
groups, CloudWatch for alarm notifications to the encrypted topic, and EC2 Auto Scaling's
service-linked role for encrypted volumes. No statement has a `*` principal; each service
statement is scoped to this account's resources by condition.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from tap_platform.naming import Namer
from tap_platform.policies import AwsContext, Grants, key_grant

KEY_USE = [
    "kms:Encrypt",
    "kms:Decrypt",
    "kms:ReEncrypt*",
    "kms:GenerateDataKey*",
    "kms:DescribeKey",
]


def key_policy(context: AwsContext, autoscaling_role_arn: str | None = None) -> str:
    """Sources, per statement: KMS Developer Guide, "Default key policy"; CloudWatch Logs
    User Guide, "Encrypt log data in CloudWatch Logs using AWS KMS" (a regional principal on
    the partition's domain: AWS CDK region-info); SNS Developer Guide, "Key management"
    (event sources from AWS services and encrypted topics); EC2 Auto Scaling User Guide,
    "Required AWS KMS key policy for use with encrypted volumes"."""
    account, region = context.account_id, context.region
    root = f"arn:{context.partition}:iam::{account}:root"
    statements = [
        {
            "Sid": "AccountAdministersTheKey",
            "Effect": "Allow",
            "Principal": {"AWS": root},
            "Action": "kms:*",
            "Resource": "*",
        },
        {
            # The encryption context is a string condition key, and DescribeKey carries none.
            "Sid": "CloudWatchLogsEncryptsThisAccountsGroups",
            "Effect": "Allow",
            "Principal": {"Service": f"logs.{region}.{context.dns_suffix}"},
            "Action": [a for a in KEY_USE if a != "kms:DescribeKey"],
            "Resource": "*",
            "Condition": {
                "StringLike": {
                    "kms:EncryptionContext:aws:logs:arn": context.arn("logs", "log-group:*")
                }
            },
        },
        {
            "Sid": "CloudWatchAlarmsPublishToTheEncryptedTopic",
            "Effect": "Allow",
            "Principal": {"Service": "cloudwatch.amazonaws.com"},
            "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
            "Resource": "*",
            "Condition": {
                "StringEquals": {"aws:SourceAccount": account},
                "ArnLike": {"aws:SourceArn": context.arn("cloudwatch", "alarm:*")},
            },
        },
    ]
    if autoscaling_role_arn:
        statements += [
            {
                "Sid": "AutoScalingLaunchesEncryptedVolumes",
                "Effect": "Allow",
                "Principal": {"AWS": autoscaling_role_arn},
                "Action": KEY_USE,
                "Resource": "*",
            },
            {
                "Sid": "AutoScalingGrantsEc2TheKeyForItsVolumes",
                "Effect": "Allow",
                "Principal": {"AWS": autoscaling_role_arn},
                "Action": "kms:CreateGrant",
                "Resource": "*",
                "Condition": {"Bool": {"kms:GrantIsForAWSResource": "true"}},
            },
        ]
    return json.dumps({"Version": "2012-10-17", "Statement": statements})


@dataclass(frozen=True)
class KmsArgs:
    """The stack's key: how its names and policy are made, how long a deleted key waits, and
    whether EC2 Auto Scaling may use it for the volumes of the instances it launches.

    Attributes:
        namer: names the key's description, its alias and the Auto Scaling role's
            description.
        aws: the account, region and partition the key policy's statements are scoped to.
        deletion_window_days: days a scheduled deletion waits, during which it can still be
            cancelled (KMS accepts 7-30).
        autoscaling_role_suffix: when the app runs on instances, the custom suffix of the
            EC2 Auto Scaling service-linked role the key admits, one per stack so stacks
            never share it; None makes no role and admits none (default: None).
        protect: keep the key on destroy, since what it encrypted is unreadable without it
            (default: False).
    """

    namer: Namer
    aws: AwsContext
    deletion_window_days: int
    autoscaling_role_suffix: str | None = None
    protect: bool = False


class Kms(pulumi.ComponentResource):
    """One rotating key and its alias; everything the stack stores at rest uses it."""

    def __init__(self, name: str, args: KmsArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("tap:security:Kms", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        # EC2 Auto Scaling launches encrypted volumes through this role, so the key policy
        # names it, and it must exist before the key.
        self.autoscaling_role_arn: pulumi.Output[str] | None = None
        if args.autoscaling_role_suffix:
            self.autoscaling_role_arn = aws.iam.ServiceLinkedRole(
                f"{name}-autoscaling-role",
                aws_service_name="autoscaling.amazonaws.com",
                custom_suffix=args.autoscaling_role_suffix,
                description=f"EC2 Auto Scaling for {args.namer.name('app')}",
                opts=child,
            ).arn
        self.key = aws.kms.Key(
            f"{name}-key",
            description=f"Data at rest of {args.namer.name('stack')}",
            enable_key_rotation=True,
            deletion_window_in_days=args.deletion_window_days,
            policy=pulumi.Output.from_input(self.autoscaling_role_arn).apply(
                lambda role: key_policy(args.aws, role)
            ),
            opts=pulumi.ResourceOptions(parent=self, protect=args.protect),
        )
        self.alias = aws.kms.Alias(
            f"{name}-alias",
            name=args.namer.alias("data"),
            target_key_id=self.key.key_id,
            opts=child,
        )
        self.register_outputs({"keyArn": self.key.arn, "alias": self.alias.name})

    def grant_decrypt(self, name: str) -> Grants:
        """Read what the key encrypts."""
        return key_grant(name, self.key.arn, write=False)

    def grant_encrypt_decrypt(self, name: str) -> Grants:
        """Read and write what the key encrypts (data keys for new objects included)."""
        return key_grant(name, self.key.arn, write=True)
