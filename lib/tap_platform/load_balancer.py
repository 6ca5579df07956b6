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
    (`instance`) register, and how they are checked and drained.

    Attributes:
        port: the port the app listens on, which the group forwards to and checks.
        target_type: `ip` for ECS tasks (awsvpc), `instance` for Auto Scaling instances; it
            cannot change in place, so it is part of the group's name.
        health_check_path: the path whose 200-399 answer marks a target healthy.
        health_check_interval_seconds: seconds between checks; each check times out after
            at most 5 seconds, and always before the next one.
        deregistration_delay_seconds: seconds a leaving target keeps serving its open
            requests before it is removed.
    """

    port: int
    target_type: str
    health_check_path: str
    health_check_interval_seconds: int
    deregistration_delay_seconds: int


# Every path: the pattern of the rule that sends a runtime all of the listener's requests.
ALL_PATHS = aws.lb.ListenerRuleConditionArgs(
    path_pattern=aws.lb.ListenerRuleConditionPathPatternArgs(values=["/*"])
)


def target_group(
    parent: pulumi.Resource, name: str, vpc_id: pulumi.Input[str], args: TargetArgs
) -> aws.lb.TargetGroup:
    """The runtime's target group, one per target type: switching the runtime makes the new
    runtime's group beside the old one, which goes only when the old runtime has gone. No
    fixed name, so a new port replaces it beside the old one too. It answers to the name it
    had before groups were keyed by runtime, so an existing stack keeps its group."""
    return aws.lb.TargetGroup(
        f"{name}-{args.target_type}",
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
        opts=pulumi.ResourceOptions(parent=parent, aliases=[pulumi.Alias(name=name)]),
    )


def open_to(
    parent: pulumi.Resource,
    name: str,
    *,
    listener_arn: pulumi.Input[str],
    group: aws.lb.TargetGroup,
    target_type: str,
    conditions: Sequence[aws.lb.ListenerRuleConditionArgs],
    ready: Sequence[pulumi.Resource],
    aliases: Sequence[pulumi.Alias] = (),
) -> aws.lb.ListenerRule:
    """The rule that sends the runtime its requests, made once the runtime is `ready` (its
    tasks steady, or its instances healthy behind the group). It takes no priority, so the
    provider gives it the listener's highest plus one: while the previous runtime's rule
    still exists, that rule wins. Pulumi deletes the previous rule before the previous
    runtime, which depends on nothing of it, so requests move only to targets that serve."""
    return aws.lb.ListenerRule(
        f"{name}-{target_type}",
        listener_arn=listener_arn,
        actions=[aws.lb.ListenerRuleActionArgs(type="forward", target_group_arn=group.arn)],
        conditions=list(conditions),
        opts=pulumi.ResourceOptions(parent=parent, depends_on=list(ready), aliases=list(aliases)),
    )


@dataclass(frozen=True)
class LoadBalancerArgs:
    """Where the load balancer sits and who reaches it, what it forwards to, whether it
    terminates TLS, and where it writes its access logs.

    Attributes:
        namer: names the load balancer and the target group.
        vpc_id: the VPC the target group belongs to.
        subnet_ids: the public subnets the load balancer spans, one per AZ.
        security_group_id: the load balancer's security group.
        target: the app's target group, which the listeners forward to; None on a shared
            environment, whose listeners answer 404 to what no service's rule claims.
        idle_timeout_seconds: seconds a connection may stay idle before the load balancer
            closes it.
        deletion_protection: whether AWS refuses to delete the load balancer (Security Hub
            ELB.6); for tiers whose address clients rely on.
        certificate_arn: an issued ACM certificate for an HTTPS listener on 443, with port
            80 redirecting to it; None serves plain HTTP on 80 only.
        ssl_policy: the HTTPS listener's security policy (its TLS versions and ciphers);
            unused without a certificate.
        access_logs_bucket: the bucket access logs are written to.
        access_logs_prefix: the key prefix of the access logs in that bucket.
        access_logs_ready: resources the load balancer waits for, such as the bucket policy
            that lets ELB write there, since AWS checks that access when the load balancer
            is created.
    """

    namer: Namer
    vpc_id: pulumi.Input[str]
    subnet_ids: pulumi.Input[Sequence[pulumi.Input[str]]]
    security_group_id: pulumi.Input[str]
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
        self.alb = self._alb(name, args)
        self.target_group = (
            target_group(self, f"{name}-tg", args.vpc_id, args.target) if args.target else None
        )
        forward = (
            aws.lb.ListenerDefaultActionArgs(type="forward", target_group_arn=self.target_group.arn)
            if self.target_group
            else NOT_FOUND
        )
        self.listeners = self._listeners(name, args, forward)
        # Services add their rules to the listener that forwards: HTTPS when there is one.
        self.service_listener = self.listeners[0]
        self._name, self._target = name, args.target
        self.register_outputs({"albArn": self.alb.arn, "albDnsName": self.alb.dns_name})

    def open_to_app(self, ready: Sequence[pulumi.Resource]) -> aws.lb.ListenerRule:
        """Every path to the app's target group once the app is `ready`. The default action
        forwards there too, which lets the runtime register before its rule exists; the
        rule is what keeps a previous runtime serving until the new one is ready."""
        assert self.target_group is not None
        assert self._target is not None
        return open_to(
            self,
            f"{self._name}-app",
            listener_arn=self.service_listener.arn,
            group=self.target_group,
            target_type=self._target.target_type,
            conditions=[ALL_PATHS],
            ready=ready,
        )

    def _alb(self, name: str, args: LoadBalancerArgs) -> aws.lb.LoadBalancer:
        """The load balancer, dropping malformed headers and mitigating request desync; it
        waits for its log bucket to admit it. With deletion protection AWS refuses to delete
        it (Security Hub ELB.6). It holds no state, so the stack does not protect it: a
        change that replaces it is refused by its fixed name, which the new one cannot take
        while the old one stands (`Plan.collisions`)."""
        return aws.lb.LoadBalancer(
            f"{name}-alb",
            name=args.namer.name("alb", Service.ALB),
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
            opts=pulumi.ResourceOptions(parent=self, depends_on=list(args.access_logs_ready)),
        )

    def _listeners(
        self, name: str, args: LoadBalancerArgs, forward: aws.lb.ListenerDefaultActionArgs
    ) -> list[aws.lb.Listener]:
        """The listener that applies `forward` first: HTTPS, with HTTP redirecting to it, when
        there is a certificate; otherwise HTTP alone."""
        child = pulumi.ResourceOptions(parent=self)
        listeners: list[aws.lb.Listener] = []
        if args.certificate_arn:
            listeners.append(
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
        listeners.append(
            aws.lb.Listener(
                f"{name}-http",
                load_balancer_arn=self.alb.arn,
                port=80,
                protocol="HTTP",
                default_actions=[http_action],
                opts=child,
            )
        )
        return listeners
