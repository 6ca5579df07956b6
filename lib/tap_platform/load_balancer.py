"""The internet-facing Application Load Balancer and the target group the app joins.

With a certificate, port 80 only redirects and 443 terminates TLS under a TLS 1.3 policy;
without one, port 80 forwards, which suits dev stacks that have no domain.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from tap_platform.naming import Namer, Service

# Target group name roles per target type (32 characters at most with the longest suffix).
# Short: a target group's name has 32 characters for the project, the role and a suffix of up
# to 20 (ELB API Reference, CreateTargetGroup).
TARGET_GROUP_ROLES = {"ip": "ip", "instance": "ec2"}
# What a shared environment's listeners answer when no service's rule matches.
NOT_FOUND = aws.lb.ListenerDefaultActionArgs(
    type="fixed-response",
    fixed_response=aws.lb.ListenerDefaultActionFixedResponseArgs(
        content_type="text/plain", message_body="Not found", status_code="404"
    ),
)


@dataclass(frozen=True)
class TargetArgs:
    """The target group the app joins: its port, whether tasks (`ip`) or instances
    (`instance`) register, and how they are checked and drained."""

    port: int
    target_type: str
    health_check_path: str
    health_check_interval_seconds: int
    deregistration_delay_seconds: int


def target_group(
    parent: pulumi.Resource, name: str, namer: Namer, vpc_id: pulumi.Input[str], args: TargetArgs
) -> aws.lb.TargetGroup:
    return aws.lb.TargetGroup(
        name,
        # The target type cannot change in place: switching the runtime replaces the group,
        # and the new one is made before the old goes, so its name names the type.
        name=namer.name(TARGET_GROUP_ROLES[args.target_type], Service.TARGET_GROUP),
        port=args.port,
        protocol="HTTP",
        target_type=args.target_type,
        vpc_id=vpc_id,
        deregistration_delay=args.deregistration_delay_seconds,
        health_check=aws.lb.TargetGroupHealthCheckArgs(
            enabled=True,
            path=args.health_check_path,
            protocol="HTTP",
            matcher="200-399",
            interval=args.health_check_interval_seconds,
            timeout=min(5, args.health_check_interval_seconds - 1),
            healthy_threshold=2,
            unhealthy_threshold=3,
        ),
        opts=pulumi.ResourceOptions(parent=parent),
    )


@dataclass(frozen=True)
class LoadBalancerArgs:
    namer: Namer
    vpc_id: pulumi.Input[str]
    subnet_ids: pulumi.Input[Sequence[pulumi.Input[str]]]
    security_group_id: pulumi.Input[str]
    # The app's target group, which the listeners forward to; None on a shared environment,
    # whose listeners answer 404 to what no service's rule claims.
    target: TargetArgs | None
    idle_timeout_seconds: int
    deletion_protection: bool
    certificate_arn: pulumi.Input[str] | None
    ssl_policy: str
    access_logs_bucket: pulumi.Input[str]
    access_logs_prefix: str
    access_logs_ready: Sequence[pulumi.Resource]


class LoadBalancer(pulumi.ComponentResource):
    """ALB, its listeners, and the app's target group when the stack holds the app."""

    def __init__(
        self, name: str, args: LoadBalancerArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("tap:edge:LoadBalancer", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        namer = args.namer

        self.alb = aws.lb.LoadBalancer(
            f"{name}-alb",
            name=namer.name("alb", Service.ALB),
            load_balancer_type="application",
            internal=False,
            subnets=args.subnet_ids,
            security_groups=[args.security_group_id],
            drop_invalid_header_fields=True,
            desync_mitigation_mode="defensive",
            enable_deletion_protection=args.deletion_protection,
            idle_timeout=args.idle_timeout_seconds,
            access_logs=aws.lb.LoadBalancerAccessLogsArgs(
                bucket=args.access_logs_bucket, prefix=args.access_logs_prefix, enabled=True
            ),
            opts=pulumi.ResourceOptions(
                parent=self,
                depends_on=list(args.access_logs_ready),
                protect=args.deletion_protection,
            ),
        )
        self.target_group = (
            target_group(self, f"{name}-tg", namer, args.vpc_id, args.target)
            if args.target
            else None
        )
        forward = (
            aws.lb.ListenerDefaultActionArgs(type="forward", target_group_arn=self.target_group.arn)
            if self.target_group
            else NOT_FOUND
        )
        self.listeners: list[aws.lb.Listener] = []
        if args.certificate_arn:
            self.listeners.append(
                aws.lb.Listener(
                    f"{name}-https",
                    load_balancer_arn=self.alb.arn,
                    port=443,
                    protocol="HTTPS",
                    certificate_arn=args.certificate_arn,
                    ssl_policy=args.ssl_policy,
                    default_actions=[forward],
                    opts=child,
                )
            )
            http_action = aws.lb.ListenerDefaultActionArgs(
                type="redirect",
                redirect=aws.lb.ListenerDefaultActionRedirectArgs(
                    port="443", protocol="HTTPS", status_code="HTTP_301"
                ),
            )
        else:
            http_action = forward
        self.listeners.append(
            aws.lb.Listener(
                f"{name}-http",
                load_balancer_arn=self.alb.arn,
                port=80,
                protocol="HTTP",
                default_actions=[http_action],
                opts=child,
            )
        )
        # Services add their rules to the listener that forwards: HTTPS when there is one.
        self.service_listener = self.listeners[0]
        self.register_outputs({"albArn": self.alb.arn, "albDnsName": self.alb.dns_name})
