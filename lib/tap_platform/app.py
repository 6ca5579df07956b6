"""What every runtime of the app needs, whichever `tap:compute` chooses.

Both the Fargate and the EC2 Auto Scaling components take these fields, so switching the
runtime changes the runtime only: the same image, port, settings, secrets, bucket and scaling.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pulumi
from pulumi_aws.cloudwatch import LogGroup

from tap_platform.buckets import BucketRef
from tap_platform.naming import Namer
from tap_platform.policies import AwsContext, Grants
from tap_platform.secrets import grant_secret_read

CONTAINER_NAME = "app"


@dataclass(frozen=True)
class AppArgs:
    """What the app needs whichever runtime runs it.

    Attributes:
        namer: builds the runtime's physical names.
        aws: the region, account and partition ARNs are built from.
        subnet_ids: the private subnets the app runs in.
        security_group_id: the app's security group.
        target_group_arn: the load balancer's target group the app registers with.
        target_group_arn_suffix: that target group's ARN suffix, for its metrics.
        alb_arn_suffix: the load balancer's ARN suffix, for request-count scaling.
        listeners: what must exist before the app registers (the listeners, or the
            service's listener rule).
        image: the image that runs now: the pipeline's last delivery, or the first one.
        command: the container's command, or None for the image's own.
        port: the port the app listens on.
        environment: plain variables (no credentials).
        secrets: variables resolved from Secrets Manager at start (`arn:json-key::`).
        secret_arns: the secrets the runtime reads on the app's behalf.
        kms_key_arn: the key that encrypts the logs, the secrets and the assets.
        assets: the assets bucket, which the app reads and writes.
        desired_count: tasks or instances at start.
        min_count: the fewest scaling leaves.
        max_count: the most scaling adds.
        cpu_target_percent: the CPU scaling aims at.
        requests_per_target: requests per target per minute scaling aims at.
        log_retention_days: days the runtime's own logs are kept.
        log_group: where the container logs, made by the stack so that switching the runtime
            keeps it.
    """

    namer: Namer
    aws: AwsContext
    subnet_ids: pulumi.Input[Sequence[pulumi.Input[str]]]
    security_group_id: pulumi.Input[str]
    target_group_arn: pulumi.Input[str]
    target_group_arn_suffix: pulumi.Input[str]
    alb_arn_suffix: pulumi.Input[str]
    listeners: Sequence[pulumi.Resource]
    image: pulumi.Input[str]
    command: tuple[str, ...] | None
    port: int
    environment: Mapping[str, pulumi.Input[str]]
    secrets: Mapping[str, pulumi.Input[str]]
    secret_arns: Sequence[pulumi.Input[str]]
    kms_key_arn: pulumi.Input[str]
    assets: BucketRef
    desired_count: int
    min_count: int
    max_count: int
    cpu_target_percent: int
    requests_per_target: int
    log_retention_days: int
    log_group: LogGroup

    def app_grants(self) -> Grants:
        """What the app itself may do, whichever runtime: its assets, with their key."""
        return {
            **self.assets.grant_read_write("assets", delete=True),
            **self.assets.grant_list("assets-list"),
        }

    def secret_grants(
        self, key: str = "secrets", arns: Sequence[pulumi.Input[str] | None] | None = None
    ) -> Grants:
        """Reading exactly the given secrets (default: all the app's) and their key, or
        nothing when the stack holds none (a service without a database or cache)."""
        wanted = [arn for arn in (self.secret_arns if arns is None else arns) if arn is not None]
        return grant_secret_read(key, wanted, self.kms_key_arn)

    def request_count_label(self) -> pulumi.Output[str]:
        """`ALBRequestCountPerTarget` is measured per ALB and target group pair."""
        return pulumi.Output.format("{0}/{1}", self.alb_arn_suffix, self.target_group_arn_suffix)
