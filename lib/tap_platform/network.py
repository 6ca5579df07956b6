"""The VPC: three subnet tiers over several AZs, egress, flow logs and an S3 endpoint.

Subnet CIDRs are derived from the VPC block by a fixed slot per (tier, AZ index), so adding
an AZ later adds subnets without renumbering (and so replacing) the existing ones.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from tap_platform.logs import log_group
from tap_platform.naming import Namer
from tap_platform.policies import AwsContext, log_stream_writes, service_role
from tap_platform.security import named_group, tcp_rule
from tap_platform.settings import NatStrategy

TIERS = ("public", "private", "isolated")
SLOTS_PER_TIER = 8
INTERFACE_ENDPOINTS = ("ecr.api", "ecr.dkr", "logs", "secretsmanager")
SUBNET_EXTRA_BITS = 5  # 32 slots: 8 per tier, the last 8 kept free for later tiers


def plan_subnets(vpc_cidr: str, az_count: int) -> dict[str, list[str]]:
    """CIDR of each subnet per tier; deterministic and stable as `az_count` grows."""
    if not 1 <= az_count <= SLOTS_PER_TIER:
        raise ValueError(f"az_count must be 1-{SLOTS_PER_TIER}, got {az_count}")
    blocks = list(ipaddress.IPv4Network(vpc_cidr).subnets(prefixlen_diff=SUBNET_EXTRA_BITS))
    return {
        tier: [str(blocks[t * SLOTS_PER_TIER + az]) for az in range(az_count)]
        for t, tier in enumerate(TIERS)
    }


@dataclass(frozen=True)
class NetworkArgs:
    """The VPC's address block and zones, how its app subnets reach the internet, and where
    its flow logs go.

    Attributes:
        namer: names the VPC's resources and its flow-log group and role.
        aws: the region (endpoint service names) and account the flow-log role trusts.
        cidr: the VPC's IPv4 block; each subnet is a fixed slot of it, 5 bits longer (a /21
            of a /16), by tier and AZ (`plan_subnets`).
        availability_zones: the AZs (1-8), one subnet per tier in each; appending one adds
            subnets without renumbering, and so replacing, the others.
        nat_strategy: NAT gateways for the private tier: `none` (no internet, interface
            endpoints instead), `single` (one, shared) or `perAz` (one per AZ, no
            cross-AZ dependency).
        flow_log_retention_days: days the VPC's flow logs are kept, one of the retention
            periods CloudWatch Logs offers.
        kms_key_arn: the key the flow-log group is encrypted with.
    """

    namer: Namer
    aws: AwsContext
    cidr: str
    availability_zones: tuple[str, ...]
    nat_strategy: NatStrategy
    flow_log_retention_days: int
    kms_key_arn: pulumi.Input[str]


class Network(pulumi.ComponentResource):
    """VPC with public (ALB, NAT), private (app) and isolated (data) subnets."""

    def __init__(
        self, name: str, args: NetworkArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("tap:network:Network", name, None, opts)
        self.vpc = self._vpc(name, args)
        subnets = self._subnets(name, args)
        self.public_subnet_ids = [s.id for s in subnets["public"]]
        self.private_subnet_ids = [s.id for s in subnets["private"]]
        self.isolated_subnet_ids = [s.id for s in subnets["isolated"]]

        igw = self._public_routes(name, args, subnets["public"])
        nat_ids = self._nat_gateways(name, args, subnets["public"], igw)
        private_rts = self._private_routes(name, args, subnets["private"], nat_ids)
        self._isolated_routes(name, args, subnets["isolated"])
        self.private_route_table_ids = [rt.id for rt in private_rts]

        aws.ec2.VpcEndpoint(
            f"{name}-s3-endpoint",
            vpc_id=self.vpc.id,
            service_name=f"com.amazonaws.{args.aws.region}.s3",
            vpc_endpoint_type="Gateway",
            route_table_ids=self.private_route_table_ids,
            tags={"Name": args.namer.name("s3")},
            opts=pulumi.ResourceOptions(parent=self),
        )
        if not nat_ids:
            self._interface_endpoints(name, args, subnets["private"])
        self.flow_log_group = self._flow_logs(name, args)

        self.register_outputs(
            {
                "vpcId": self.vpc.id,
                "publicSubnetIds": self.public_subnet_ids,
                "privateSubnetIds": self.private_subnet_ids,
                "isolatedSubnetIds": self.isolated_subnet_ids,
            }
        )

    def _vpc(self, name: str, args: NetworkArgs) -> aws.ec2.Vpc:
        """The VPC, with DNS on for the interface endpoints' private names, and its default
        group taken over with no rules, so nothing placed in it by default is reachable."""
        child = pulumi.ResourceOptions(parent=self)
        vpc = aws.ec2.Vpc(
            f"{name}-vpc",
            cidr_block=args.cidr,
            enable_dns_support=True,
            enable_dns_hostnames=True,
            tags={"Name": args.namer.name("vpc")},
            opts=child,
        )
        aws.ec2.DefaultSecurityGroup(
            f"{name}-default-sg",
            vpc_id=vpc.id,
            tags={"Name": args.namer.name("default-locked")},
            opts=child,
        )
        return vpc

    def _subnets(self, name: str, args: NetworkArgs) -> dict[str, list[aws.ec2.Subnet]]:
        """One subnet per tier and AZ, each at its planned slot; none assigns public IPs,
        since only the load balancer and the NAT gateways face the internet."""
        plan = plan_subnets(args.cidr, len(args.availability_zones))
        return {
            tier: [
                aws.ec2.Subnet(
                    f"{name}-{tier}-{i}",
                    vpc_id=self.vpc.id,
                    cidr_block=cidr,
                    availability_zone=az,
                    map_public_ip_on_launch=False,
                    tags={"Name": args.namer.name(f"{tier}-{az}"), "Tier": tier},
                    opts=pulumi.ResourceOptions(parent=self),
                )
                for i, (az, cidr) in enumerate(
                    zip(args.availability_zones, plan[tier], strict=True)
                )
            ]
            for tier in TIERS
        }

    def _public_routes(
        self, name: str, args: NetworkArgs, public: list[aws.ec2.Subnet]
    ) -> aws.ec2.InternetGateway:
        """The internet gateway and the one route table the public subnets share; returned
        because the NAT gateways' addresses need it first."""
        child = pulumi.ResourceOptions(parent=self)
        igw = aws.ec2.InternetGateway(
            f"{name}-igw", vpc_id=self.vpc.id, tags={"Name": args.namer.name("igw")}, opts=child
        )
        public_rt = aws.ec2.RouteTable(
            f"{name}-public-rt",
            vpc_id=self.vpc.id,
            tags={"Name": args.namer.name("public")},
            opts=child,
        )
        aws.ec2.Route(
            f"{name}-public-default",
            route_table_id=public_rt.id,
            destination_cidr_block="0.0.0.0/0",
            gateway_id=igw.id,
            opts=child,
        )
        self._associate(name, "public", public, [public_rt] * len(public))
        return igw

    def _private_routes(
        self,
        name: str,
        args: NetworkArgs,
        private: list[aws.ec2.Subnet],
        nat_ids: list[pulumi.Output[str]],
    ) -> list[aws.ec2.RouteTable]:
        """A route table per AZ, so that each can default to its own NAT gateway under
        `perAz` (round robin over fewer); with no NAT there is no default route."""
        child = pulumi.ResourceOptions(parent=self)
        tables = [
            aws.ec2.RouteTable(
                f"{name}-private-rt-{i}",
                vpc_id=self.vpc.id,
                tags={"Name": args.namer.name(f"private-{az}")},
                opts=child,
            )
            for i, az in enumerate(args.availability_zones)
        ]
        for i, rt in enumerate(tables):
            if nat_ids:
                aws.ec2.Route(
                    f"{name}-private-default-{i}",
                    route_table_id=rt.id,
                    destination_cidr_block="0.0.0.0/0",
                    nat_gateway_id=nat_ids[i % len(nat_ids)],
                    opts=child,
                )
        self._associate(name, "private", private, tables)
        return tables

    def _isolated_routes(
        self, name: str, args: NetworkArgs, isolated: list[aws.ec2.Subnet]
    ) -> None:
        """One table with only the VPC's local route: the data tier has no way out."""
        isolated_rt = aws.ec2.RouteTable(
            f"{name}-isolated-rt",
            vpc_id=self.vpc.id,
            tags={"Name": args.namer.name("isolated")},
            opts=pulumi.ResourceOptions(parent=self),
        )
        self._associate(name, "isolated", isolated, [isolated_rt] * len(isolated))

    def _associate(
        self,
        name: str,
        tier: str,
        subnets: list[aws.ec2.Subnet],
        tables: list[aws.ec2.RouteTable],
    ) -> None:
        """Each subnet of `tier` to its table; named by position, as the subnets are."""
        for i, (subnet, table) in enumerate(zip(subnets, tables, strict=True)):
            aws.ec2.RouteTableAssociation(
                f"{name}-{tier}-rta-{i}",
                subnet_id=subnet.id,
                route_table_id=table.id,
                opts=pulumi.ResourceOptions(parent=self),
            )

    def _nat_gateways(
        self,
        name: str,
        args: NetworkArgs,
        public: list[aws.ec2.Subnet],
        igw: aws.ec2.InternetGateway,
    ) -> list[pulumi.Output[str]]:
        """The NAT gateways `nat_strategy` asks for, in the first public subnets; an address
        for a NAT needs the VPC's internet gateway, hence the dependency."""
        count = {"none": 0, "single": 1, "perAz": len(public)}[args.nat_strategy]
        ids = []
        for i in range(count):
            eip = aws.ec2.Eip(
                f"{name}-nat-eip-{i}",
                domain="vpc",
                tags={"Name": args.namer.name(f"nat-{i}")},
                opts=pulumi.ResourceOptions(parent=self, depends_on=[igw]),
            )
            nat = aws.ec2.NatGateway(
                f"{name}-nat-{i}",
                allocation_id=eip.id,
                subnet_id=public[i].id,
                tags={"Name": args.namer.name(f"nat-{i}")},
                opts=pulumi.ResourceOptions(parent=self, depends_on=[igw]),
            )
            ids.append(nat.id)
        return ids

    def _interface_endpoints(
        self, name: str, args: NetworkArgs, private: list[aws.ec2.Subnet]
    ) -> None:
        """Without NAT, tasks reach what they need at start through these: ECR for the image
        (its layers come through the S3 gateway), CloudWatch Logs, Secrets Manager. Source:
        ECS Developer Guide, "Amazon ECS interface VPC endpoints (AWS PrivateLink)"."""
        child = pulumi.ResourceOptions(parent=self)
        group = named_group(
            self, f"{name}-endpoints-sg", namer=args.namer, role="endpoints",
            vpc_id=self.vpc.id, description="HTTPS from the VPC to its interface endpoints",
        )  # fmt: skip
        tcp_rule(
            self, f"{name}-endpoints-https", direction="ingress", group_id=group.id, port=443,
            description="HTTPS from inside the VPC", cidr_ipv4=args.cidr,
        )  # fmt: skip
        for service in INTERFACE_ENDPOINTS:
            aws.ec2.VpcEndpoint(
                f"{name}-{service.replace('.', '-')}-endpoint",
                vpc_id=self.vpc.id,
                service_name=f"com.amazonaws.{args.aws.region}.{service}",
                vpc_endpoint_type="Interface",
                private_dns_enabled=True,
                subnet_ids=[s.id for s in private],
                security_group_ids=[group.id],
                tags={"Name": args.namer.name(service.replace(".", "-"))},
                opts=child,
            )

    def _flow_logs(self, name: str, args: NetworkArgs) -> aws.cloudwatch.LogGroup:
        """Every flow of the VPC to an encrypted group that expires, through a role that can
        write only to it."""
        child = pulumi.ResourceOptions(parent=self)
        group = log_group(
            self,
            f"{name}-flow-logs",
            group_name=args.namer.log_group("vpc-flow-logs"),
            retention_days=args.flow_log_retention_days,
            kms_key_arn=args.kms_key_arn,
        )
        role = service_role(
            self,
            f"{name}-flow-logs-role",
            role_name=args.namer.role("flow-logs", args.aws.region),
            service="vpc-flow-logs.amazonaws.com",
            context=args.aws,
            # VPC User Guide, "IAM role for publishing flow logs to CloudWatch Logs"; the
            # group exists, so creating groups is not granted.
            grants={
                "write": log_stream_writes(group.arn),
                "describe-streams": (["logs:DescribeLogStreams"], [group.arn]),
                # DescribeLogGroups takes no resource (Service Authorization Reference).
                "describe-groups": (["logs:DescribeLogGroups"], ["*"]),
            },
        )
        aws.ec2.FlowLog(
            f"{name}-flow-log",
            vpc_id=self.vpc.id,
            traffic_type="ALL",
            log_destination_type="cloud-watch-logs",
            log_destination=group.arn,
            iam_role_arn=role.arn,
            max_aggregation_interval=60,
            tags={"Name": args.namer.name("flow-log")},
            opts=child,
        )
        return group
