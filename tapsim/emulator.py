"""Deploys the real program into moto, the AWS emulator, through boto3.

The program runs under Pulumi's mock runtime; each registration is carried out here as the
AWS API calls the provider would make, with the resource's actual inputs and the provider's
default tags, and the ids, ARNs and endpoints moto assigns flow back into dependent
resources. Destroy undoes the calls in reverse order, dependents first.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import socket
import string
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import boto3
from botocore.config import Config
from pulumi.runtime import MockCallArgs, MockResourceArgs, Mocks

from tapsim.fake_cloud import partition_of
from tapsim.runner import RunResult, environment_overrides, run_program, unwrap_secrets

PROVIDER_TYPE = "pulumi:providers:aws"
RETRIES = Config(retries={"mode": "standard", "max_attempts": 5})

# Types the stacks use that moto cannot carry out; they are recorded and reported, never
# silently skipped. Each entry says why.
RECORDED_ONLY: dict[str, str] = {
    "aws:secretsmanager/secretRotation:SecretRotation": (
        "rotation calls a Lambda function the stack does not own; moto cannot run it"
    ),
}


class EmulatorError(RuntimeError):
    """The emulator met something it cannot carry out."""


class Endpoint:
    """An emulator already listening at `url`."""

    def __init__(self, url: str) -> None:
        self.url = url

    def stop(self) -> None:
        """Someone else's emulator: left running."""

    @contextmanager
    def environment(self) -> Iterator[dict[str, str]]:
        """Points boto3 (and the AWS CLI) in this process at the emulator."""
        values = {
            "AWS_ENDPOINT_URL": self.url,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_SESSION_TOKEN": "testing",
        }
        with environment_overrides(values):
            yield values


class Server(Endpoint):
    """moto in its own process on a loopback port, reachable through AWS_ENDPOINT_URL.

    A separate process keeps the emulator's work off the program's interpreter (and off
    coverage tracing), and `warm_up` lets moto load its service backends in the background.
    """

    def __init__(self, port: int = 0, *, ready_seconds: float = 30) -> None:
        port = port or _free_port()
        super().__init__(f"http://127.0.0.1:{port}")
        self._process = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
            env={**os.environ, "MOTO_IAM_LOAD_MANAGED_POLICIES": "true"},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + ready_seconds
        while not _listening(port):
            if self._process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise EmulatorError(f"the emulator did not start on port {port}")
            time.sleep(0.05)

    def stop(self) -> None:
        self._process.terminate()
        self._process.wait(timeout=10)

    def warm_up(self, regions: Iterable[str]) -> threading.Thread:
        """Touches each service once per region so moto builds its backends ahead of use."""
        cloud = MotoCloud(endpoint=self.url)

        def touch() -> None:
            for region in regions:
                for service, call, params in _WARM_UP_CALLS:
                    getattr(cloud.client(service, region), call)(**params)

        thread = threading.Thread(target=touch, name="emulator-warm-up", daemon=True)
        thread.start()
        return thread


_WARM_UP_CALLS: tuple[tuple[str, str, dict[str, str]], ...] = (
    ("sts", "get_caller_identity", {}),
    ("ec2", "describe_availability_zones", {}),
    ("elbv2", "describe_load_balancers", {}),
    ("ecs", "list_clusters", {}),
    ("logs", "describe_log_groups", {}),
    ("iam", "list_roles", {}),
    ("application-autoscaling", "describe_scalable_targets", {"ServiceNamespace": "ecs"}),
)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


@dataclass
class Created:
    """One resource carried out against the emulator, kept for destroy and the summary."""

    type: str
    name: str
    id: str
    region: str
    state: dict[str, Any]
    emulated: bool


@dataclass
class Context:
    """What a handler needs: clients for the resource's region and its effective tags."""

    clients: Callable[[str], Any]
    region: str
    tags: dict[str, str]
    name: str

    def tag_list(self, key: str = "Key", value: str = "Value") -> list[dict[str, str]]:
        return [{key: k, value: v} for k, v in sorted(self.tags.items())]

    def tags_arg(self, name: str, key: str = "Key", value: str = "Value") -> dict[str, Any]:
        """`{name: [...]}` for the API call, or nothing: AWS rejects an empty tag list."""
        return {name: self.tag_list(key, value)} if self.tags else {}

    def tags_map(self, name: str) -> dict[str, Any]:
        return {name: dict(self.tags)} if self.tags else {}

    def ec2_tags(self, resource_type: str) -> dict[str, Any]:
        if not self.tags:
            return {}
        return {"TagSpecifications": [{"ResourceType": resource_type, "Tags": self.tag_list()}]}


Handler = Callable[[Context, dict[str, Any]], tuple[str, dict[str, Any]]]
Deleter = Callable[[Context, str, dict[str, Any]], None]


@dataclass
class MotoCloud(Mocks):
    """Pulumi mocks whose answers come from moto: every registration is a real API call."""

    endpoint: str
    created: list[Created] = field(default_factory=list)
    _providers: dict[str, dict[str, Any]] = field(default_factory=dict)
    _clients: dict[tuple[str, str], Any] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def client(self, service: str, region: str) -> Any:
        with self._lock:
            key = (service, region)
            if key not in self._clients:
                self._clients[key] = boto3.client(
                    service,
                    region_name=region,
                    endpoint_url=self.endpoint,
                    aws_access_key_id="testing",
                    aws_secret_access_key="testing",
                    config=RETRIES,
                )
            return self._clients[key]

    def _provider(self, reference: str) -> dict[str, Any]:
        """`reference` is `urn::id`; the id is the one `new_resource` gave the provider."""
        provider_id = reference.rsplit("::", 1)[-1]
        if provider_id not in self._providers:
            raise EmulatorError(
                f"a resource uses a provider the program never declared: {reference or 'default'}"
            )
        return self._providers[provider_id]

    def call(self, args: MockCallArgs) -> dict[str, Any]:
        region = self._provider(args.provider)["region"]
        if args.token == "aws:index/getAvailabilityZones:getAvailabilityZones":
            zones = self.client("ec2", region).describe_availability_zones()["AvailabilityZones"]
            wanted = [z for z in zones if z["State"] == args.args.get("state", z["State"])]
            return {
                "names": [z["ZoneName"] for z in wanted],
                "zoneIds": [z["ZoneId"] for z in wanted],
                "id": region,
            }
        if args.token == "aws:ssm/getParameter:getParameter":
            parameter = self.client("ssm", region).get_parameter(Name=args.args["name"])
            value = parameter["Parameter"]
            return {"name": value["Name"], "value": value["Value"], "type": value["Type"],
                    "id": value["Name"]}  # fmt: skip
        identity = self.client("sts", region).get_caller_identity()
        answers = {
            "aws:index/getCallerIdentity:getCallerIdentity": {
                "accountId": identity["Account"],
                "arn": identity["Arn"],
                "userId": identity["UserId"],
                "id": identity["Account"],
            },
            "aws:index/getPartition:getPartition": {
                "partition": identity["Arn"].split(":")[1],
                "dnsSuffix": "amazonaws.com",
                "id": identity["Arn"].split(":")[1],
            },
            "aws:index/getRegion:getRegion": {"name": region, "region": region, "id": region},
            # moto has no ELB log-delivery account; the emulator's own account stands in.
            "aws:elb/getServiceAccount:getServiceAccount": {
                "arn": f"arn:{identity['Arn'].split(':')[1]}:iam::{identity['Account']}:root",
                "id": identity["Account"],
            },
        }
        if args.token not in answers:
            raise EmulatorError(f"the emulator does not answer invoke {args.token}")
        return answers[args.token]

    def new_resource(self, args: MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        if not args.custom:
            return None, {}
        wrapped = dict(args.inputs)
        inputs = unwrap_secrets(wrapped)
        if args.typ == PROVIDER_TYPE:
            tags = json.loads(inputs.get("defaultTags") or "{}").get("tags") or {}
            provider_id = f"provider-{args.name}"
            self._providers[provider_id] = {"region": inputs["region"], "tags": tags}
            return provider_id, inputs
        if args.typ.startswith("pulumi:providers:"):
            return f"provider-{args.name}", inputs
        if args.typ in LOCAL:
            resource_id, extra = LOCAL[args.typ](inputs)
            return resource_id, {**inputs, **extra}
        provider = self._provider(args.provider)
        region = provider["region"]
        context = Context(
            clients=lambda service: self.client(service, region),
            region=region,
            tags=_effective_tags(args.typ, provider["tags"], inputs.get("tags")),
            name=args.name,
        )
        if args.typ in RECORDED_ONLY:
            resource_id = f"{args.name}-{hashlib.sha1(args.name.encode()).hexdigest()[:8]}"
            state, emulated = inputs, False
        elif args.typ in HANDLERS:
            resource_id, extra = HANDLERS[args.typ][0](context, inputs)
            state, emulated = {**inputs, **extra}, True
        else:
            raise EmulatorError(f"the emulator has no handler for resource type {args.typ}")
        if "tags" in inputs or args.typ in TAGGABLE:
            state["tagsAll"] = context.tags
        with self._lock:
            self.created.append(Created(args.typ, args.name, resource_id, region, state, emulated))
        # Pulumi gets inputs back as sent, so secret inputs stay secret in dependent outputs.
        changed = {k: v for k, v in state.items() if k not in inputs or v != inputs[k]}
        return resource_id, {**wrapped, **changed}

    def destroy(self) -> list[Created]:
        """Deletes everything created, newest first, so dependents go before what they use."""
        removed = []
        while self.created:
            item = self.created.pop()
            if item.emulated:
                context = Context(
                    clients=lambda service, r=item.region: self.client(service, r),
                    region=item.region,
                    tags={},
                    name=item.name,
                )
                HANDLERS[item.type][1](context, item.id, item.state)
            removed.append(item)
        return removed


def _effective_tags(typ: str, defaults: dict[str, str], own: Any) -> dict[str, str]:
    """Default tags merged under the resource's own, as the provider does; Auto Scaling
    groups get no default tags (a provider limitation) and carry their own list."""
    if typ == "aws:autoscaling/group:Group":
        return {t["key"]: t["value"] for t in own or []}
    return {**defaults, **(own or {})}


# --- EC2 networking --------------------------------------------------------------------


def _vpc(ctx: Context, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    ec2 = ctx.clients("ec2")
    vpc = ec2.create_vpc(CidrBlock=i["cidrBlock"], **ctx.ec2_tags("vpc"))["Vpc"]
    vpc_id = vpc["VpcId"]
    for attribute in ("enableDnsSupport", "enableDnsHostnames"):
        ec2.modify_vpc_attribute(
            VpcId=vpc_id, **{attribute[0].upper() + attribute[1:]: {"Value": bool(i[attribute])}}
        )
    default_sg = ec2.describe_security_groups(
        Filters=[
            {"Name": "vpc-id", "Values": [vpc_id]},
            {"Name": "group-name", "Values": ["default"]},
        ]
    )["SecurityGroups"][0]["GroupId"]
    return vpc_id, {"defaultSecurityGroupId": default_sg, "arn": _ec2_arn(ctx, "vpc", vpc_id)}


def _default_sg(ctx: Context, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """Adopts the VPC's default group and strips every rule, as the provider does."""
    ec2 = ctx.clients("ec2")
    group = ec2.describe_security_groups(
        Filters=[
            {"Name": "vpc-id", "Values": [i["vpcId"]]},
            {"Name": "group-name", "Values": ["default"]},
        ]
    )["SecurityGroups"][0]
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
        SubnetId=i["subnetId"],
        AllocationId=i["allocationId"],
        **ctx.ec2_tags("natgateway"),
    )["NatGateway"]
    return nat["NatGatewayId"], {}


def _route_table(ctx: Context, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    table = ctx.clients("ec2").create_route_table(VpcId=i["vpcId"], **ctx.ec2_tags("route-table"))[
        "RouteTable"
    ]
    return table["RouteTableId"], {}


_ROUTE_TARGETS = {"gatewayId": "GatewayId", "natGatewayId": "NatGatewayId"}


def _route(ctx: Context, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    targets = {api: i[key] for key, api in _ROUTE_TARGETS.items() if key in i}
    ctx.clients("ec2").create_route(
        RouteTableId=i["routeTableId"], DestinationCidrBlock=i["destinationCidrBlock"], **targets
    )
    return f"r-{i['routeTableId']}{i['destinationCidrBlock']}", {}


def _delete_route(ctx: Context, _id: str, state: dict[str, Any]) -> None:
    ctx.clients("ec2").delete_route(
        RouteTableId=state["routeTableId"], DestinationCidrBlock=state["destinationCidrBlock"]
    )


def _association(ctx: Context, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    association = ctx.clients("ec2").associate_route_table(
        RouteTableId=i["routeTableId"], SubnetId=i["subnetId"]
    )
    return association["AssociationId"], {}


def _endpoint(ctx: Context, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    endpoint = ctx.clients("ec2").create_vpc_endpoint(
        VpcId=i["vpcId"],
        ServiceName=i["serviceName"],
        VpcEndpointType=i.get("vpcEndpointType", "Gateway"),
        RouteTableIds=i.get("routeTableIds", []),
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
    return group_id, {"arn": _ec2_arn(ctx, "security-group", group_id)}


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


def _ec2_arn(ctx: Context, kind: str, resource_id: str) -> str:
    account = ctx.clients("sts").get_caller_identity()["Account"]
    return f"arn:{partition_of(ctx.region)}:ec2:{ctx.region}:{account}:{kind}/{resource_id}"


# --- Logs and IAM ----------------------------------------------------------------------


def _log_group(ctx: Context, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    logs = ctx.clients("logs")
    extra = {"kmsKeyId": i["kmsKeyId"]} if i.get("kmsKeyId") else {}
    logs.create_log_group(logGroupName=i["name"], **ctx.tags_map("tags"), **extra)
    if i.get("retentionInDays"):
        logs.put_retention_policy(logGroupName=i["name"], retentionInDays=int(i["retentionInDays"]))
    group = logs.describe_log_groups(logGroupNamePrefix=i["name"])["logGroups"][0]
    return i["name"], {"arn": group["arn"].removesuffix(":*")}


def _role(ctx: Context, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    role = ctx.clients("iam").create_role(
        RoleName=i["name"],
        AssumeRolePolicyDocument=i["assumeRolePolicy"],
        **ctx.tags_arg("Tags"),
    )["Role"]
    return i["name"], {"arn": role["Arn"], "uniqueId": role["RoleId"]}


def _role_policy(ctx: Context, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    name = i.get("name") or ctx.name
    ctx.clients("iam").put_role_policy(
        RoleName=i["role"], PolicyName=name, PolicyDocument=i["policy"]
    )
    return f"{i['role']}:{name}", {"name": name}


# --- Load balancing --------------------------------------------------------------------


def _load_balancer(ctx: Context, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    elbv2 = ctx.clients("elbv2")
    lb = elbv2.create_load_balancer(
        Name=i["name"],
        Subnets=i["subnets"],
        SecurityGroups=i.get("securityGroups", []),
        Scheme="internal" if i.get("internal") else "internet-facing",
        Type=i.get("loadBalancerType", "application"),
        **ctx.tags_arg("Tags"),
    )["LoadBalancers"][0]
    attributes = {
        "deletion_protection.enabled": i.get("enableDeletionProtection", False),
        "routing.http.drop_invalid_header_fields.enabled": i.get("dropInvalidHeaderFields", False),
        "routing.http.desync_mitigation_mode": i.get("desyncMitigationMode", "defensive"),
        "idle_timeout.timeout_seconds": int(i.get("idleTimeout", 60)),
    }
    access_logs = i.get("accessLogs") or {}
    if access_logs.get("enabled"):
        attributes.update(
            {
                "access_logs.s3.enabled": True,
                "access_logs.s3.bucket": access_logs["bucket"],
                "access_logs.s3.prefix": access_logs.get("prefix", ""),
            }
        )
    elbv2.modify_load_balancer_attributes(
        LoadBalancerArn=lb["LoadBalancerArn"],
        Attributes=[
            {"Key": k, "Value": str(v).lower() if isinstance(v, bool) else str(v)}
            for k, v in attributes.items()
        ],
    )
    arn = lb["LoadBalancerArn"]
    return arn, {
        "arn": arn,
        "arnSuffix": arn.split(":loadbalancer/", 1)[1],
        "dnsName": lb["DNSName"],
        "zoneId": lb["CanonicalHostedZoneId"],
    }


def _delete_load_balancer(ctx: Context, arn: str, _state: dict[str, Any]) -> None:
    """Emulator clean-up lifts deletion protection first; `pulumi destroy` would stop here."""
    elbv2 = ctx.clients("elbv2")
    elbv2.modify_load_balancer_attributes(
        LoadBalancerArn=arn, Attributes=[{"Key": "deletion_protection.enabled", "Value": "false"}]
    )
    elbv2.delete_load_balancer(LoadBalancerArn=arn)


def _target_group(ctx: Context, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    elbv2 = ctx.clients("elbv2")
    check = i.get("healthCheck") or {}
    group = elbv2.create_target_group(
        Name=i["name"],
        Protocol=i["protocol"],
        Port=int(i["port"]),
        VpcId=i["vpcId"],
        TargetType=i.get("targetType", "instance"),
        HealthCheckEnabled=bool(check.get("enabled", True)),
        HealthCheckPath=check.get("path", "/"),
        HealthCheckProtocol=check.get("protocol", "HTTP"),
        HealthCheckIntervalSeconds=int(check.get("interval", 30)),
        HealthCheckTimeoutSeconds=int(check.get("timeout", 5)),
        HealthyThresholdCount=int(check.get("healthyThreshold", 3)),
        UnhealthyThresholdCount=int(check.get("unhealthyThreshold", 3)),
        Matcher={"HttpCode": check.get("matcher", "200")},
        **ctx.tags_arg("Tags"),
    )["TargetGroups"][0]
    arn = group["TargetGroupArn"]
    elbv2.modify_target_group_attributes(
        TargetGroupArn=arn,
        Attributes=[
            {
                "Key": "deregistration_delay.timeout_seconds",
                "Value": str(int(i.get("deregistrationDelay", 300))),
            }
        ],
    )
    return arn, {"arn": arn, "arnSuffix": arn.split(":", 5)[5]}


def _listener_action(action: dict[str, Any]) -> dict[str, Any]:
    if action["type"] == "forward":
        return {"Type": "forward", "TargetGroupArn": action["targetGroupArn"]}
    redirect = action["redirect"]
    return {
        "Type": "redirect",
        "RedirectConfig": {
            "Port": redirect["port"],
            "Protocol": redirect["protocol"],
            "StatusCode": redirect["statusCode"],
        },
    }


def _listener(ctx: Context, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    extra: dict[str, Any] = {}
    if i.get("certificateArn"):
        extra = {
            "Certificates": [{"CertificateArn": i["certificateArn"]}],
            "SslPolicy": i["sslPolicy"],
        }
    listener = ctx.clients("elbv2").create_listener(
        LoadBalancerArn=i["loadBalancerArn"],
        Protocol=i["protocol"],
        Port=int(i["port"]),
        DefaultActions=[_listener_action(a) for a in i["defaultActions"]],
        **ctx.tags_arg("Tags"),
        **extra,
    )["Listeners"][0]
    return listener["ListenerArn"], {"arn": listener["ListenerArn"]}


# --- ECS and Application Auto Scaling ----------------------------------------------------


def _cluster(ctx: Context, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    cluster = ctx.clients("ecs").create_cluster(
        clusterName=i["name"],
        settings=i.get("settings", []),
        **ctx.tags_arg("tags", "key", "value"),
    )["cluster"]
    return cluster["clusterArn"], {"arn": cluster["clusterArn"]}


def _task_definition(ctx: Context, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    platform = i.get("runtimePlatform") or {}
    task = ctx.clients("ecs").register_task_definition(
        family=i["family"],
        containerDefinitions=json.loads(i["containerDefinitions"]),
        cpu=i["cpu"],
        memory=i["memory"],
        networkMode=i["networkMode"],
        requiresCompatibilities=i["requiresCompatibilities"],
        executionRoleArn=i["executionRoleArn"],
        taskRoleArn=i["taskRoleArn"],
        runtimePlatform={
            "operatingSystemFamily": platform.get("operatingSystemFamily", "LINUX"),
            "cpuArchitecture": platform.get("cpuArchitecture", "X86_64"),
        },
        **ctx.tags_arg("tags", "key", "value"),
    )["taskDefinition"]
    arn = task["taskDefinitionArn"]
    return arn, {
        "arn": arn,
        "revision": task["revision"],
        "arnWithoutRevision": arn.rsplit(":", 1)[0],
    }


def _service(ctx: Context, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    network = i["networkConfiguration"]
    breaker = i.get("deploymentCircuitBreaker") or {"enable": False, "rollback": False}
    service = ctx.clients("ecs").create_service(
        cluster=i["cluster"],
        serviceName=i["name"],
        taskDefinition=i["taskDefinition"],
        desiredCount=int(i.get("desiredCount", 1)),
        launchType=i["launchType"],
        platformVersion=i.get("platformVersion", "LATEST"),
        networkConfiguration={
            "awsvpcConfiguration": {
                "subnets": network["subnets"],
                "securityGroups": network.get("securityGroups", []),
                "assignPublicIp": "ENABLED" if network.get("assignPublicIp") else "DISABLED",
            }
        },
        loadBalancers=[
            {
                "targetGroupArn": lb["targetGroupArn"],
                "containerName": lb["containerName"],
                "containerPort": int(lb["containerPort"]),
            }
            for lb in i.get("loadBalancers", [])
        ],
        deploymentConfiguration={
            "deploymentCircuitBreaker": breaker,
            "minimumHealthyPercent": int(i.get("deploymentMinimumHealthyPercent", 100)),
            "maximumPercent": int(i.get("deploymentMaximumPercent", 200)),
        },
        healthCheckGracePeriodSeconds=int(i.get("healthCheckGracePeriodSeconds", 0)),
        enableECSManagedTags=bool(i.get("enableEcsManagedTags", False)),
        propagateTags=i.get("propagateTags", "NONE"),
        enableExecuteCommand=bool(i.get("enableExecuteCommand", False)),
        **ctx.tags_arg("tags", "key", "value"),
    )["service"]
    return service["serviceArn"], {"arn": service["serviceArn"]}


def _delete_service(ctx: Context, arn: str, state: dict[str, Any]) -> None:
    ecs = ctx.clients("ecs")
    ecs.update_service(cluster=state["cluster"], service=arn, desiredCount=0)
    ecs.delete_service(cluster=state["cluster"], service=arn, force=True)


def _scalable_target(ctx: Context, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    result = ctx.clients("application-autoscaling").register_scalable_target(
        ServiceNamespace=i["serviceNamespace"],
        ResourceId=i["resourceId"],
        ScalableDimension=i["scalableDimension"],
        MinCapacity=int(i["minCapacity"]),
        MaxCapacity=int(i["maxCapacity"]),
        **ctx.tags_map("Tags"),
    )
    return i["resourceId"], {"arn": result.get("ScalableTargetARN", "")}


def _scaling_policy(ctx: Context, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    config = i["targetTrackingScalingPolicyConfiguration"]
    metric = config["predefinedMetricSpecification"]
    spec = {"PredefinedMetricType": metric["predefinedMetricType"]}
    if metric.get("resourceLabel"):
        spec["ResourceLabel"] = metric["resourceLabel"]
    policy = ctx.clients("application-autoscaling").put_scaling_policy(
        PolicyName=i["name"],
        ServiceNamespace=i["serviceNamespace"],
        ResourceId=i["resourceId"],
        ScalableDimension=i["scalableDimension"],
        PolicyType=i["policyType"],
        TargetTrackingScalingPolicyConfiguration={
            "TargetValue": float(config["targetValue"]),
            "PredefinedMetricSpecification": spec,
            "ScaleInCooldown": int(config.get("scaleInCooldown", 300)),
            "ScaleOutCooldown": int(config.get("scaleOutCooldown", 300)),
        },
    )
    return i["name"], {"arn": policy["PolicyARN"]}


def _by(call: str, **params: str) -> Deleter:
    """A deleter that passes the resource id (or state keys) to one client method."""

    def delete(ctx: Context, resource_id: str, state: dict[str, Any]) -> None:
        service, method = call.split(".")
        kwargs = {api: (resource_id if key == "id" else state[key]) for api, key in params.items()}
        getattr(ctx.clients(service), method)(**kwargs)

    return delete


def _ignore(_ctx: Context, _id: str, _state: dict[str, Any]) -> None:
    """Lives and dies with its parent (the VPC's default group, a bucket's versioning)."""


def _keep(_ctx: Context, _id: str, _state: dict[str, Any]) -> None:
    """moto cannot delete it; listed in UNDELETABLE and reported, not hidden."""


# --- EC2 Auto Scaling --------------------------------------------------------------------


def _instance_profile(ctx: Context, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    iam = ctx.clients("iam")
    profile = iam.create_instance_profile(InstanceProfileName=i["name"], **ctx.tags_arg("Tags"))
    iam.add_role_to_instance_profile(InstanceProfileName=i["name"], RoleName=i["role"])
    return i["name"], {"arn": profile["InstanceProfile"]["Arn"]}


def _delete_instance_profile(ctx: Context, name: str, state: dict[str, Any]) -> None:
    iam = ctx.clients("iam")
    iam.remove_role_from_instance_profile(InstanceProfileName=name, RoleName=state["role"])
    iam.delete_instance_profile(InstanceProfileName=name)


def _bool_text(value: Any) -> bool:
    """The provider spells some launch template booleans as strings."""
    return str(value).lower() == "true"


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
                "AssociatePublicIpAddress": _bool_text(nic["associatePublicIpAddress"]),
                "DeleteOnTermination": _bool_text(nic["deleteOnTermination"]),
                "Groups": nic["securityGroups"],
            }
        ],
        "BlockDeviceMappings": [
            {
                "DeviceName": disk["deviceName"],
                "Ebs": {
                    "VolumeSize": int(ebs["volumeSize"]),
                    "VolumeType": ebs["volumeType"],
                    "Encrypted": _bool_text(ebs["encrypted"]),
                    "KmsKeyId": ebs["kmsKeyId"],
                    "DeleteOnTermination": _bool_text(ebs["deleteOnTermination"]),
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


def _autoscaling_group(ctx: Context, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """Tags come from the group's own list: the provider's default tags skip this type."""
    template = i["launchTemplate"]
    ctx.clients("autoscaling").create_auto_scaling_group(
        AutoScalingGroupName=i["name"],
        LaunchTemplate={"LaunchTemplateId": template["id"], "Version": str(template["version"])},
        MinSize=int(i["minSize"]),
        MaxSize=int(i["maxSize"]),
        DesiredCapacity=int(i["desiredCapacity"]),
        VPCZoneIdentifier=",".join(i["vpcZoneIdentifiers"]),
        TargetGroupARNs=i.get("targetGroupArns", []),
        HealthCheckType=i.get("healthCheckType", "EC2"),
        HealthCheckGracePeriod=int(i.get("healthCheckGracePeriod", 300)),
        Tags=[
            {
                "Key": t["key"],
                "Value": t["value"],
                "PropagateAtLaunch": bool(t["propagateAtLaunch"]),
                "ResourceId": i["name"],
                "ResourceType": "auto-scaling-group",
            }
            for t in i.get("tags", [])
        ],
    )
    return i["name"], {"arn": ""}


def _autoscaling_policy(ctx: Context, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    config = i["targetTrackingConfiguration"]
    metric = config["predefinedMetricSpecification"]
    spec = {"PredefinedMetricType": metric["predefinedMetricType"]}
    if metric.get("resourceLabel"):
        spec["ResourceLabel"] = metric["resourceLabel"]
    policy = ctx.clients("autoscaling").put_scaling_policy(
        AutoScalingGroupName=i["autoscalingGroupName"],
        PolicyName=i["name"],
        PolicyType=i["policyType"],
        TargetTrackingConfiguration={
            "PredefinedMetricSpecification": spec,
            "TargetValue": float(config["targetValue"]),
        },
    )
    return i["name"], {"arn": policy.get("PolicyARN", "")}


# --- Delivery and observability ------------------------------------------------------------


def _build_project(ctx: Context, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    environment = i["environment"]
    logs = i["logsConfig"]["cloudwatchLogs"]
    project = ctx.clients("codebuild").create_project(
        name=i["name"],
        # moto insists on locations even for CODEPIPELINE sources and artifacts; AWS does not.
        source={
            "type": i["source"]["type"],
            "buildspec": i["source"].get("buildspec", ""),
            "location": i["source"].get("location") or i["source"]["type"],
        },
        artifacts={"type": i["artifacts"]["type"], "location": i["artifacts"]["type"]},
        environment={
            "type": environment["type"],
            "image": environment["image"],
            "computeType": environment["computeType"],
            "privilegedMode": bool(environment.get("privilegedMode")),
            "imagePullCredentialsType": environment.get("imagePullCredentialsType", "CODEBUILD"),
            "environmentVariables": [
                {"name": v["name"], "value": v["value"], "type": v.get("type", "PLAINTEXT")}
                for v in environment.get("environmentVariables", [])
            ],
        },
        serviceRole=i["serviceRole"],
        encryptionKey=i["encryptionKey"],
        timeoutInMinutes=int(i.get("buildTimeout", 60)),
        logsConfig={"cloudWatchLogs": {"status": logs["status"], "groupName": logs["groupName"]}},
        **ctx.tags_arg("tags", "key", "value"),
    )["project"]
    return project["arn"], {"arn": project["arn"], "name": i["name"]}


def _pipeline(ctx: Context, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    def action(a: dict[str, Any]) -> dict[str, Any]:
        return {
            "name": a["name"],
            "actionTypeId": {
                "category": a["category"],
                "owner": a["owner"],
                "provider": a["provider"],
                "version": a["version"],
            },
            "configuration": a.get("configuration", {}),
            "inputArtifacts": [{"name": n} for n in a.get("inputArtifacts", [])],
            "outputArtifacts": [{"name": n} for n in a.get("outputArtifacts", [])],
        }

    (store,) = i["artifactStores"]
    key = store.get("encryptionKey")
    pipeline = {
        "name": i["name"],
        "roleArn": i["roleArn"],
        "pipelineType": i.get("pipelineType", "V1"),
        "executionMode": i.get("executionMode", "SUPERSEDED"),
        "artifactStore": {
            "type": store["type"],
            "location": store["location"],
            **({"encryptionKey": {"id": key["id"], "type": key["type"]}} if key else {}),
        },
        "stages": [
            {"name": stage["name"], "actions": [action(a) for a in stage["actions"]]}
            for stage in i["stages"]
        ],
    }
    ctx.clients("codepipeline").create_pipeline(
        pipeline=pipeline, **ctx.tags_arg("tags", "key", "value")
    )
    arn = f"arn:{partition_of(ctx.region)}:codepipeline:{ctx.region}:{_account(ctx)}:{i['name']}"
    return i["name"], {"arn": arn}


def _codedeploy_application(ctx: Context, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    ctx.clients("codedeploy").create_application(
        applicationName=i["name"],
        computePlatform=i.get("computePlatform", "Server"),
        **ctx.tags_arg("tags"),
    )
    return i["name"], {}


def _deployment_group(ctx: Context, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    style = i["deploymentStyle"]
    rollback = i.get("autoRollbackConfiguration") or {}
    groups = i["loadBalancerInfo"]["targetGroupInfos"]
    ctx.clients("codedeploy").create_deployment_group(
        applicationName=i["appName"],
        deploymentGroupName=i["deploymentGroupName"],
        serviceRoleArn=i["serviceRoleArn"],
        autoScalingGroups=i.get("autoscalingGroups", []),
        deploymentConfigName=i.get("deploymentConfigName", "CodeDeployDefault.OneAtATime"),
        deploymentStyle={
            "deploymentType": style["deploymentType"],
            "deploymentOption": style["deploymentOption"],
        },
        loadBalancerInfo={"targetGroupInfoList": [{"name": g["name"]} for g in groups]},
        autoRollbackConfiguration={
            "enabled": bool(rollback.get("enabled")),
            "events": rollback.get("events", []),
        },
        **ctx.tags_arg("tags"),
    )
    return f"{i['appName']}:{i['deploymentGroupName']}", {}


def _topic(ctx: Context, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    attributes = {"KmsMasterKeyId": i["kmsMasterKeyId"]} if i.get("kmsMasterKeyId") else {}
    topic = ctx.clients("sns").create_topic(
        Name=i["name"], Attributes=attributes, **ctx.tags_arg("Tags")
    )
    return topic["TopicArn"], {"arn": topic["TopicArn"]}


def _subscription(ctx: Context, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    answer = ctx.clients("sns").subscribe(
        TopicArn=i["topic"], Protocol=i["protocol"], Endpoint=i["endpoint"]
    )
    return answer["SubscriptionArn"], {"arn": answer["SubscriptionArn"]}


def _alarm(ctx: Context, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    ctx.clients("cloudwatch").put_metric_alarm(
        AlarmName=i["name"],
        AlarmDescription=i.get("alarmDescription", ""),
        Namespace=i["namespace"],
        MetricName=i["metricName"],
        Dimensions=[{"Name": k, "Value": v} for k, v in i.get("dimensions", {}).items()],
        Statistic=i["statistic"],
        Period=int(i["period"]),
        EvaluationPeriods=int(i["evaluationPeriods"]),
        Threshold=float(i["threshold"]),
        ComparisonOperator=i["comparisonOperator"],
        TreatMissingData=i.get("treatMissingData", "missing"),
        AlarmActions=i.get("alarmActions", []),
        OKActions=i.get("okActions", []),
        **ctx.tags_arg("Tags"),
    )
    return i["name"], {}


def _dashboard(ctx: Context, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    ctx.clients("cloudwatch").put_dashboard(
        DashboardName=i["dashboardName"], DashboardBody=i["dashboardBody"]
    )
    return i["dashboardName"], {}


def _account(ctx: Context) -> str:
    return ctx.clients("sts").get_caller_identity()["Account"]


# --- KMS, Secrets Manager and local values ----------------------------------------------


def _kms_key(ctx: Context, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    kms = ctx.clients("kms")
    key = kms.create_key(
        Description=i.get("description", ""),
        Policy=i["policy"],
        **ctx.tags_arg("Tags", "TagKey", "TagValue"),
    )["KeyMetadata"]
    if i.get("enableKeyRotation"):
        kms.enable_key_rotation(KeyId=key["KeyId"])
    return key["KeyId"], {"keyId": key["KeyId"], "arn": key["Arn"]}


def _delete_kms_key(ctx: Context, key_id: str, state: dict[str, Any]) -> None:
    ctx.clients("kms").schedule_key_deletion(
        KeyId=key_id, PendingWindowInDays=int(state.get("deletionWindowInDays", 30))
    )


def _kms_alias(ctx: Context, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    ctx.clients("kms").create_alias(AliasName=i["name"], TargetKeyId=i["targetKeyId"])
    return i["name"], {}


def _secret(ctx: Context, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    secret = ctx.clients("secretsmanager").create_secret(
        Name=i["name"],
        Description=i.get("description", ""),
        **({"KmsKeyId": i["kmsKeyId"]} if i.get("kmsKeyId") else {}),
        **ctx.tags_arg("Tags"),
    )
    return secret["ARN"], {"arn": secret["ARN"]}


def _delete_secret(ctx: Context, arn: str, state: dict[str, Any]) -> None:
    """A zero recovery window deletes at once, as `recovery_window_in_days=0` does."""
    window = int(state.get("recoveryWindowInDays", 30))
    timing = (
        {"ForceDeleteWithoutRecovery": True} if window == 0 else {"RecoveryWindowInDays": window}
    )
    ctx.clients("secretsmanager").delete_secret(SecretId=arn, **timing)


def _secret_version(ctx: Context, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    version = ctx.clients("secretsmanager").put_secret_value(
        SecretId=i["secretId"], SecretString=i["secretString"]
    )
    return f"{i['secretId']}|{version['VersionId']}", {"versionId": version["VersionId"]}


def _random_password(i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """What pulumi_random computes locally: `length` characters from the allowed classes."""
    alphabet = string.ascii_letters + string.digits
    required = [
        secrets.choice(string.ascii_lowercase),
        secrets.choice(string.ascii_uppercase),
        secrets.choice(string.digits),
    ]
    if i.get("special", True):
        specials = i.get("overrideSpecial") or "!@#$%&*()-_=+[]{}<>:?"
        alphabet += specials
        required.append(secrets.choice(specials))
    length = int(i.get("length", 16))
    rest = [secrets.choice(alphabet) for _ in range(length - len(required))]
    return "none", {"result": "".join(required + rest)}


LOCAL: dict[str, Callable[[dict[str, Any]], tuple[str, dict[str, Any]]]] = {
    "random:index/randomPassword:RandomPassword": _random_password,
}


# --- RDS -----------------------------------------------------------------------------------


def _rds_subnet_group(ctx: Context, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    group = ctx.clients("rds").create_db_subnet_group(
        DBSubnetGroupName=i["name"],
        DBSubnetGroupDescription=i.get("description", "Managed by Pulumi"),
        SubnetIds=i["subnetIds"],
        **ctx.tags_arg("Tags"),
    )["DBSubnetGroup"]
    return i["name"], {"arn": group["DBSubnetGroupArn"]}


def _parameters(i: dict[str, Any]) -> list[dict[str, str]]:
    return [
        {
            "ParameterName": p["name"],
            "ParameterValue": p["value"],
            "ApplyMethod": p.get("applyMethod", "immediate"),
        }
        for p in i.get("parameters", [])
    ]


def _cluster_parameter_group(ctx: Context, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    rds = ctx.clients("rds")
    rds.create_db_cluster_parameter_group(
        DBClusterParameterGroupName=i["name"],
        DBParameterGroupFamily=i["family"],
        Description=i.get("description", "Managed by Pulumi"),
        **ctx.tags_arg("Tags"),
    )
    rds.modify_db_cluster_parameter_group(
        DBClusterParameterGroupName=i["name"], Parameters=_parameters(i)
    )
    return i["name"], {}


def _parameter_group(ctx: Context, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    rds = ctx.clients("rds")
    rds.create_db_parameter_group(
        DBParameterGroupName=i["name"],
        DBParameterGroupFamily=i["family"],
        Description=i.get("description", "Managed by Pulumi"),
        **ctx.tags_arg("Tags"),
    )
    rds.modify_db_parameter_group(DBParameterGroupName=i["name"], Parameters=_parameters(i))
    return i["name"], {}


def _rds_common(i: dict[str, Any]) -> dict[str, Any]:
    """Arguments clusters and instances share, in the RDS API's spelling."""
    return {
        "Engine": i["engine"],
        "EngineVersion": i["engineVersion"],
        "Port": int(i["port"]),
        "DBSubnetGroupName": i["dbSubnetGroupName"],
        "VpcSecurityGroupIds": i["vpcSecurityGroupIds"],
        "StorageEncrypted": bool(i.get("storageEncrypted")),
        "KmsKeyId": i["kmsKeyId"],
        "BackupRetentionPeriod": int(i.get("backupRetentionPeriod", 1)),
        "CopyTagsToSnapshot": bool(i.get("copyTagsToSnapshot")),
        "EnableCloudwatchLogsExports": i.get("enabledCloudwatchLogsExports", []),
        "EnableIAMDatabaseAuthentication": bool(i.get("iamDatabaseAuthenticationEnabled")),
        "DeletionProtection": bool(i.get("deletionProtection")),
    }


def _rds_cluster(ctx: Context, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    extra: dict[str, Any] = {}
    scaling = i.get("serverlessv2ScalingConfiguration")
    if scaling:
        extra["ServerlessV2ScalingConfiguration"] = {
            "MinCapacity": float(scaling["minCapacity"]),
            "MaxCapacity": float(scaling["maxCapacity"]),
        }
    cluster = ctx.clients("rds").create_db_cluster(
        DBClusterIdentifier=i["clusterIdentifier"],
        DatabaseName=i["databaseName"],
        MasterUsername=i["masterUsername"],
        MasterUserPassword=i["masterPassword"],
        DBClusterParameterGroupName=i["dbClusterParameterGroupName"],
        **_rds_common(i),
        **extra,
        **ctx.tags_arg("Tags"),
    )["DBCluster"]
    return i["clusterIdentifier"], {
        "arn": cluster["DBClusterArn"],
        "endpoint": cluster["Endpoint"],
        "readerEndpoint": cluster["ReaderEndpoint"],
    }


def _unprotect(call: str, key: str) -> Deleter:
    """Emulator clean-up lifts deletion protection; `pulumi destroy` of prod stops instead."""

    def delete(ctx: Context, resource_id: str, state: dict[str, Any]) -> None:
        rds = ctx.clients("rds")
        if state.get("deletionProtection"):
            getattr(rds, f"modify_db_{call}")(
                **{key: resource_id}, DeletionProtection=False, ApplyImmediately=True
            )
        getattr(rds, f"delete_db_{call}")(**{key: resource_id}, SkipFinalSnapshot=True)

    return delete


def _cluster_instance(ctx: Context, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    instance = ctx.clients("rds").create_db_instance(
        DBInstanceIdentifier=i["identifier"],
        DBClusterIdentifier=i["clusterIdentifier"],
        DBInstanceClass=i["instanceClass"],
        Engine=i["engine"],
        AvailabilityZone=i["availabilityZone"],
        PubliclyAccessible=bool(i.get("publiclyAccessible")),
        AutoMinorVersionUpgrade=bool(i.get("autoMinorVersionUpgrade", True)),
        MonitoringInterval=int(i.get("monitoringInterval", 0)),
        **({"MonitoringRoleArn": i["monitoringRoleArn"]} if i.get("monitoringRoleArn") else {}),
        EnablePerformanceInsights=bool(i.get("performanceInsightsEnabled")),
        **ctx.tags_arg("Tags"),
    )["DBInstance"]
    return i["identifier"], {"arn": instance["DBInstanceArn"]}


def _rds_instance(ctx: Context, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    instance = ctx.clients("rds").create_db_instance(
        DBInstanceIdentifier=i["identifier"],
        DBInstanceClass=i["instanceClass"],
        AllocatedStorage=int(i["allocatedStorage"]),
        StorageType=i.get("storageType", "gp3"),
        DBName=i["dbName"],
        MasterUsername=i["username"],
        MasterUserPassword=i["password"],
        DBParameterGroupName=i["parameterGroupName"],
        MultiAZ=bool(i.get("multiAz")),
        PubliclyAccessible=bool(i.get("publiclyAccessible")),
        AutoMinorVersionUpgrade=bool(i.get("autoMinorVersionUpgrade", True)),
        MonitoringInterval=int(i.get("monitoringInterval", 0)),
        **({"MonitoringRoleArn": i["monitoringRoleArn"]} if i.get("monitoringRoleArn") else {}),
        EnablePerformanceInsights=bool(i.get("performanceInsightsEnabled")),
        **_rds_common(i),
        **ctx.tags_arg("Tags"),
    )["DBInstance"]
    return i["identifier"], {
        "arn": instance["DBInstanceArn"],
        "address": instance["Endpoint"]["Address"],
    }


def _role_policy_attachment(ctx: Context, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    ctx.clients("iam").attach_role_policy(RoleName=i["role"], PolicyArn=i["policyArn"])
    return f"{i['role']}-{i['policyArn']}", {}


# --- ElastiCache -----------------------------------------------------------------------------


def _cache_subnet_group(ctx: Context, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    ctx.clients("elasticache").create_cache_subnet_group(
        CacheSubnetGroupName=i["name"],
        CacheSubnetGroupDescription=i.get("description", "Managed by Pulumi"),
        SubnetIds=i["subnetIds"],
        **ctx.tags_arg("Tags"),
    )
    return i["name"], {}


def _replication_group(ctx: Context, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    logs = [
        {
            "LogType": c["logType"],
            "DestinationType": c["destinationType"],
            "DestinationDetails": {"CloudWatchLogsDetails": {"LogGroup": c["destination"]}},
            "LogFormat": c["logFormat"],
        }
        for c in i.get("logDeliveryConfigurations", [])
    ]
    group = ctx.clients("elasticache").create_replication_group(
        ReplicationGroupId=i["replicationGroupId"],
        ReplicationGroupDescription=i["description"],
        Engine=i.get("engine", "redis"),
        EngineVersion=i["engineVersion"],
        CacheNodeType=i["nodeType"],
        Port=int(i.get("port", 6379)),
        NumCacheClusters=int(i.get("numCacheClusters", 1)),
        AutomaticFailoverEnabled=bool(i.get("automaticFailoverEnabled")),
        MultiAZEnabled=bool(i.get("multiAzEnabled")),
        CacheSubnetGroupName=i["subnetGroupName"],
        SecurityGroupIds=i.get("securityGroupIds", []),
        AtRestEncryptionEnabled=bool(i.get("atRestEncryptionEnabled")),
        **({"KmsKeyId": i["kmsKeyId"]} if i.get("kmsKeyId") else {}),
        TransitEncryptionEnabled=bool(i.get("transitEncryptionEnabled")),
        **(
            {"TransitEncryptionMode": i["transitEncryptionMode"]}
            if i.get("transitEncryptionMode")
            else {}
        ),
        **({"AuthToken": i["authToken"]} if i.get("authToken") else {}),
        SnapshotRetentionLimit=int(i.get("snapshotRetentionLimit", 0)),
        AutoMinorVersionUpgrade=bool(i.get("autoMinorVersionUpgrade", True)),
        LogDeliveryConfigurations=logs,
        **ctx.tags_arg("Tags"),
    )["ReplicationGroup"]
    (node_group,) = group["NodeGroups"]
    primary = node_group["PrimaryEndpoint"]["Address"]
    reader = node_group.get("ReaderEndpoint", {}).get("Address", primary)
    return i["replicationGroupId"], {
        "arn": group.get("ARN", ""),
        "primaryEndpointAddress": primary,
        "readerEndpointAddress": reader,
    }


# --- S3 --------------------------------------------------------------------------------------


def _bucket(ctx: Context, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    s3 = ctx.clients("s3")
    location = {} if ctx.region == "us-east-1" else {
        "CreateBucketConfiguration": {"LocationConstraint": ctx.region}
    }  # fmt: skip
    s3.create_bucket(Bucket=i["bucket"], **location)
    if ctx.tags:
        s3.put_bucket_tagging(Bucket=i["bucket"], Tagging={"TagSet": ctx.tag_list()})
    partition = partition_of(ctx.region)
    return i["bucket"], {"arn": f"arn:{partition}:s3:::{i['bucket']}", "bucket": i["bucket"]}


def _delete_bucket(ctx: Context, name: str, state: dict[str, Any]) -> None:
    """`force_destroy` empties every version first; without it a full bucket stays."""
    s3 = ctx.clients("s3")
    if state.get("forceDestroy"):
        for page in s3.get_paginator("list_object_versions").paginate(Bucket=name):
            for item in page.get("Versions", []) + page.get("DeleteMarkers", []):
                s3.delete_object(Bucket=name, Key=item["Key"], VersionId=item["VersionId"])
    s3.delete_bucket(Bucket=name)


def _bucket_setting(call: str, build: Callable[[dict[str, Any]], dict[str, Any]]) -> Handler:
    def create(ctx: Context, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        getattr(ctx.clients("s3"), call)(Bucket=i["bucket"], **build(i))
        return i["bucket"], {}

    return create


def _lifecycle_rule(rule: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "ID": rule["id"],
        "Status": rule["status"],
        "Filter": {"Prefix": (rule.get("filter") or {}).get("prefix", "")},
    }
    if rule.get("expiration"):
        out["Expiration"] = {"Days": int(rule["expiration"]["days"])}
    if rule.get("noncurrentVersionExpiration"):
        days = int(rule["noncurrentVersionExpiration"]["noncurrentDays"])
        out["NoncurrentVersionExpiration"] = {"NoncurrentDays": days}
    if rule.get("abortIncompleteMultipartUpload"):
        days = int(rule["abortIncompleteMultipartUpload"]["daysAfterInitiation"])
        out["AbortIncompleteMultipartUpload"] = {"DaysAfterInitiation": days}
    return out


def _encryption_rule(rule: dict[str, Any]) -> dict[str, Any]:
    default = rule["applyServerSideEncryptionByDefault"]
    by_default = {"SSEAlgorithm": default["sseAlgorithm"]}
    if default.get("kmsMasterKeyId"):
        by_default["KMSMasterKeyID"] = default["kmsMasterKeyId"]
    return {
        "ApplyServerSideEncryptionByDefault": by_default,
        "BucketKeyEnabled": bool(rule.get("bucketKeyEnabled")),
    }


_S3_SETTINGS: dict[str, tuple[Handler, Deleter]] = {
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": (
        _bucket_setting(
            "put_public_access_block",
            lambda i: {
                "PublicAccessBlockConfiguration": {
                    "BlockPublicAcls": bool(i.get("blockPublicAcls")),
                    "IgnorePublicAcls": bool(i.get("ignorePublicAcls")),
                    "BlockPublicPolicy": bool(i.get("blockPublicPolicy")),
                    "RestrictPublicBuckets": bool(i.get("restrictPublicBuckets")),
                }
            },
        ),
        _by("s3.delete_public_access_block", Bucket="id"),
    ),
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls": (
        _bucket_setting(
            "put_bucket_ownership_controls",
            lambda i: {
                "OwnershipControls": {"Rules": [{"ObjectOwnership": i["rule"]["objectOwnership"]}]}
            },
        ),
        _by("s3.delete_bucket_ownership_controls", Bucket="id"),
    ),
    "aws:s3/bucketVersioning:BucketVersioning": (
        _bucket_setting(
            "put_bucket_versioning",
            lambda i: {
                "VersioningConfiguration": {"Status": i["versioningConfiguration"]["status"]}
            },
        ),
        _ignore,
    ),
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": (
        _bucket_setting(
            "put_bucket_encryption",
            lambda i: {
                "ServerSideEncryptionConfiguration": {
                    "Rules": [_encryption_rule(r) for r in i["rules"]]
                }
            },
        ),
        _by("s3.delete_bucket_encryption", Bucket="id"),
    ),
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": (
        _bucket_setting(
            "put_bucket_lifecycle_configuration",
            lambda i: {
                "LifecycleConfiguration": {"Rules": [_lifecycle_rule(r) for r in i["rules"]]}
            },
        ),
        _by("s3.delete_bucket_lifecycle", Bucket="id"),
    ),
    "aws:s3/bucketPolicy:BucketPolicy": (
        _bucket_setting("put_bucket_policy", lambda i: {"Policy": i["policy"]}),
        _by("s3.delete_bucket_policy", Bucket="id"),
    ),
}


_EGRESS, _INGRESS = _rule("egress"), _rule("ingress")
HANDLERS: dict[str, tuple[Handler, Deleter]] = {
    "aws:ec2/vpc:Vpc": (_vpc, _by("ec2.delete_vpc", VpcId="id")),
    "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": (_default_sg, _ignore),
    "aws:ec2/subnet:Subnet": (_subnet, _by("ec2.delete_subnet", SubnetId="id")),
    "aws:ec2/internetGateway:InternetGateway": (_igw, _delete_igw),
    "aws:ec2/eip:Eip": (_eip, _by("ec2.release_address", AllocationId="id")),
    "aws:ec2/natGateway:NatGateway": (_nat, _by("ec2.delete_nat_gateway", NatGatewayId="id")),
    "aws:ec2/routeTable:RouteTable": (
        _route_table,
        _by("ec2.delete_route_table", RouteTableId="id"),
    ),
    "aws:ec2/route:Route": (_route, _delete_route),
    "aws:ec2/routeTableAssociation:RouteTableAssociation": (
        _association,
        _by("ec2.disassociate_route_table", AssociationId="id"),
    ),
    "aws:ec2/vpcEndpoint:VpcEndpoint": (
        _endpoint,
        lambda ctx, i, _s: ctx.clients("ec2").delete_vpc_endpoints(VpcEndpointIds=[i]),
    ),
    "aws:ec2/flowLog:FlowLog": (
        _flow_log,
        lambda ctx, i, _s: ctx.clients("ec2").delete_flow_logs(FlowLogIds=[i]),
    ),
    "aws:ec2/securityGroup:SecurityGroup": (
        _security_group,
        _by("ec2.delete_security_group", GroupId="id"),
    ),
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": _INGRESS,
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": _EGRESS,
    "aws:cloudwatch/logGroup:LogGroup": (
        _log_group,
        _by("logs.delete_log_group", logGroupName="id"),
    ),
    "aws:iam/role:Role": (_role, _by("iam.delete_role", RoleName="id")),
    "aws:iam/rolePolicy:RolePolicy": (
        _role_policy,
        _by("iam.delete_role_policy", RoleName="role", PolicyName="name"),
    ),
    "aws:lb/loadBalancer:LoadBalancer": (_load_balancer, _delete_load_balancer),
    "aws:lb/targetGroup:TargetGroup": (
        _target_group,
        _by("elbv2.delete_target_group", TargetGroupArn="id"),
    ),
    "aws:lb/listener:Listener": (_listener, _by("elbv2.delete_listener", ListenerArn="id")),
    "aws:ecs/cluster:Cluster": (_cluster, _by("ecs.delete_cluster", cluster="id")),
    "aws:ecs/taskDefinition:TaskDefinition": (
        _task_definition,
        _by("ecs.deregister_task_definition", taskDefinition="id"),
    ),
    "aws:ecs/service:Service": (_service, _delete_service),
    "aws:appautoscaling/target:Target": (
        _scalable_target,
        _by(
            "application-autoscaling.deregister_scalable_target",
            ServiceNamespace="serviceNamespace",
            ResourceId="resourceId",
            ScalableDimension="scalableDimension",
        ),
    ),
    "aws:appautoscaling/policy:Policy": (
        _scaling_policy,
        _by(
            "application-autoscaling.delete_scaling_policy",
            PolicyName="name",
            ServiceNamespace="serviceNamespace",
            ResourceId="resourceId",
            ScalableDimension="scalableDimension",
        ),
    ),
}
HANDLERS.update(
    {
        "aws:kms/key:Key": (_kms_key, _delete_kms_key),
        "aws:kms/alias:Alias": (_kms_alias, _by("kms.delete_alias", AliasName="id")),
        "aws:secretsmanager/secret:Secret": (_secret, _delete_secret),
        "aws:secretsmanager/secretVersion:SecretVersion": (_secret_version, _ignore),
        "aws:rds/subnetGroup:SubnetGroup": (
            _rds_subnet_group,
            _by("rds.delete_db_subnet_group", DBSubnetGroupName="id"),
        ),
        "aws:rds/clusterParameterGroup:ClusterParameterGroup": (
            _cluster_parameter_group,
            _by("rds.delete_db_cluster_parameter_group", DBClusterParameterGroupName="id"),
        ),
        "aws:rds/parameterGroup:ParameterGroup": (
            _parameter_group,
            _by("rds.delete_db_parameter_group", DBParameterGroupName="id"),
        ),
        "aws:rds/cluster:Cluster": (_rds_cluster, _unprotect("cluster", "DBClusterIdentifier")),
        "aws:rds/clusterInstance:ClusterInstance": (
            _cluster_instance,
            _by("rds.delete_db_instance", DBInstanceIdentifier="id"),
        ),
        "aws:rds/instance:Instance": (
            _rds_instance,
            _unprotect("instance", "DBInstanceIdentifier"),
        ),
        "aws:iam/rolePolicyAttachment:RolePolicyAttachment": (
            _role_policy_attachment,
            _by("iam.detach_role_policy", RoleName="role", PolicyArn="policyArn"),
        ),
        "aws:elasticache/subnetGroup:SubnetGroup": (_cache_subnet_group, _keep),
        "aws:elasticache/replicationGroup:ReplicationGroup": (
            _replication_group,
            _by("elasticache.delete_replication_group", ReplicationGroupId="id"),
        ),
        "aws:s3/bucket:Bucket": (_bucket, _delete_bucket),
        **_S3_SETTINGS,
        "aws:iam/instanceProfile:InstanceProfile": (_instance_profile, _delete_instance_profile),
        "aws:ec2/launchTemplate:LaunchTemplate": (
            _launch_template,
            _by("ec2.delete_launch_template", LaunchTemplateId="id"),
        ),
        "aws:autoscaling/group:Group": (
            _autoscaling_group,
            lambda ctx, name, _s: ctx.clients("autoscaling").delete_auto_scaling_group(
                AutoScalingGroupName=name, ForceDelete=True
            ),
        ),
        "aws:autoscaling/policy:Policy": (
            _autoscaling_policy,
            _by(
                "autoscaling.delete_policy",
                AutoScalingGroupName="autoscalingGroupName",
                PolicyName="id",
            ),
        ),
        "aws:codebuild/project:Project": (
            _build_project,
            _by("codebuild.delete_project", name="name"),
        ),
        "aws:codepipeline/pipeline:Pipeline": (
            _pipeline,
            _by("codepipeline.delete_pipeline", name="id"),
        ),
        "aws:codedeploy/application:Application": (_codedeploy_application, _keep),
        "aws:codedeploy/deploymentGroup:DeploymentGroup": (_deployment_group, _keep),
        "aws:sns/topic:Topic": (_topic, _by("sns.delete_topic", TopicArn="id")),
        "aws:sns/topicSubscription:TopicSubscription": (
            _subscription,
            _by("sns.unsubscribe", SubscriptionArn="id"),
        ),
        "aws:cloudwatch/metricAlarm:MetricAlarm": (
            _alarm,
            lambda ctx, name, _s: ctx.clients("cloudwatch").delete_alarms(AlarmNames=[name]),
        ),
        "aws:cloudwatch/dashboard:Dashboard": (
            _dashboard,
            lambda ctx, name, _s: ctx.clients("cloudwatch").delete_dashboards(
                DashboardNames=[name]
            ),
        ),
    }
)
# What the emulator creates but cannot remove, because moto lacks the delete call.
UNDELETABLE = {
    "aws:elasticache/subnetGroup:SubnetGroup": "moto does not implement delete_cache_subnet_group",
    "aws:codedeploy/application:Application": "moto does not implement delete_application",
    "aws:codedeploy/deploymentGroup:DeploymentGroup": (
        "moto does not implement delete_deployment_group"
    ),
}
# Taggable types that receive the provider's default tags even when they set none.
TAGGABLE = {
    t
    for t in HANDLERS
    if t
    not in {
        "aws:ec2/route:Route",
        "aws:ec2/routeTableAssociation:RouteTableAssociation",
        "aws:iam/rolePolicy:RolePolicy",
        "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
        "aws:appautoscaling/policy:Policy",
        "aws:kms/alias:Alias",
        "aws:secretsmanager/secretVersion:SecretVersion",
        "aws:autoscaling/group:Group",
        "aws:autoscaling/policy:Policy",
        "aws:sns/topicSubscription:TopicSubscription",
        "aws:cloudwatch/dashboard:Dashboard",
        *_S3_SETTINGS,
    }
}


@dataclass
class Deployment:
    """A stack deployed into the emulator: what the program declared and what moto holds."""

    stack: str
    suffix: str
    region: str
    run: RunResult
    cloud: MotoCloud
    seconds: float

    def destroy(self) -> list[Created]:
        return self.cloud.destroy()


def deploy(
    stack: str,
    endpoint: str,
    *,
    suffix: str | None = None,
    config: dict[str, Any] | None = None,
) -> Deployment:
    """Runs `tap.py` for `stack` (plus `config` overrides) against the emulator."""
    cloud = MotoCloud(endpoint=endpoint)
    started = time.perf_counter()
    run = run_program(stack, cloud, environment_suffix=suffix, config=config)
    return Deployment(
        stack=stack,
        suffix=run.outputs["environmentSuffix"],
        region=run.outputs["region"],
        run=run,
        cloud=cloud,
        seconds=time.perf_counter() - started,
    )
