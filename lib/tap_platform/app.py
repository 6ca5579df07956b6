"""What every runtime of the app needs, whichever `tap:compute` chooses.

Both the Fargate and the EC2 Auto Scaling components take these fields, so switching the
runtime changes the runtime only: the same image, port, settings, secrets, bucket and scaling.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
from pulumi_aws.cloudwatch import LogGroup

from tap_platform.buckets import BucketRef
from tap_platform.ecr import RepositoryRef, grant_pull
from tap_platform.naming import Namer
from tap_platform.policies import KEY_DECRYPT, AwsContext, Grants
from tap_platform.secrets import grant_secret_read

CONTAINER_NAME = "app"


@dataclass(frozen=True)
class InjectedSecret:
    """A variable the runtime sets at start from Secrets Manager or SSM Parameter Store.

    Attributes:
        source: `secretsmanager` or `ssm`.
        reference: what ECS's `valueFrom` and the AWS CLI take: an ARN, or a name in the
            stack's region.
        arns: the resources a grant names (a secret named without its suffix matches any).
        region: where the CLI asks for it.
        key_arn: the customer key that encrypts it (default: None, an AWS managed key, which
            its service uses on the caller's behalf without a grant).
    """

    source: str
    reference: str
    arns: tuple[str, ...]
    region: str
    key_arn: str | None = None


def injected_secret(reference: str, key_arn: str | None, context: AwsContext) -> InjectedSecret:
    """An ARN, or `secretsmanager:<name>` / `ssm:<name>` in the stack's region and account."""
    if reference.startswith("arn:"):
        parts = reference.split(":")
        source, region = parts[2], parts[3]
        arns: tuple[str, ...] = (reference,)
        if source == "secretsmanager":
            # `...:secret:app-config` may be a whole ARN or a name without its suffix; its
            # last six characters cannot tell (Secrets Manager User Guide, "Troubleshoot").
            arns = (reference, f"{reference}-??????")
        return InjectedSecret(source, reference, arns, region, key_arn)
    source, name = reference.split(":", 1)
    if source == "ssm":
        arn = context.arn("ssm", f"parameter/{name.removeprefix('/')}")
    else:
        arn = context.arn("secretsmanager", f"secret:{name}-??????")
    return InjectedSecret(source, name, (arn,), context.region, key_arn)


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
        secrets: variables the runtime sets at start from existing secrets and parameters
            (`tap:service.secrets`), granted to the runtime's starting role exactly.
        connect_grants: what the app reads itself each time it connects (the cache's AUTH
            secret, `rds-db:connect` as its database user), granted to the app's own role.
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
        image_repositories: the private ECR repositories the runtime pulls the image from:
            the one the pipeline pushes to, and the first image's when that is one (default:
            none; a public image needs no grant).
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
    secrets: Mapping[str, InjectedSecret]
    connect_grants: Grants
    kms_key_arn: pulumi.Input[str]
    assets: BucketRef
    desired_count: int
    min_count: int
    max_count: int
    cpu_target_percent: int
    requests_per_target: int
    log_retention_days: int
    log_group: LogGroup
    image_repositories: Sequence[RepositoryRef] = field(default=(), kw_only=True)

    def app_grants(self) -> Grants:
        """What the app itself may do, whichever runtime: its assets, with their key."""
        return {
            **self.assets.grant_read_write("assets", delete=True),
            **self.assets.grant_list("assets-list"),
        }

    def injected_grants(self, ssm_action: str) -> Grants:
        """Reading exactly the secrets and parameters set at start, and the customer keys
        that encrypt them; ECS asks SSM for `GetParameters`, the AWS CLI on an instance for
        `GetParameter`."""
        found = list(self.secrets.values())
        parameters = [arn for s in found if s.source == "ssm" for arn in s.arns]
        keys = sorted({s.key_arn for s in found if s.key_arn})
        grants: Grants = {
            **grant_secret_read(
                "app-secrets", [arn for s in found if s.source != "ssm" for arn in s.arns]
            ),
            **({"app-parameters": ([ssm_action], parameters)} if parameters else {}),
            **({"app-secret-keys": (list(KEY_DECRYPT), keys)} if keys else {}),
        }
        return grants

    def pull_grants(self) -> Grants:
        """Pulling the image from exactly its repositories, whichever runtime pulls it."""
        return grant_pull("image-pull", self.image_repositories)

    def request_count_label(self) -> pulumi.Output[str]:
        """`ALBRequestCountPerTarget` is measured per ALB and target group pair."""
        return pulumi.Output.format("{0}/{1}", self.alb_arn_suffix, self.target_group_arn_suffix)
