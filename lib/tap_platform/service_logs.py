"""Log groups that an AWS service writes to by a name it fixes, made so that a late writer
never leaves the next stack unable to start.

RDS (`/aws/rds/cluster/<id>/<log>`) and ECS Container Insights
(`/aws/ecs/containerinsights/<cluster>/performance`) write to groups whose names they fix,
and make the group themselves when it is missing. A group the stack made as a plain
`aws.cloudwatch.LogGroup` is deleted on destroy once its writer is deleted; a write that
comes after makes the group again, unencrypted and kept forever, and the next stack of that
name then fails to create it (`ResourceAlreadyExistsException`, CloudWatch Logs API
Reference, CreateLogGroup). So these groups are made by this provider, the way the CDK's
`LogRetention` makes the groups Lambda and RDS write to: it creates the group or takes the
one that exists, and sets its retention, its key and the stack's tags either way; destroy
deletes it, and one a late write made again is taken and set right by the next stack.

What runs where: this provider runs inside the Pulumi engine on the deploying machine, with
the stack's provider's credentials (`tap_platform.dynamic_aws`), which need
`logs:CreateLogGroup`, `logs:PutRetentionPolicy`, `logs:AssociateKmsKey`, `logs:TagResource`
and `logs:DeleteLogGroup`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from typing import Any

import pulumi
from pulumi.dynamic import CreateResult, DiffResult, ResourceProvider, UpdateResult

from tap_platform.dynamic_aws import reach
from tap_platform.policies import AwsContext


class ServiceLogGroupProvider(ResourceProvider):
    """Create-or-take, set, and delete (a group already gone is not an error)."""

    def create(self, props: dict[str, Any]) -> CreateResult:
        _ensure(props)
        return CreateResult(id_=props["name"], outs={**props, "arn": _arn(props)})

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        from tap_platform.dynamic_aws import changed as changes_of

        # The credentials count too: delete reads them from the state, which is kept up to
        # date with the stack's.
        changed = changes_of(olds, news, credentials=True)
        return DiffResult(
            changes=bool(changed), replaces=["name"] if "name" in changed else [],
            delete_before_replace=True,
        )  # fmt: skip

    def update(self, _id: str, _olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        _ensure(news)
        return UpdateResult(outs={**news, "arn": _arn(news)})

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        logs = _client(props)
        with contextlib.suppress(logs.exceptions.ResourceNotFoundException):
            logs.delete_log_group(logGroupName=props["name"])


def _client(props: Mapping[str, Any]) -> Any:
    from tap_platform.dynamic_aws import client

    return client(props, "logs")


def _arn(props: Mapping[str, Any]) -> str:
    return (
        f"arn:{props['partition']}:logs:{props['region']}:{props['accountId']}:"
        f"log-group:{props['name']}"
    )


def _ensure(props: Mapping[str, Any]) -> None:
    logs = _client(props)
    name = props["name"]
    try:
        logs.create_log_group(logGroupName=name, kmsKeyId=props["kmsKeyId"], tags=props["tags"])
    except logs.exceptions.ResourceAlreadyExistsException:
        logs.associate_kms_key(logGroupName=name, kmsKeyId=props["kmsKeyId"])
        if props["tags"]:
            logs.tag_resource(resourceArn=_arn(props), tags=props["tags"])
    # Numbers reach a dynamic provider as floats.
    logs.put_retention_policy(logGroupName=name, retentionInDays=int(props["retentionInDays"]))


class ServiceLogGroup(pulumi.dynamic.Resource):
    """A log group an AWS service writes to by the name it fixes (module docstring)."""

    arn: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        *,
        group_name: str,
        retention_days: int,
        kms_key_arn: pulumi.Input[str],
        aws: AwsContext,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props = {
            "name": group_name,
            "retentionInDays": retention_days,
            "kmsKeyId": kms_key_arn,
            "tags": dict(aws.default_tags),
            **reach(aws),
            "partition": aws.partition,
            "arn": None,
        }
        super().__init__(ServiceLogGroupProvider(), name, props, opts)
