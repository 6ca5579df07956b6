"""The environment side of a stack: network, load balancer, domain, WAF and the log bucket.

An `all` stack builds it for its one app; an `environment` stack builds it for every service
that joins, and exports what they need (`lib.shared.OUTPUTS`).
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi

from tap_platform.buckets import ALB_LOG_PREFIX, LOGGED, Buckets, BucketsArgs
from tap_platform.domain import Domain, DomainArgs
from tap_platform.load_balancer import LoadBalancer, LoadBalancerArgs, TargetArgs
from tap_platform.naming import Namer
from tap_platform.network import Network, NetworkArgs
from tap_platform.policies import AwsContext
from tap_platform.security import SecurityGroups, SecurityGroupsArgs
from tap_platform.settings import Settings
from tap_platform.shared import SharedEnvironment
from tap_platform.waf import Waf, WafArgs


@dataclass(frozen=True)
class Edge:
    """What the environment side built."""

    network: Network
    security: SecurityGroups
    buckets: Buckets
    load_balancer: LoadBalancer
    waf: Waf | None

    def shared(self, zones: tuple[str, ...]) -> SharedEnvironment:
        """For the app of an `all` stack, which makes its own alarm topic."""
        return SharedEnvironment(
            vpc_id=self.network.vpc.id,
            private_subnet_ids=self.network.private_subnet_ids,
            isolated_subnet_ids=self.network.isolated_subnet_ids,
            availability_zones=zones,
            alb_security_group_id=self.security.alb_id,
            alb_arn_suffix=self.load_balancer.alb.arn_suffix,
            alb_dns_name=self.load_balancer.alb.dns_name,
            alarm_topic_arn=None,
        )


def target_of(settings: Settings) -> TargetArgs:
    """The app's target group, from the service and load balancer settings."""
    lb = settings.load_balancer
    return TargetArgs(
        port=settings.service.port,
        target_type="ip" if settings.compute == "ecs" else "instance",
        health_check_path=lb.health_check_path,
        health_check_interval_seconds=lb.health_check_interval_seconds,
        deregistration_delay_seconds=lb.deregistration_delay_seconds,
    )


def buckets_args(
    settings: Settings, namer: Namer, context: AwsContext, key_arn: pulumi.Input[str]
) -> BucketsArgs:
    """The stack's buckets: no key-encrypted one on an environment, the assets and the
    pipeline's artifacts (when it has one) elsewhere; the log bucket takes the ALB's access
    logs where the stack holds the ALB, and is the service's own on a shared environment."""
    storage, service = settings.storage, settings.role == "service"
    logged = tuple(b for b in LOGGED if b != "artifacts" or settings.pipeline.enabled)
    return BucketsArgs(
        namer=namer, aws=context, kms_key_arn=key_arn,
        noncurrent_version_days=storage.noncurrent_version_days,
        log_expiration_days=storage.log_expiration_days,
        force_destroy=not settings.deletion_protection,
        logged=() if settings.role == "environment" else logged,
        log_role="logs" if service else "alb-logs", elb_logs=not service,
    )  # fmt: skip


def build_edge(
    parent: pulumi.Resource,
    settings: Settings,
    *,
    namer: Namer,
    context: AwsContext,
    zones: tuple[str, ...],
    key_arn: pulumi.Input[str],
    zone_id: str | None,
) -> Edge:
    """Network, groups, buckets, domain, load balancer and WAF, children of `parent`."""
    child, net, lb = pulumi.ResourceOptions(parent=parent), settings.network, settings.load_balancer
    protect, whole = settings.deletion_protection, settings.role == "all"
    network = Network(
        "network",
        NetworkArgs(namer=namer, aws=context, cidr=net.cidr, availability_zones=zones,
                    nat_strategy=net.nat_strategy,
                    flow_log_retention_days=net.flow_log_retention_days, kms_key_arn=key_arn),
        opts=child,
    )  # fmt: skip
    security = SecurityGroups(
        "security",
        SecurityGroupsArgs(namer=namer, vpc_id=network.vpc.id, ingress_cidrs=lb.ingress_cidrs,
                           https=settings.https,
                           app_port=settings.service.port if whole else None),
        opts=child,
    )  # fmt: skip
    buckets = Buckets("storage", buckets_args(settings, namer, context, key_arn), opts=child)
    domain = (
        Domain(
            "domain",
            DomainArgs(name=settings.domain.name, zone_id=zone_id or "", wildcard=not whole),
            opts=child,
        )
        if settings.domain
        else None
    )
    load_balancer = LoadBalancer(
        "edge",
        LoadBalancerArgs(
            namer=namer, vpc_id=network.vpc.id, subnet_ids=network.public_subnet_ids,
            security_group_id=security.alb_id, target=target_of(settings) if whole else None,
            idle_timeout_seconds=lb.idle_timeout_seconds, deletion_protection=protect,
            certificate_arn=domain.certificate_arn if domain else settings.certificate_arn,
            ssl_policy=lb.ssl_policy, access_logs_bucket=buckets.names["alb-logs"],
            access_logs_prefix=ALB_LOG_PREFIX, access_logs_ready=[buckets.policies["alb-logs"]],
        ),
        opts=child,
    )  # fmt: skip
    if domain:
        domain.point_at(load_balancer.alb)
    waf = _waf(parent, settings, namer, load_balancer, key_arn) if settings.waf.enabled else None
    return Edge(network, security, buckets, load_balancer, waf)


def _waf(
    parent: pulumi.Resource,
    settings: Settings,
    namer: Namer,
    load_balancer: LoadBalancer,
    key_arn: pulumi.Input[str],
) -> Waf:
    waf = settings.waf
    return Waf(
        "waf",
        WafArgs(namer=namer, alb_arn=load_balancer.alb.arn, rate_limit=waf.rate_limit,
                log_retention_days=waf.log_retention_days, kms_key_arn=key_arn),
        opts=pulumi.ResourceOptions(parent=parent),
    )  # fmt: skip


def environment_outputs(
    edge: Edge,
    settings: Settings,
    zones: tuple[str, ...],
    topic_arn: pulumi.Input[str],
) -> dict[str, pulumi.Input[object]]:
    """What an environment stack exports for its services (`lib.shared.OUTPUTS`)."""
    lb = edge.load_balancer
    domain = settings.domain.name if settings.domain else None
    return {
        "role": "environment",
        "environment": settings.environment,
        "region": settings.region,
        "environmentSuffix": settings.environment_suffix,
        "vpcId": edge.network.vpc.id,
        "publicSubnetIds": edge.network.public_subnet_ids,
        "privateSubnetIds": edge.network.private_subnet_ids,
        "isolatedSubnetIds": edge.network.isolated_subnet_ids,
        "availabilityZones": list(zones),
        "albArn": lb.alb.arn,
        "albArnSuffix": lb.alb.arn_suffix,
        "albDnsName": lb.alb.dns_name,
        "albSecurityGroupId": edge.security.alb_id,
        "listenerArn": lb.service_listener.arn,
        "https": settings.https,
        # Hosts under the environment's domain resolve to the ALB (its wildcard alias);
        # without a domain, services are reached by Host header on the ALB's DNS name.
        "routeDomain": domain or f"{settings.environment_suffix}.{settings.project}.internal",
        "routeClaimsPath": f"/{settings.project}/{settings.environment_suffix}/routes",
        "alarmTopicArn": topic_arn,
        "internetEgress": settings.network.nat_strategy != "none",
        "albLogsBucket": edge.buckets.names["alb-logs"],
    }
