"""Security groups for the edge and the app, with every rule a separate, described resource.

Separate rule resources (not inline blocks) let later components add rules to these groups
without the two definitions fighting over the same group.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from lib.naming import Namer, Service


@dataclass(frozen=True)
class SecurityGroupsArgs:
    namer: Namer
    vpc_id: pulumi.Input[str]
    ingress_cidrs: tuple[str, ...]
    https: bool
    app_port: int


class SecurityGroups(pulumi.ComponentResource):
    """ALB group open on 80 (and 443) to the configured CIDRs; app group open to the ALB only."""

    def __init__(
        self, name: str, args: SecurityGroupsArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("tap:security:SecurityGroups", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        namer = args.namer

        self.alb = aws.ec2.SecurityGroup(
            f"{name}-alb",
            name=namer.name("alb", Service.SECURITY_GROUP),
            description="Load balancer: HTTP(S) from the allowed CIDRs",
            vpc_id=args.vpc_id,
            tags={"Name": namer.name("alb")},
            opts=child,
        )
        self.app = aws.ec2.SecurityGroup(
            f"{name}-app",
            name=namer.name("app", Service.SECURITY_GROUP),
            description="App tasks: the app port from the load balancer only",
            vpc_id=args.vpc_id,
            tags={"Name": namer.name("app")},
            opts=child,
        )

        alb_id, app_id, port = self.alb.id, self.app.id, args.app_port
        for listener_port in (80, 443) if args.https else (80,):
            for i, cidr in enumerate(args.ingress_cidrs):
                tcp_rule(
                    self,
                    f"{name}-alb-in-{listener_port}-{i}",
                    direction="ingress",
                    group_id=alb_id,
                    port=listener_port,
                    description=f"Clients to the load balancer on {listener_port}",
                    cidr_ipv4=cidr,
                )
        tcp_rule(
            self,
            f"{name}-alb-out-app",
            direction="egress",
            group_id=alb_id,
            port=port,
            description="Load balancer to the app tasks",
            referenced_security_group_id=app_id,
        )
        tcp_rule(
            self,
            f"{name}-app-in-alb",
            direction="ingress",
            group_id=app_id,
            port=port,
            description="Load balancer to the app port",
            referenced_security_group_id=alb_id,
        )
        tcp_rule(
            self,
            f"{name}-app-out-https",
            direction="egress",
            group_id=app_id,
            port=443,
            description="App to AWS APIs and image registries over HTTPS",
            cidr_ipv4="0.0.0.0/0",
        )
        self.register_outputs(
            {"albSecurityGroupId": self.alb.id, "appSecurityGroupId": self.app.id}
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
    group = aws.ec2.SecurityGroup(
        f"{name}-sg",
        name=namer.name(role, Service.SECURITY_GROUP),
        # A group's description cannot change in place (it forces a new group, whose fixed
        # name would collide), so the port lives in the rule, not here.
        description=f"{what}: reachable from the app tasks only",
        vpc_id=vpc_id,
        tags={"Name": namer.name(role)},
        opts=pulumi.ResourceOptions(parent=parent),
    )
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
