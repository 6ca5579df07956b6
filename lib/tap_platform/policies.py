"""IAM policy documents shared by the components, built as plain JSON text."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws


def assume_role(service: str, *, source_account: str | None = None) -> str:
    """Trust policy for one AWS service; `source_account` guards against confused deputies."""
    statement: dict[str, Any] = {
        "Effect": "Allow",
        "Principal": {"Service": service},
        "Action": "sts:AssumeRole",
    }
    if source_account:
        statement["Condition"] = {"StringEquals": {"aws:SourceAccount": source_account}}
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def allow(
    actions: Sequence[str],
    resources: Sequence[pulumi.Input[str]],
    condition: Mapping[str, Mapping[str, Any]] | None = None,
) -> pulumi.Output[str]:
    """One-statement identity policy; resources (and condition values) may be unresolved.
    Only those parts are resolved as outputs: the actions are plain strings."""
    actions = sorted(actions)

    def document(parts: list[Any]) -> str:
        statement = {"Effect": "Allow", "Action": actions, "Resource": parts[0]}
        statement.update({"Condition": parts[1]} if condition else {})
        return json.dumps({"Version": "2012-10-17", "Statement": [statement]})

    return pulumi.Output.all(list(resources), condition or {}).apply(document)


@dataclass(frozen=True)
class AwsContext:
    """Where the stack runs, as the provider reports it; ARNs are built from this only."""

    region: str
    account_id: str
    partition: str
    # The partition's domain (`amazonaws.com`, `amazonaws.com.cn`), for endpoints and the
    # principals that name the region.
    dns_suffix: str
    # The provider's default tags, for what the stack makes without the provider.
    default_tags: Mapping[str, str] = field(default_factory=dict)
    # The provider's credentials settings (`profile`, `assumeRoles`, the shared files), for
    # what the stack makes without the provider (`tap_platform.dynamic_aws`).
    credentials: Mapping[str, Any] = field(default_factory=dict)

    def arn(self, service: str, resource: str, *, regional: bool = True) -> str:
        region = self.region if regional else ""
        return f"arn:{self.partition}:{service}:{region}:{self.account_id}:{resource}"


# Name -> (actions, resources) or (actions, resources, condition): one inline policy each.
Grants = Mapping[
    str,
    tuple[Sequence[str], Sequence[pulumi.Input[str]]]
    | tuple[Sequence[str], Sequence[pulumi.Input[str]], Mapping[str, Mapping[str, Any]]],
]


def log_stream_writes(
    group_arn: pulumi.Input[str],
) -> tuple[Sequence[str], Sequence[pulumi.Input[str]]]:
    """The grant to write events into the streams of one log group (the group exists)."""
    return (
        ["logs:CreateLogStream", "logs:PutLogEvents"],
        [pulumi.Output.concat(group_arn, ":log-stream:*")],
    )


def service_role(
    parent: pulumi.Resource,
    name: str,
    *,
    role_name: str,
    service: str,
    context: AwsContext,
    guard_account: bool = True,
    managed: Mapping[str, str] | None = None,
    grants: Grants | None = None,
) -> aws.iam.Role:
    """A role one AWS service assumes (only for this account unless `guard_account` is off,
    as EC2 instance roles need), with AWS-managed policies (`managed`: key -> path such as
    `policy/AmazonSSMManagedInstanceCore`) and one inline policy per grant."""
    child = pulumi.ResourceOptions(parent=parent)
    role = aws.iam.Role(
        name,
        name=role_name,
        assume_role_policy=assume_role(
            service, source_account=context.account_id if guard_account else None
        ),
        opts=child,
    )
    for key, path in (managed or {}).items():
        aws.iam.RolePolicyAttachment(
            f"{name}-{key}",
            role=role.name,
            policy_arn=f"arn:{context.partition}:iam::aws:{path}",
            opts=child,
        )
    attach_grants(parent, name, role, grants or {})
    return role


# What a principal needs of a customer managed key to read what it encrypts, and also to
# write (S3 and Secrets Manager ask for a data key per object: KMS Developer Guide,
# "How Amazon S3 uses AWS KMS").
KEY_DECRYPT = ("kms:Decrypt",)
KEY_ENCRYPT_DECRYPT = ("kms:Decrypt", "kms:GenerateDataKey")


def key_grant(name: str, key_arn: pulumi.Input[str] | None, *, write: bool) -> Grants:
    """Use of the key that encrypts a resource, which every grant on that resource brings
    along (as the CDK's grants do); nothing for a resource without a customer key."""
    if key_arn is None:
        return {}
    return {name: (KEY_ENCRYPT_DECRYPT if write else KEY_DECRYPT, [key_arn])}


def attach_grants(
    parent: pulumi.Resource, name: str, role: aws.iam.Role, grants: Grants
) -> list[aws.iam.RolePolicy]:
    """Grants on a role made elsewhere (a team's own role): one inline policy per grant,
    as `service_role` attaches them to the roles the components make."""
    return [
        aws.iam.RolePolicy(
            f"{name}-{key}",
            role=role.id,
            policy=allow(actions, resources, *condition),
            opts=pulumi.ResourceOptions(parent=parent),
        )
        for key, (actions, resources, *condition) in grants.items()
    ]
