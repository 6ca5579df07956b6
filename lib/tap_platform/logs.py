"""Log groups, made one way: every group expires and is encrypted with the stack's key."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws


def log_group(
    parent: pulumi.Resource,
    name: str,
    *,
    group_name: str,
    retention_days: int,
    kms_key_arn: pulumi.Input[str],
) -> aws.cloudwatch.LogGroup:
    """`group_name` is the stack's own (`Namer.log_group`) or one an AWS service writes to
    by a fixed name, which the stack creates first so that it is encrypted, expires and goes
    with the stack."""
    return aws.cloudwatch.LogGroup(
        name,
        name=group_name,
        retention_in_days=retention_days,
        kms_key_id=kms_key_arn,
        opts=pulumi.ResourceOptions(parent=parent),
    )


@dataclass(frozen=True)
class AppLogsArgs:
    """The app's log group: its name, how long it keeps events, and the key it is
    encrypted with.

    Attributes:
        group_name: the group's name, which the runtime's log configuration writes to.
        retention_days: days the app's log events are kept, one of the retention periods
            CloudWatch Logs offers.
        kms_key_arn: the key the group is encrypted with.
    """

    group_name: str
    retention_days: int
    kms_key_arn: pulumi.Input[str]


class AppLogs(pulumi.ComponentResource):
    """The app's log group, outside either runtime: switching `tap:compute` keeps it, where
    a group under the runtime's component would be a new group of the same name."""

    def __init__(self, name: str, args: AppLogsArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("tap:observability:AppLogs", name, None, opts)
        self.group = log_group(
            self,
            f"{name}-group",
            group_name=args.group_name,
            retention_days=args.retention_days,
            kms_key_arn=args.kms_key_arn,
        )
        self.register_outputs({"name": self.group.name})
