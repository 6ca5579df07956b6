"""What an environment shares with its services, and how a service stack reads it.

An environment stack (`tap:role: environment`) exports these values; a service stack reads
them through a stack reference (Pulumi docs, "Stack references"). Every value is checked
before any resource uses it: a reference to a stack that is not an environment, one in
another region or tier, or one missing an output, stops the program with one message that
names `tap:environmentStack`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pulumi

# Output name -> what it is, for the message when an environment lacks it.
OUTPUTS = {
    "role": "the stack's role",
    "environment": "the tier",
    "region": "the region",
    "vpcId": "the VPC",
    "privateSubnetIds": "the app subnets",
    "isolatedSubnetIds": "the data subnets",
    "availabilityZones": "the AZs",
    "albArnSuffix": "the load balancer",
    "albDnsName": "the load balancer's DNS name",
    "albSecurityGroupId": "the load balancer's security group",
    "listenerArn": "the listener services add rules to",
    "https": "whether it serves HTTPS",
    "routeDomain": "the domain services' hosts sit under",
    "routeClaimsPath": "where services claim their routes",
    "alarmTopicArn": "the alarm topic",
    "internetEgress": "whether the app subnets reach the internet",
}


@dataclass(frozen=True)
class SharedEnvironment:
    """What the service side of a stack takes from the environment side, built in the same
    program (`all`) or read from the environment's stack (`service`)."""

    vpc_id: pulumi.Input[str]
    private_subnet_ids: pulumi.Input[Sequence[pulumi.Input[str]]]
    isolated_subnet_ids: pulumi.Input[Sequence[pulumi.Input[str]]]
    availability_zones: pulumi.Input[Sequence[str]]
    alb_security_group_id: pulumi.Input[str]
    alb_arn_suffix: pulumi.Input[str]
    alb_dns_name: pulumi.Input[str]
    alarm_topic_arn: pulumi.Input[str] | None
    # Only on a shared environment: the listener services add rules to, the domain their
    # hosts default under, and where their routes are claimed.
    listener_arn: pulumi.Input[str] | None = None
    route_domain: pulumi.Input[str] | None = None
    route_claims_path: pulumi.Input[str] | None = None
    https: pulumi.Input[bool] | None = None


@dataclass(frozen=True)
class Expected:
    """What the service expects of the environment it names."""

    reference: str
    region: str
    tier: str
    require_https: bool
    # Why the app cannot start without internet egress, and what would let it
    # (`Settings.needs_egress`); None when the environment's VPC endpoints are enough.
    needs_egress: tuple[str, str] | None


def problems(outputs: Mapping[str, Any], expected: Expected) -> list[str]:
    """Everything wrong with the environment's outputs for this service, in words."""
    name = f"tap:environmentStack = {expected.reference!r}"
    if not outputs:
        return [f"{name}: the stack has no outputs; deploy the environment first"]
    if outputs.get("role") != "environment":
        role = outputs.get("role", "all")
        return [f"{name}: the stack's role is {role}; a service joins an environment stack"]
    found = [
        f"{name}: the environment exports no {key} ({what}); update it with `pulumi up`"
        for key, what in OUTPUTS.items()
        if key not in outputs
    ]
    for key, mine in (("region", expected.region), ("environment", expected.tier)):
        if key in outputs and outputs[key] != mine:
            found.append(f"{name}: its {key} is {outputs[key]}, this stack's is {mine}")
    if expected.require_https and outputs.get("https") is False:
        found.append(f"{name}: this tier serves HTTPS only, and the environment has no certificate")
    if expected.needs_egress and outputs.get("internetEgress") is False:
        why, remedy = expected.needs_egress
        found.append(f"{name}: its app subnets have no internet route, and {why}; {remedy}")
    return found


def read_environment(expected: Expected, opts: pulumi.ResourceOptions) -> SharedEnvironment:
    """The environment stack's outputs, each checked before a resource can use it."""
    reference = pulumi.StackReference(f"environment-{expected.reference}", expected.reference,
                                      opts=opts)  # fmt: skip

    def checked(outputs: dict[str, Any]) -> dict[str, Any]:
        found = problems(outputs, expected)
        if found:
            raise pulumi.RunError("invalid settings:\n  " + "\n  ".join(found))
        return outputs

    values = reference.outputs.apply(checked)

    def get(key: str) -> pulumi.Output[Any]:
        return values.apply(lambda o: o[key])

    return SharedEnvironment(
        vpc_id=get("vpcId"),
        private_subnet_ids=get("privateSubnetIds"),
        isolated_subnet_ids=get("isolatedSubnetIds"),
        availability_zones=get("availabilityZones"),
        alb_security_group_id=get("albSecurityGroupId"),
        alb_arn_suffix=get("albArnSuffix"),
        alb_dns_name=get("albDnsName"),
        alarm_topic_arn=get("alarmTopicArn"),
        listener_arn=get("listenerArn"),
        route_domain=get("routeDomain"),
        route_claims_path=get("routeClaimsPath"),
        https=get("https"),
    )
