"""EC2: the VPC and everything in it, security groups and their rules, launch templates."""

from __future__ import annotations

from typing import Any

from tapsim import catalog
from tapsim.emulator.core import (
    Context,
    Deleter,
    EmulatorError,
    Handler,
    Invoke,
    Updater,
    as_bool,
    by,
    by_list,
    ignore,
)


def _vpc(ctx: Context, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    ec2 = ctx.clients("ec2")
    vpc_id = ec2.create_vpc(CidrBlock=i["cidrBlock"], **ctx.ec2_tags("vpc"))["Vpc"]["VpcId"]
    for attribute in ("enableDnsSupport", "enableDnsHostnames"):
        ec2.modify_vpc_attribute(
            VpcId=vpc_id, **{attribute[0].upper() + attribute[1:]: {"Value": bool(i[attribute])}}
        )
    default_sg = _default_group(ec2, vpc_id)["GroupId"]
    return vpc_id, {"defaultSecurityGroupId": default_sg, "arn": ctx.arn("ec2", f"vpc/{vpc_id}")}


def _default_group(ec2: Any, vpc_id: str) -> dict[str, Any]:
    return ec2.describe_security_groups(
        Filters=[
            {"Name": "vpc-id", "Values": [vpc_id]},
            {"Name": "group-name", "Values": ["default"]},
        ]
    )["SecurityGroups"][0]


def _default_sg(ctx: Context, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """Adopts the VPC's default group and strips every rule, as the provider does."""
    ec2 = ctx.clients("ec2")
    group = _default_group(ec2, i["vpcId"])
    if group["IpPermissions"]:
        ec2.revoke_security_group_ingress(
            GroupId=group["GroupId"], IpPermissions=group["IpPermissions"]
        )
    if group["IpPermissionsEgress"]:
        ec2.revoke_security_group_egress(
            GroupId=group["GroupId"], IpPermissions=group["IpPermissionsEgress"]
        )
    if ctx.tags:
        ec2.create_tags(Resources=[group["GroupId"]], Tags=ctx.tag_list())
    return group["GroupId"], {"name": "default"}


def _subnet(ctx: Context, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    ec2 = ctx.clients("ec2")
    subnet = ec2.create_subnet(
        VpcId=i["vpcId"],
        CidrBlock=i["cidrBlock"],
        AvailabilityZone=i["availabilityZone"],
        **ctx.ec2_tags("subnet"),
    )["Subnet"]
    ec2.modify_subnet_attribute(
        SubnetId=subnet["SubnetId"],
        MapPublicIpOnLaunch={"Value": bool(i.get("mapPublicIpOnLaunch", False))},
    )
    return subnet["SubnetId"], {"arn": subnet.get("SubnetArn", "")}


def _igw(ctx: Context, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    ec2 = ctx.clients("ec2")
    igw = ec2.create_internet_gateway(**ctx.ec2_tags("internet-gateway"))
    igw_id = igw["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw_id, VpcId=i["vpcId"])
    return igw_id, {}


def _delete_igw(ctx: Context, igw_id: str, state: dict[str, Any]) -> None:
    ec2 = ctx.clients("ec2")
    ec2.detach_internet_gateway(InternetGatewayId=igw_id, VpcId=state["vpcId"])
    ec2.delete_internet_gateway(InternetGatewayId=igw_id)


def _eip(ctx: Context, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    eip = ctx.clients("ec2").allocate_address(
        Domain=i.get("domain", "vpc"), **ctx.ec2_tags("elastic-ip")
    )
    return eip["AllocationId"], {"publicIp": eip["PublicIp"], "allocationId": eip["AllocationId"]}


def _nat(ctx: Context, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    nat = ctx.clients("ec2").create_nat_gateway(
        SubnetId=i["subnetId"], AllocationId=i["allocationId"], **ctx.ec2_tags("natgateway")
    )["NatGateway"]
    return nat["NatGatewayId"], {}


def _route_table(ctx: Context, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    table = ctx.clients("ec2").create_route_table(VpcId=i["vpcId"], **ctx.ec2_tags("route-table"))
    return table["RouteTable"]["RouteTableId"], {}


_ROUTE_TARGETS = {"gatewayId": "GatewayId", "natGatewayId": "NatGatewayId"}


def _route(ctx: Context, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    targets = {api: i[key] for key, api in _ROUTE_TARGETS.items() if key in i}
    ctx.clients("ec2").create_route(
        RouteTableId=i["routeTableId"], DestinationCidrBlock=i["destinationCidrBlock"], **targets
    )
    return f"r-{i['routeTableId']}{i['destinationCidrBlock']}", {}


def _association(ctx: Context, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    association = ctx.clients("ec2").associate_route_table(
        RouteTableId=i["routeTableId"], SubnetId=i["subnetId"]
    )
    return association["AssociationId"], {}


def _endpoint(ctx: Context, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    kind = i.get("vpcEndpointType", "Gateway")
    placement = (
        {"RouteTableIds": i.get("routeTableIds", [])}
        if kind == "Gateway"
        else {
            "SubnetIds": i.get("subnetIds", []),
            "SecurityGroupIds": i.get("securityGroupIds", []),
            "PrivateDnsEnabled": bool(i.get("privateDnsEnabled")),
        }
    )
    endpoint = ctx.clients("ec2").create_vpc_endpoint(
        VpcId=i["vpcId"],
        ServiceName=i["serviceName"],
        VpcEndpointType=kind,
        **placement,
        **ctx.ec2_tags("vpc-endpoint"),
    )["VpcEndpoint"]
    return endpoint["VpcEndpointId"], {}


def _flow_log(ctx: Context, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    result = ctx.clients("ec2").create_flow_logs(
        ResourceIds=[i["vpcId"]],
        ResourceType="VPC",
        TrafficType=i["trafficType"],
        LogDestinationType=i["logDestinationType"],
        LogDestination=i["logDestination"],
        DeliverLogsPermissionArn=i["iamRoleArn"],
        MaxAggregationInterval=int(i.get("maxAggregationInterval", 600)),
        **ctx.ec2_tags("vpc-flow-log"),
    )
    if result.get("Unsuccessful"):
        raise EmulatorError(f"flow log refused: {result['Unsuccessful']}")
    return result["FlowLogIds"][0], {}


def _security_group(ctx: Context, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """Like the provider, removes the allow-all egress AWS adds to every new group."""
    ec2 = ctx.clients("ec2")
    group_id = ec2.create_security_group(
        GroupName=i["name"],
        Description=i.get("description", "Managed by Pulumi"),
        VpcId=i["vpcId"],
        **ctx.ec2_tags("security-group"),
    )["GroupId"]
    ec2.revoke_security_group_egress(
        GroupId=group_id,
        IpPermissions=[{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}],
    )
    return group_id, {"arn": ctx.arn("ec2", f"security-group/{group_id}")}


def _permission(i: dict[str, Any]) -> dict[str, Any]:
    permission: dict[str, Any] = {
        "IpProtocol": i["ipProtocol"],
        "FromPort": int(i["fromPort"]),
        "ToPort": int(i["toPort"]),
    }
    description = i.get("description", "")
    if "cidrIpv4" in i:
        permission["IpRanges"] = [{"CidrIp": i["cidrIpv4"], "Description": description}]
    if "referencedSecurityGroupId" in i:
        permission["UserIdGroupPairs"] = [
            {"GroupId": i["referencedSecurityGroupId"], "Description": description}
        ]
    if "prefixListId" in i:
        permission["PrefixListIds"] = [{"PrefixListId": i["prefixListId"]}]
    return permission


def _rule(direction: str) -> tuple[Handler, Deleter]:
    def create(ctx: Context, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        authorize = getattr(ctx.clients("ec2"), f"authorize_security_group_{direction}")
        result = authorize(
            GroupId=i["securityGroupId"],
            IpPermissions=[_permission(i)],
            **ctx.ec2_tags("security-group-rule"),
        )
        return result["SecurityGroupRules"][0]["SecurityGroupRuleId"], {}

    def delete(ctx: Context, _id: str, state: dict[str, Any]) -> None:
        revoke = getattr(ctx.clients("ec2"), f"revoke_security_group_{direction}")
        revoke(GroupId=state["securityGroupId"], IpPermissions=[_permission(state)])

    return create, delete


def _update_rule(ctx: Context, rule_id: str, i: dict[str, Any]) -> None:
    """A rule's new ports, protocol, peer or description, in place, as the provider changes
    it (EC2 API Reference, ModifySecurityGroupRules)."""
    rule: dict[str, Any] = {
        "IpProtocol": i["ipProtocol"],
        "FromPort": int(i["fromPort"]),
        "ToPort": int(i["toPort"]),
        "Description": i.get("description", ""),
    }
    for key, field in (
        ("cidrIpv4", "CidrIpv4"),
        ("referencedSecurityGroupId", "ReferencedGroupId"),
        ("prefixListId", "PrefixListId"),
    ):
        if key in i:
            rule[field] = i[key]
    ctx.clients("ec2").modify_security_group_rules(
        GroupId=i["securityGroupId"],
        SecurityGroupRules=[{"SecurityGroupRuleId": rule_id, "SecurityGroupRule": rule}],
    )


def _launch_template(ctx: Context, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    metadata = i["metadataOptions"]
    (nic,) = i["networkInterfaces"]
    (disk,) = i["blockDeviceMappings"]
    ebs = disk["ebs"]
    data = {
        "ImageId": i["imageId"],
        "InstanceType": i["instanceType"],
        "IamInstanceProfile": {"Arn": i["iamInstanceProfile"]["arn"]},
        "MetadataOptions": {
            "HttpEndpoint": metadata["httpEndpoint"],
            "HttpTokens": metadata["httpTokens"],
            "HttpPutResponseHopLimit": int(metadata["httpPutResponseHopLimit"]),
        },
        "Monitoring": {"Enabled": bool(i["monitoring"]["enabled"])},
        "NetworkInterfaces": [
            {
                "DeviceIndex": 0,
                "AssociatePublicIpAddress": as_bool(nic["associatePublicIpAddress"]),
                "DeleteOnTermination": as_bool(nic["deleteOnTermination"]),
                "Groups": nic["securityGroups"],
            }
        ],
        "BlockDeviceMappings": [
            {
                "DeviceName": disk["deviceName"],
                "Ebs": {
                    "VolumeSize": int(ebs["volumeSize"]),
                    "VolumeType": ebs["volumeType"],
                    "Encrypted": as_bool(ebs["encrypted"]),
                    "KmsKeyId": ebs["kmsKeyId"],
                    "DeleteOnTermination": as_bool(ebs["deleteOnTermination"]),
                },
            }
        ],
        "UserData": i["userData"],
    }
    template = ctx.clients("ec2").create_launch_template(
        LaunchTemplateName=i["name"], LaunchTemplateData=data, **ctx.ec2_tags("launch-template")
    )["LaunchTemplate"]
    return template["LaunchTemplateId"], {
        "latestVersion": template["LatestVersionNumber"],
        "defaultVersion": template["DefaultVersionNumber"],
    }


def _zones(ctx: Context, args: dict[str, Any]) -> dict[str, Any]:
    filters = [{"Name": f["name"], "Values": f["values"]} for f in args.get("filters") or []]
    zones = ctx.clients("ec2").describe_availability_zones(Filters=filters)["AvailabilityZones"]
    wanted = [z for z in zones if z["State"] == args.get("state", z["State"])]
    return {
        "names": [z["ZoneName"] for z in wanted],
        "zoneIds": [z["ZoneId"] for z in wanted],
        "id": ctx.region,
    }


def _regions(ctx: Context, args: dict[str, Any]) -> dict[str, Any]:
    found = ctx.clients("ec2").describe_regions(AllRegions=bool(args.get("allRegions")))
    return {"id": "aws", "names": [r["RegionName"] for r in found["Regions"]]}


def _offerings(ctx: Context, args: dict[str, Any]) -> dict[str, Any]:
    """moto's answer, or where it records no offerings the offline catalog's, as offline."""
    if catalog.unrecorded(ctx.region):
        return catalog.instance_type_offerings(ctx.region, args)
    filters = [{"Name": f["name"], "Values": f["values"]} for f in args.get("filters") or []]
    found = ctx.clients("ec2").describe_instance_type_offerings(
        LocationType=args.get("locationType", "region"), Filters=filters
    )["InstanceTypeOfferings"]
    return {
        "id": ctx.region,
        "instanceTypes": [o["InstanceType"] for o in found],
        "locations": [o["Location"] for o in found],
        "locationTypes": [o["LocationType"] for o in found],
    }


def _instance_type(ctx: Context, args: dict[str, Any]) -> dict[str, Any]:
    (found,) = ctx.clients("ec2").describe_instance_types(InstanceTypes=[args["instanceType"]])[
        "InstanceTypes"
    ]
    return {
        "id": found["InstanceType"],
        "instanceType": found["InstanceType"],
        "supportedArchitectures": found["ProcessorInfo"]["SupportedArchitectures"],
    }


HANDLERS: dict[str, tuple[Handler, Deleter]] = {
    "aws:ec2/vpc:Vpc": (_vpc, by("ec2.delete_vpc", VpcId="id")),
    "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": (_default_sg, ignore),
    "aws:ec2/subnet:Subnet": (_subnet, by("ec2.delete_subnet", SubnetId="id")),
    "aws:ec2/internetGateway:InternetGateway": (_igw, _delete_igw),
    "aws:ec2/eip:Eip": (_eip, by("ec2.release_address", AllocationId="id")),
    "aws:ec2/natGateway:NatGateway": (_nat, by("ec2.delete_nat_gateway", NatGatewayId="id")),
    "aws:ec2/routeTable:RouteTable": (
        _route_table,
        by("ec2.delete_route_table", RouteTableId="id"),
    ),
    "aws:ec2/route:Route": (
        _route,
        by(
            "ec2.delete_route",
            RouteTableId="routeTableId",
            DestinationCidrBlock="destinationCidrBlock",
        ),
    ),
    "aws:ec2/routeTableAssociation:RouteTableAssociation": (
        _association,
        by("ec2.disassociate_route_table", AssociationId="id"),
    ),
    "aws:ec2/vpcEndpoint:VpcEndpoint": (
        _endpoint,
        by_list("ec2.delete_vpc_endpoints", "VpcEndpointIds"),
    ),
    "aws:ec2/flowLog:FlowLog": (_flow_log, by_list("ec2.delete_flow_logs", "FlowLogIds")),
    "aws:ec2/securityGroup:SecurityGroup": (
        _security_group,
        by("ec2.delete_security_group", GroupId="id"),
    ),
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": _rule("ingress"),
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": _rule("egress"),
    "aws:ec2/launchTemplate:LaunchTemplate": (
        _launch_template,
        by("ec2.delete_launch_template", LaunchTemplateId="id"),
    ),
}
UNTAGGED = {"aws:ec2/route:Route", "aws:ec2/routeTableAssociation:RouteTableAssociation"}
UPDATERS: dict[str, Updater] = {
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": _update_rule,
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": _update_rule,
}
INVOKES: dict[str, Invoke] = {
    "aws:index/getAvailabilityZones:getAvailabilityZones": _zones,
    "aws:index/getRegions:getRegions": _regions,
    "aws:ec2/getInstanceTypeOfferings:getInstanceTypeOfferings": _offerings,
    "aws:ec2/getInstanceType:getInstanceType": _instance_type,
}
