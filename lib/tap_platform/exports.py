"""What an app-holding stack exports, following what it holds, and what a service expects of
its environment."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pulumi
import pulumi_aws as aws
from pydantic.alias_generators import to_camel

from tap_platform.buckets import Buckets
from tap_platform.ecs_service import EcsService
from tap_platform.route import ServiceRoute
from tap_platform.settings import Settings
from tap_platform.shared import Expected, SharedEnvironment

if TYPE_CHECKING:
    from tap_platform.stack import TapStack
    from tap_platform.workload import Workload


def expected_environment(settings: Settings) -> Expected:
    return Expected(
        reference=settings.environment_stack or "",
        region=settings.region,
        tier=settings.environment,
        require_https=settings.require_https,
        needs_egress=settings.needs_egress,
    )


def app_outputs(
    settings: Settings,
    stack: TapStack,
    *,
    shared: SharedEnvironment,
    buckets: Buckets,
    target_group: aws.lb.TargetGroup,
    route: ServiceRoute | None,
) -> dict[str, pulumi.Input[object]]:
    work = stack.workload
    out: dict[str, pulumi.Input[object]] = {}
    if stack.edge:
        network = stack.edge.network
        out |= {
            "vpcId": network.vpc.id,
            "publicSubnetIds": network.public_subnet_ids,
            "privateSubnetIds": network.private_subnet_ids,
            "isolatedSubnetIds": network.isolated_subnet_ids,
        }
    out |= {"albDnsName": shared.alb_dns_name, "appUrl": _app_url(settings, shared, route)}
    if stack.edge:
        out["albArn"] = stack.edge.load_balancer.alb.arn
    out["targetGroupArn"] = target_group.arn
    if isinstance(work.compute, EcsService):
        out |= {"clusterName": work.compute.cluster.name, "serviceName": work.compute.service.name}
    else:
        out["autoScalingGroupName"] = work.compute.group.name
    out |= {
        "environmentSuffix": settings.environment_suffix,
        "region": settings.region,
        "kmsKeyArn": stack.kms.key.arn,
    }
    out |= _data_outputs(settings, work)
    out |= {to_camel(f"{role}_bucket".replace("-", "_")): n for role, n in buckets.names.items()}
    if work.pipeline:
        out |= {
            "pipelineName": work.pipeline.pipeline.name,
            "buildProjectName": work.pipeline.build.name,
        }
    out |= {
        "alarmTopicArn": work.observability.topic_arn,
        "dashboardName": work.observability.dashboard.dashboard_name,
        "role": settings.role,
    }
    if route:
        out |= {"environmentStack": settings.environment_stack, "routeHost": route.host}
    return out


def _app_url(
    settings: Settings, shared: SharedEnvironment, route: ServiceRoute | None
) -> pulumi.Input[str]:
    if route:
        scheme = pulumi.Output.from_input(shared.https).apply(
            lambda https: "https://" if https else "http://"
        )
        return pulumi.Output.concat(scheme, route.host, (settings.route.path or "/").rstrip("*"))
    if settings.domain:
        return f"https://{settings.domain.name}"
    return pulumi.Output.concat("https://" if settings.https else "http://", shared.alb_dns_name)


def _data_outputs(settings: Settings, work: Workload) -> dict[str, pulumi.Input[object]]:
    """Where the data tier is, and who the app is in its database; only what the stack holds."""
    out: dict[str, pulumi.Input[object]] = {}
    if work.database:
        out |= {
            "dbWriterEndpoint": work.database.endpoint,
            "dbReaderEndpoint": work.database.reader_endpoint,
            "dbPort": settings.database.port,
            "dbSecretArn": work.database.secret_arn,
            "dbAppUser": work.database.app_username,
            "dbResourceId": work.database.resource_id,
        }
    if work.cache:
        out |= {
            "redisPrimaryEndpoint": work.cache.primary_endpoint,
            "redisReaderEndpoint": work.cache.reader_endpoint,
            "redisAuthSecretArn": work.cache.secret.arn,
        }
    return out
