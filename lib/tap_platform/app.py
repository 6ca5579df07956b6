"""What every runtime of the app needs, whichever `tap:compute` chooses.

Both the Fargate and the EC2 Auto Scaling components take these fields, so switching the
runtime changes the runtime only: the same image, port, settings, secrets, bucket and scaling.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pulumi
from pulumi_aws.cloudwatch import LogGroup

from tap_platform.naming import Namer
from tap_platform.policies import AwsContext, Grants

CONTAINER_NAME = "app"


@dataclass(frozen=True)
class AppArgs:
    namer: Namer
    aws: AwsContext
    subnet_ids: pulumi.Input[Sequence[pulumi.Input[str]]]
    security_group_id: pulumi.Input[str]
    target_group_arn: pulumi.Input[str]
    target_group_arn_suffix: pulumi.Input[str]
    alb_arn_suffix: pulumi.Input[str]
    listeners: Sequence[pulumi.Resource]
    # The image that runs now: the pipeline's last delivery, or the configured first one.
    image: pulumi.Input[str]
    command: tuple[str, ...] | None
    port: int
    environment: Mapping[str, pulumi.Input[str]]
    secrets: Mapping[str, pulumi.Input[str]]
    secret_arns: Sequence[pulumi.Input[str]]
    kms_key_arn: pulumi.Input[str]
    assets_bucket_arn: pulumi.Input[str]
    desired_count: int
    min_count: int
    max_count: int
    cpu_target_percent: int
    requests_per_target: int
    log_retention_days: int
    # Where the container logs, made by the stack so that switching the runtime keeps it.
    log_group: LogGroup

    def app_grants(self) -> Grants:
        """What the app itself may do, whichever runtime: the assets bucket and the key."""
        bucket = self.assets_bucket_arn
        return {
            "assets": (
                ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
                [pulumi.Output.concat(bucket, "/*")],
            ),
            "assets-list": (["s3:ListBucket"], [bucket]),
            "assets-key": (["kms:Decrypt", "kms:GenerateDataKey"], [self.kms_key_arn]),
        }

    def secret_grants(
        self, key: str = "secrets", arns: Sequence[pulumi.Input[str] | None] | None = None
    ) -> Grants:
        """Reading exactly the given secrets (default: all the app's), or nothing when the
        stack holds none (a service without a database or cache)."""
        wanted = [arn for arn in (self.secret_arns if arns is None else arns) if arn is not None]
        return {key: (["secretsmanager:GetSecretValue"], wanted)} if wanted else {}

    def request_count_label(self) -> pulumi.Output[str]:
        """`ALBRequestCountPerTarget` is measured per ALB and target group pair."""
        return pulumi.Output.format("{0}/{1}", self.alb_arn_suffix, self.target_group_arn_suffix)
