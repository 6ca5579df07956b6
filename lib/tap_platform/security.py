"""Security groups for the edge and the app, with every rule a separate, described resource.

Separate rule resources (not inline blocks) let later components add rules to these groups
without the two definitions fighting over the same group.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from tap_platform.naming import Namer, Service


@dataclass(frozen=True)
class SecurityGroupsArgs:
    """Which VPC the groups belong to, who may reach the load balancer, and the app port it
    forwards to; or, for a service on a shared environment, the environment's load balancer
    group to open a way from.

    Attributes:
        namer: names the groups.
        vpc_id: the VPC the groups belong to.
        ingress_cidrs: the IPv4 blocks that may reach the load balancer; used only when its
            group is made here.
        https: whether the load balancer also listens on 443, so clients may reach that
            port too; used only when its group is made here.
        app_port: the port the app listens on, which only the load balancer may reach; None
            for a shared environment, which runs no app and so has no app group.
        alb_security_group_id: the load balancer's group when the environment's stack holds
            it; None makes the group here (default: None).
    """

    namer: Namer
    vpc_id: pulumi.Input[str]
    ingress_cidrs: tuple[str, ...]
    https: bool
    app_port: int | None
    alb_security_group_id: pulumi.Input[str] | None = None


class SecurityGroups(pulumi.ComponentResource):
    """ALB group open on 80 (and 443) to the configured CIDRs; app group open to the ALB only.
    On a shared environment each service adds its own app group and the load balancer's
    way out to it, so destroying a service removes exactly its rules."""

    def __init__(
        self, name: str, args: SecurityGroupsArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("tap:security:SecurityGroups", name, None, opts)
        self.alb: aws.ec2.SecurityGroup | None = None
        alb_id = args.alb_security_group_id
        if alb_id is None:
            self.alb = self._alb(name, args)
            alb_id = self.alb.id
        self.alb_id: pulumi.Input[str] = alb_id
        self.app: aws.ec2.SecurityGroup | None = None
        if args.app_port is not None:
            self.app = self._app(name, args, alb_id, args.app_port)
        self.register_outputs({"albSecurityGroupId": alb_id})

    def _alb(self, name: str, args: SecurityGroupsArgs) -> aws.ec2.SecurityGroup:
        """The load balancer's group: one ingress rule per listener port and CIDR, so each
        can be described and removed on its own."""
        group = named_group(
            self, f"{name}-alb", namer=args.namer, role="alb", vpc_id=args.vpc_id,
            description="Load balancer: HTTP(S) from the allowed CIDRs",
        )  # fmt: skip
        for listener_port in (80, 443) if args.https else (80,):
            for i, cidr in enumerate(args.ingress_cidrs):
                tcp_rule(
                    self,
                    f"{name}-alb-in-{listener_port}-{i}",
                    direction="ingress",
                    group_id=group.id,
                    port=listener_port,
                    description=f"Clients to the load balancer on {listener_port}",
                    cidr_ipv4=cidr,
                )
        return group

    def _app(
        self, name: str, args: SecurityGroupsArgs, alb_id: pulumi.Input[str], port: int
    ) -> aws.ec2.SecurityGroup:
        """The app's group: its port from the load balancer only, matched by the load
        balancer's way out to it, and HTTPS out for AWS APIs and image pulls."""
        app = named_group(
            self, f"{name}-app", namer=args.namer, role="app", vpc_id=args.vpc_id,
            description="App tasks: the app port from the load balancer only",
        )  # fmt: skip
        tcp_rule(
            self,
            f"{name}-alb-out-app",
            direction="egress",
            group_id=alb_id,
            port=port,
            description="Load balancer to the app tasks",
            referenced_security_group_id=app.id,
        )
        tcp_rule(
            self,
            f"{name}-app-in-alb",
            direction="ingress",
            group_id=app.id,
            port=port,
            description="Load balancer to the app port",
            referenced_security_group_id=alb_id,
        )
        tcp_rule(
            self,
            f"{name}-app-out-https",
            direction="egress",
            group_id=app.id,
            port=443,
            description="App to AWS APIs and image registries over HTTPS",
            cidr_ipv4="0.0.0.0/0",
        )
        return app


def named_group(
    parent: pulumi.Resource,
    name: str,
    *,
    namer: Namer,
    role: str,
    description: str,
    vpc_id: pulumi.Input[str],
) -> aws.ec2.SecurityGroup:
    """A security group named for its role (`Service.SECURITY_GROUP`) and tagged with it."""
    return aws.ec2.SecurityGroup(
        name,
        name=namer.name(role, Service.SECURITY_GROUP),
        description=description,
        vpc_id=vpc_id,
        tags={"Name": namer.name(role)},
        opts=pulumi.ResourceOptions(parent=parent),
    )


def tcp_rule(
    parent: pulumi.Resource,
    name: str,
    *,
    direction: str,
    group_id: pulumi.Input[str],
    port: int,
    description: str,
    **peer: pulumi.Input[str],
) -> None:
    """One TCP port, one peer (`cidr_ipv4` or `referenced_security_group_id`)."""
    rule = (
        aws.vpc.SecurityGroupIngressRule
        if direction == "ingress"
        else aws.vpc.SecurityGroupEgressRule
    )
    rule(
        name,
        security_group_id=group_id,
        description=description,
        ip_protocol="tcp",
        from_port=port,
        to_port=port,
        opts=pulumi.ResourceOptions(parent=parent),
        **peer,
    )


def reachable_from_app(
    parent: pulumi.Resource,
    name: str,
    *,
    namer: Namer,
    role: str,
    vpc_id: pulumi.Input[str],
    app_security_group_id: pulumi.Input[str],
    port: int,
    what: str,
) -> aws.ec2.SecurityGroup:
    """A data-tier group that admits `port` from the app group, and the app's way out to it."""
    # A group's description cannot change in place (it forces a new group, whose fixed name
    # would collide), so the port lives in the rule, not here.
    group = named_group(
        parent, f"{name}-sg", namer=namer, role=role, vpc_id=vpc_id,
        description=f"{what}: reachable from the app tasks only",
    )  # fmt: skip
    tcp_rule(
        parent,
        f"{name}-in-app",
        direction="ingress",
        group_id=group.id,
        port=port,
        description=f"App tasks to {what}",
        referenced_security_group_id=app_security_group_id,
    )
    tcp_rule(
        parent,
        f"{name}-app-out",
        direction="egress",
        group_id=app_security_group_id,
        port=port,
        description=f"App to {what}",
        referenced_security_group_id=group.id,
    )
    return group
