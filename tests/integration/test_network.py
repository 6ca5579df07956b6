"""What the account shows of the network: DNS, subnets per tier, NAT, routes, flow logs."""

from __future__ import annotations

from tapsim.discovery import tags_of


def test_vpc_has_dns_support_and_hostnames(target) -> None:
    assert target.found.vpc_attribute("enableDnsSupport") is True
    assert target.found.vpc_attribute("enableDnsHostnames") is True
    assert target.found.vpc["CidrBlock"] == target.settings.network.cidr


def test_each_tier_spans_distinct_azs(target) -> None:
    count = target.settings.network.az_count
    for tier in ("public", "private", "isolated"):
        subnets = target.found.subnets_of(tier)
        assert len(subnets) == count, tier
        assert len({s["AvailabilityZone"] for s in subnets}) == count, tier
        assert not any(s["MapPublicIpOnLaunch"] for s in subnets), tier


def test_nat_gateways_follow_the_strategy(target) -> None:
    expected = {"none": 0, "single": 1, "perAz": target.settings.network.az_count}
    gateways = target.found.nat_gateways
    assert len(gateways) == expected[target.settings.network.nat_strategy]
    public = {s["SubnetId"] for s in target.found.subnets_of("public")}
    assert {g["SubnetId"] for g in gateways} <= public


def _default_route(table):
    return [r for r in table["Routes"] if r.get("DestinationCidrBlock") == "0.0.0.0/0"]


def test_routes_per_tier(target) -> None:
    found = target.found
    (igw,) = found.internet_gateways
    for subnet in found.subnets_of("public"):
        (route,) = _default_route(found.route_table_of(subnet["SubnetId"]))
        assert route["GatewayId"] == igw["InternetGatewayId"]
    nat_ids = {g["NatGatewayId"] for g in found.nat_gateways}
    for subnet in found.subnets_of("private"):
        (route,) = _default_route(found.route_table_of(subnet["SubnetId"]))
        assert route["NatGatewayId"] in nat_ids
    for subnet in found.subnets_of("isolated"):
        assert _default_route(found.route_table_of(subnet["SubnetId"])) == []


def test_flow_logs_go_to_cloudwatch_with_the_tier_retention(target) -> None:
    (flow,) = target.found.flow_logs
    assert flow["TrafficType"] == "ALL"
    assert flow["LogDestinationType"] == "cloud-watch-logs"
    name = flow.get("LogGroupName") or flow["LogDestination"].split(":log-group:")[1]
    group = target.found.log_groups[name.removesuffix(":*")]
    assert group["retentionInDays"] == target.settings.network.flow_log_retention_days


def test_default_security_group_has_no_rules(target) -> None:
    default = target.found.security_group("default")
    assert default["IpPermissions"] == []
    assert default["IpPermissionsEgress"] == []


def test_s3_gateway_endpoint_on_the_private_route_tables(target) -> None:
    found = target.found
    (endpoint,) = found.vpc_endpoints
    assert endpoint["ServiceName"] == f"com.amazonaws.{found.region}.s3"
    assert endpoint["VpcEndpointType"] == "Gateway"
    private_tables = {
        found.route_table_of(s["SubnetId"])["RouteTableId"] for s in found.subnets_of("private")
    }
    assert set(endpoint["RouteTableIds"]) == private_tables


def test_subnets_carry_their_tier_and_name(target) -> None:
    for subnet in target.found.subnets:
        tags = tags_of(subnet)
        assert tags["Name"].endswith(f"-{target.found.suffix}")
        assert tags["Tier"] in {"public", "private", "isolated"}
