"""Network: VPC, three subnet tiers per AZ, egress per NAT strategy, flow logs, S3 endpoint."""

from __future__ import annotations

import ipaddress

import pytest

from tap_platform.network import INTERFACE_ENDPOINTS, Network, NetworkArgs, plan_subnets
from tap_platform.settings import NatStrategy
from tapsim.alone import CONTEXT, NAMER, build_alone
from tapsim.examples import load
from tapsim.fake_cloud import FakeCloud
from tapsim.runner import ProgramError, RunResult, run_program
from tests.conftest import synth

ECR_IMAGE = load("every-option").config["tap:service"]["image"]

VPC = "aws:ec2/vpc:Vpc"
SUBNET = "aws:ec2/subnet:Subnet"
ROUTE = "aws:ec2/route:Route"
RT = "aws:ec2/routeTable:RouteTable"
RTA = "aws:ec2/routeTableAssociation:RouteTableAssociation"
NAT = "aws:ec2/natGateway:NatGateway"
KEY_ARN = "arn:aws:kms:us-east-1:111122223333:key/alone"


def subnets(run, tier):
    return [s for s in run.of_type(SUBNET) if s.inputs["tags"]["Tier"] == tier]


def routes_of(run, table_id):
    return [r for r in run.of_type(ROUTE) if r.inputs["routeTableId"] == table_id]


def table_of(run, subnet):
    (assoc,) = [a for a in run.of_type(RTA) if a.inputs["subnetId"] == subnet.id]
    return assoc.inputs["routeTableId"]


def test_vpc_has_dns_support_and_hostnames(run) -> None:
    vpc = run.one(VPC)
    assert vpc.inputs["enableDnsSupport"] is True
    assert vpc.inputs["enableDnsHostnames"] is True


def test_vpc_cidr_comes_from_the_stack_file(dev, staging, prod) -> None:
    assert [r.one(VPC).inputs["cidrBlock"] for r in (dev, staging, prod)] == [
        "10.10.0.0/16", "10.20.0.0/16", "10.30.0.0/16",
    ]  # fmt: skip


@pytest.mark.parametrize("tier", ["public", "private", "isolated"])
def test_each_tier_has_one_subnet_per_az_in_distinct_azs(run, tier) -> None:
    azs = {"dev": 2, "staging": 2, "prod": 3}[run.stack]
    tier_subnets = subnets(run, tier)
    assert len(tier_subnets) == azs
    assert len({s.inputs["availabilityZone"] for s in tier_subnets}) == azs
    vpc = run.one(VPC)
    for s in tier_subnets:
        assert s.inputs["vpcId"] == vpc.id
        assert s.inputs["mapPublicIpOnLaunch"] is False
        assert ipaddress.ip_network(s.inputs["cidrBlock"]).subnet_of(
            ipaddress.ip_network(vpc.inputs["cidrBlock"])
        )


def test_subnets_do_not_overlap(prod) -> None:
    nets = [ipaddress.ip_network(s.inputs["cidrBlock"]) for s in prod.of_type(SUBNET)]
    assert not any(a.overlaps(b) for i, a in enumerate(nets) for b in nets[i + 1 :])


def test_cidr_plan_is_stable_when_azs_are_added() -> None:
    two, three = plan_subnets("10.0.0.0/16", 2), plan_subnets("10.0.0.0/16", 3)
    for tier in two:
        assert three[tier][:2] == two[tier]
    assert two["public"] == ["10.0.0.0/21", "10.0.8.0/21"]


def test_cidr_plan_rejects_impossible_az_counts() -> None:
    with pytest.raises(ValueError, match="az_count"):
        plan_subnets("10.0.0.0/16", 9)


def test_public_subnets_route_to_the_internet_gateway(run) -> None:
    igw = run.one("aws:ec2/internetGateway:InternetGateway")
    for subnet in subnets(run, "public"):
        (route,) = routes_of(run, table_of(run, subnet))
        assert route.inputs == {
            "routeTableId": route.inputs["routeTableId"],
            "destinationCidrBlock": "0.0.0.0/0",
            "gatewayId": igw.id,
        }


@pytest.mark.parametrize(("stack", "nats"), [("dev", 1), ("staging", 1), ("prod", 3)])
def test_nat_gateways_follow_the_tier_strategy(synthesized, stack, nats) -> None:
    run = synthesized[stack]
    gateways = run.of_type(NAT)
    assert len(gateways) == nats
    assert len(run.of_type("aws:ec2/eip:Eip")) == nats
    public_ids = {s.id for s in subnets(run, "public")}
    assert {g.inputs["subnetId"] for g in gateways} <= public_ids


def test_prod_private_subnets_each_use_the_nat_in_their_own_az(prod) -> None:
    nat_by_id = {n.id: n for n in prod.of_type(NAT)}
    subnet_az = {s.id: s.inputs["availabilityZone"] for s in prod.of_type(SUBNET)}
    for subnet in subnets(prod, "private"):
        (route,) = routes_of(prod, table_of(prod, subnet))
        nat = nat_by_id[route.inputs["natGatewayId"]]
        assert subnet_az[nat.inputs["subnetId"]] == subnet.inputs["availabilityZone"]


def test_nat_strategy_none_reaches_aws_through_interface_endpoints(every_option) -> None:
    """No NAT (`every-option` sets natStrategy none): no default route, and the tasks still pull
    their image, read their secrets and ship their logs through endpoints in the private
    subnets."""
    run = every_option
    assert run.of_type(NAT) == []
    for subnet in subnets(run, "private"):
        assert routes_of(run, table_of(run, subnet)) == []
    interface = {
        e.inputs["serviceName"]: e.inputs
        for e in run.of_type("aws:ec2/vpcEndpoint:VpcEndpoint")
        if e.inputs["vpcEndpointType"] == "Interface"
    }
    assert sorted(interface) == [
        f"com.amazonaws.us-east-1.{s}" for s in ("ecr.api", "ecr.dkr", "logs", "secretsmanager")
    ]
    private = sorted(s.id for s in subnets(run, "private"))
    for endpoint in interface.values():
        assert endpoint["privateDnsEnabled"] is True
        assert sorted(endpoint["subnetIds"]) == private


def test_nat_strategy_none_is_refused_where_nothing_could_start() -> None:
    """An image from a public registry, or instances that install software at boot, need
    egress that natStrategy none takes away."""
    for config, message in (
        ({}, "cannot be pulled without internet egress"),
        ({"tap:compute": "asg", "tap:service": {"image": ECR_IMAGE}}, "installs Docker"),
    ):
        with pytest.raises(ProgramError, match=message):
            synth("dev", config={"tap:network": {"natStrategy": "none"}, **config})


def test_isolated_subnets_have_no_route_out(run) -> None:
    for subnet in subnets(run, "isolated"):
        assert routes_of(run, table_of(run, subnet)) == []


def test_default_security_group_is_taken_over_with_no_rules(run) -> None:
    default = run.one("aws:ec2/defaultSecurityGroup:DefaultSecurityGroup")
    assert default.inputs["vpcId"] == run.one(VPC).id
    assert not default.inputs.get("ingress")
    assert not default.inputs.get("egress")


@pytest.mark.parametrize(("stack", "days"), [("dev", 7), ("staging", 30), ("prod", 365)])
def test_flow_logs_capture_all_traffic_with_tier_retention(synthesized, stack, days) -> None:
    run = synthesized[stack]
    flow = run.one("aws:ec2/flowLog:FlowLog")
    assert flow.inputs["vpcId"] == run.one(VPC).id
    assert flow.inputs["trafficType"] == "ALL"
    (group,) = [g for g in run.of_type("aws:cloudwatch/logGroup:LogGroup")
                if g.state["arn"] == flow.inputs["logDestination"]]  # fmt: skip
    assert group.inputs["retentionInDays"] == days
    role = next(
        r for r in run.of_type("aws:iam/role:Role") if r.state["arn"] == flow.inputs["iamRoleArn"]
    )
    assert "vpc-flow-logs.amazonaws.com" in role.inputs["assumeRolePolicy"]


def test_s3_gateway_endpoint_serves_the_private_route_tables(run) -> None:
    endpoint = run.one("aws:ec2/vpcEndpoint:VpcEndpoint")
    assert endpoint.inputs["vpcEndpointType"] == "Gateway"
    assert endpoint.inputs["serviceName"] == f"com.amazonaws.{run.outputs['region']}.s3"
    private_tables = {table_of(run, s) for s in subnets(run, "private")}
    assert set(endpoint.inputs["routeTableIds"]) == private_tables


def test_outputs_list_subnets_per_tier(run) -> None:
    for tier in ("public", "private", "isolated"):
        assert sorted(run.outputs[f"{tier}SubnetIds"]) == sorted(s.id for s in subnets(run, tier))
    assert run.outputs["vpcId"] == run.one(VPC).id


def test_subnets_never_land_in_a_local_zone(dev) -> None:
    """In an account opted into Local Zones they are "available" too, and `us-east-1-bos-1a`
    sorts before `us-east-1a`; only zones of type availability-zone may hold subnets."""
    cloud = FakeCloud("us-east-1")
    cloud.local_zones = (("us-east-1-bos-1a", "use1-bos1-az1"),)
    run = run_program("dev", cloud)

    def zones(run: RunResult) -> set[str]:
        return {s.inputs["availabilityZone"] for s in run.of_type("aws:ec2/subnet:Subnet")}

    assert zones(run) == zones(dev) == {"us-east-1a", "us-east-1b"}


def alone_network(nat_strategy: NatStrategy) -> RunResult:
    return build_alone(
        lambda: Network(
            "net",
            NetworkArgs(
                namer=NAMER,
                aws=CONTEXT,
                cidr="10.0.0.0/16",
                availability_zones=("us-east-1a", "us-east-1b"),
                nat_strategy=nat_strategy,
                flow_log_retention_days=14,
                kms_key_arn=KEY_ARN,
            ),
        )
    )


def test_network_alone_plans_its_subnets_and_shares_one_nat() -> None:
    """Built from its arguments only: the planned CIDRs, one NAT for every private table."""
    run = alone_network("single")
    assert run.one(VPC).inputs["cidrBlock"] == "10.0.0.0/16"
    planned = {s.name: s.inputs["cidrBlock"] for s in run.of_type(SUBNET)}
    for tier, cidrs in plan_subnets("10.0.0.0/16", 2).items():
        assert [planned[f"net-{tier}-{i}"] for i in range(2)] == cidrs
    (nat,) = run.of_type(NAT)
    for subnet in subnets(run, "private"):
        (route,) = routes_of(run, table_of(run, subnet))
        assert route.inputs["natGatewayId"] == nat.id
    assert len(run.of_type("aws:ec2/vpcEndpoint:VpcEndpoint")) == 1
    group = run.one("aws:cloudwatch/logGroup:LogGroup").inputs
    assert (group["retentionInDays"], group["kmsKeyId"]) == (14, KEY_ARN)


def test_network_alone_without_nat_has_no_route_out_but_interface_endpoints() -> None:
    run = alone_network("none")
    assert run.of_type(NAT) == run.of_type("aws:ec2/eip:Eip") == []
    assert [r.name for r in run.of_type(ROUTE)] == ["net-public-default"]
    endpoints = run.of_type("aws:ec2/vpcEndpoint:VpcEndpoint")
    assert len(endpoints) == 1 + len(INTERFACE_ENDPOINTS)
