"""The stack's customer-managed KMS key.

The key policy names the account and, for logs and SNS, the service principals; every other
service (Secrets Manager, RDS, ElastiCache, S3) reaches the key only through a caller in this
account and only via that service (`kms:ViaService`). No statement has a `*` principal.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from lib.naming import Namer
from lib.policies import AwsContext

VIA_SERVICES = ("secretsmanager", "rds", "elasticache", "s3")
KEY_USE = [
    "kms:Encrypt",
    "kms:Decrypt",
    "kms:ReEncrypt*",
    "kms:GenerateDataKey*",
    "kms:DescribeKey",
]


def key_policy(context: AwsContext) -> str:
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
            "Sid": "ServicesUseTheKeyForThisAccount",
            "Effect": "Allow",
            "Principal": {"AWS": root},
            "Action": [*KEY_USE, "kms:CreateGrant", "kms:ListGrants"],
            "Resource": "*",
            "Condition": {
                "StringEquals": {
                    "kms:CallerAccount": account,
                    "kms:ViaService": [f"{s}.{region}.amazonaws.com" for s in VIA_SERVICES],
                }
            },
        },
        {
            "Sid": "CloudWatchLogsEncryptsThisAccountsGroups",
            "Effect": "Allow",
            "Principal": {"Service": f"logs.{region}.amazonaws.com"},
            "Action": KEY_USE,
            "Resource": "*",
            "Condition": {
                "ArnLike": {
                    "kms:EncryptionContext:aws:logs:arn": context.arn("logs", "log-group:*")
                }
            },
        },
        {
            "Sid": "SnsEncryptsThisAccountsTopics",
            "Effect": "Allow",
            "Principal": {"Service": "sns.amazonaws.com"},
            "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
            "Resource": "*",
            "Condition": {"StringEquals": {"aws:SourceAccount": account}},
        },
    ]
    return json.dumps({"Version": "2012-10-17", "Statement": statements})


@dataclass(frozen=True)
class KmsArgs:
    namer: Namer
    aws: AwsContext
    deletion_window_days: int


class Kms(pulumi.ComponentResource):
    """One rotating key and its alias; everything the stack stores at rest uses it."""

    def __init__(self, name: str, args: KmsArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("tap:security:Kms", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.key = aws.kms.Key(
            f"{name}-key",
            description=f"Data at rest of {args.namer.name('stack')}",
            enable_key_rotation=True,
            deletion_window_in_days=args.deletion_window_days,
            policy=key_policy(args.aws),
            opts=child,
        )
        self.alias = aws.kms.Alias(
            f"{name}-alias",
            name=f"alias/{args.namer.name('data')}",
            target_key_id=self.key.key_id,
            opts=child,
        )
        self.register_outputs({"keyArn": self.key.arn, "alias": self.alias.name})
