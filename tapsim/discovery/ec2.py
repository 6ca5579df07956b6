"""EC2: the VPC, its subnets, routes, gateways, endpoints and security groups, and
launch templates."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from tap_platform.naming import Service
from tapsim.discovery.base import Lookups, tags_of


class Ec2Lookups(Lookups):
    def _vpc_filter(self) -> list[dict[str, Any]]:
        return [{"Name": "vpc-id", "Values": [self.vpc["VpcId"]]}]

    @cached_property
    def vpcs(self) -> list[dict[str, Any]]:
        return self.client("ec2").describe_vpcs(Filters=self._tag_filter)["Vpcs"]

    @property
    def vpc(self) -> dict[str, Any]:
        if len(self.vpcs) != 1:
            raise LookupError(
                f"expected one VPC tagged EnvironmentSuffix={self.suffix}, found {len(self.vpcs)}"
            )
        return self.vpcs[0]

    def vpc_attribute(self, attribute: str) -> bool:
        key = attribute[0].upper() + attribute[1:]
        answer = self.client("ec2").describe_vpc_attribute(
            VpcId=self.vpc["VpcId"], Attribute=attribute
        )
        return bool(answer[key]["Value"])

    @cached_property
    def subnets(self) -> list[dict[str, Any]]:
        return self.client("ec2").describe_subnets(Filters=self._vpc_filter())["Subnets"]

    def subnets_of(self, tier: str) -> list[dict[str, Any]]:
        return [s for s in self.subnets if tags_of(s).get("Tier") == tier]

    @cached_property
    def route_tables(self) -> list[dict[str, Any]]:
        return self.client("ec2").describe_route_tables(Filters=self._vpc_filter())["RouteTables"]

    def route_table_of(self, subnet_id: str) -> dict[str, Any]:
        for table in self.route_tables:
            if any(a.get("SubnetId") == subnet_id for a in table.get("Associations", [])):
                return table
        raise LookupError(f"no route table is associated with {subnet_id}")

    @cached_property
    def nat_gateways(self) -> list[dict[str, Any]]:
        gateways = self.client("ec2").describe_nat_gateways(Filters=self._vpc_filter())[
            "NatGateways"
        ]
        return [g for g in gateways if g["State"] not in {"deleted", "deleting"}]

    @cached_property
    def internet_gateways(self) -> list[dict[str, Any]]:
        return self.client("ec2").describe_internet_gateways(
            Filters=[{"Name": "attachment.vpc-id", "Values": [self.vpc["VpcId"]]}]
        )["InternetGateways"]

    @cached_property
    def flow_logs(self) -> list[dict[str, Any]]:
        return self.client("ec2").describe_flow_logs(
            Filters=[{"Name": "resource-id", "Values": [self.vpc["VpcId"]]}]
        )["FlowLogs"]

    @cached_property
    def vpc_endpoints(self) -> list[dict[str, Any]]:
        return self.client("ec2").describe_vpc_endpoints(Filters=self._vpc_filter())["VpcEndpoints"]

    @cached_property
    def security_groups(self) -> list[dict[str, Any]]:
        """The groups in the stack's VPC; a service on a shared environment, which has no VPC
        of its own, by its tags."""
        where = self._vpc_filter() if self.vpcs else self._tag_filter
        return self.client("ec2").describe_security_groups(Filters=where)["SecurityGroups"]

    def security_group(self, role: str) -> dict[str, Any]:
        name = "default" if role == "default" else self.name(role, Service.SECURITY_GROUP)
        (group,) = [g for g in self.security_groups if g["GroupName"] == name]
        return group

    def launch_template_data(self, template_id: str, version: str) -> dict[str, Any]:
        (found,) = self.client("ec2").describe_launch_template_versions(
            LaunchTemplateId=template_id, Versions=[version]
        )["LaunchTemplateVersions"]
        return found["LaunchTemplateData"]
