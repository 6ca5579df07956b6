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

        listener_ports = (80, 443) if args.https else (80,)
        for port in listener_ports:
            for i, cidr in enumerate(args.ingress_cidrs):
                aws.vpc.SecurityGroupIngressRule(
                    f"{name}-alb-in-{port}-{i}",
                    security_group_id=self.alb.id,
                    description=f"Clients to the load balancer on {port}",
                    ip_protocol="tcp",
                    from_port=port,
                    to_port=port,
                    cidr_ipv4=cidr,
                    opts=child,
                )
        aws.vpc.SecurityGroupEgressRule(
            f"{name}-alb-out-app",
            security_group_id=self.alb.id,
            description="Load balancer to the app tasks",
            ip_protocol="tcp",
            from_port=args.app_port,
            to_port=args.app_port,
            referenced_security_group_id=self.app.id,
            opts=child,
        )
        aws.vpc.SecurityGroupIngressRule(
            f"{name}-app-in-alb",
            security_group_id=self.app.id,
            description="Load balancer to the app port",
            ip_protocol="tcp",
            from_port=args.app_port,
            to_port=args.app_port,
            referenced_security_group_id=self.alb.id,
            opts=child,
        )
        aws.vpc.SecurityGroupEgressRule(
            f"{name}-app-out-https",
            security_group_id=self.app.id,
            description="App to AWS APIs and image registries over HTTPS",
            ip_protocol="tcp",
            from_port=443,
            to_port=443,
            cidr_ipv4="0.0.0.0/0",
            opts=child,
        )
        self.register_outputs(
            {"albSecurityGroupId": self.alb.id, "appSecurityGroupId": self.app.id}
        )
