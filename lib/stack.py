"""The whole service for one stack: the provider, then network, edge and compute.

Everything the components need to know about the account and region is asked of the
provider once, here, so no component can drift to another region or hard-code an ARN.
"""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from lib.config import Settings, SettingsError
from lib.ecs_service import EcsService, EcsServiceArgs
from lib.load_balancer import LoadBalancer, LoadBalancerArgs
from lib.naming import Namer
from lib.network import Network, NetworkArgs
from lib.policies import AwsContext
from lib.security import SecurityGroups, SecurityGroupsArgs


def create_provider(settings: Settings) -> aws.Provider:
    """The one AWS provider; its default tags reach every taggable resource."""
    return aws.Provider(
        "aws",
        region=settings.region,
        default_tags=aws.ProviderDefaultTagsArgs(tags=settings.required_tags),
    )


def discover(settings: Settings, provider: aws.Provider) -> tuple[AwsContext, tuple[str, ...]]:
    """Account, partition and the AZs to use; fails before any AWS resource is declared."""
    invoke = pulumi.InvokeOptions(provider=provider)
    identity = aws.get_caller_identity(opts=invoke)
    partition = aws.get_partition(opts=invoke)
    region = aws.get_region(opts=invoke)
    zones = aws.get_availability_zones(state="available", opts=invoke)
    wanted = settings.network.az_count
    if len(zones.names) < wanted:
        raise SettingsError(
            f"tap:network.azCount = {wanted}: region {settings.region} offers only "
            f"{len(zones.names)} available AZs ({', '.join(zones.names)})"
        )
    context = AwsContext(
        region=region.region, account_id=identity.account_id, partition=partition.partition
    )
    return context, tuple(sorted(zones.names)[:wanted])


class TapStack(pulumi.ComponentResource):
    """Composes the components; the only place that turns settings into component args."""

    def __init__(
        self,
        name: str,
        settings: Settings,
        context: AwsContext,
        zones: tuple[str, ...],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("tap:index:TapStack", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        namer = Namer(settings.project, settings.environment_suffix)
        net, lb, svc = settings.network, settings.load_balancer, settings.service

        self.network = Network(
            "network",
            NetworkArgs(
                namer=namer,
                aws=context,
                cidr=net.cidr,
                availability_zones=zones,
                nat_strategy=net.nat_strategy,
                flow_log_retention_days=net.flow_log_retention_days,
            ),
            opts=child,
        )
        self.security = SecurityGroups(
            "security",
            SecurityGroupsArgs(
                namer=namer,
                vpc_id=self.network.vpc.id,
                ingress_cidrs=lb.ingress_cidrs,
                https=settings.https,
                app_port=svc.port,
            ),
            opts=child,
        )
        self.load_balancer = LoadBalancer(
            "edge",
            LoadBalancerArgs(
                namer=namer,
                vpc_id=self.network.vpc.id,
                subnet_ids=self.network.public_subnet_ids,
                security_group_id=self.security.alb.id,
                target_port=svc.port,
                target_type="ip",
                health_check_path=lb.health_check_path,
                health_check_interval_seconds=lb.health_check_interval_seconds,
                deregistration_delay_seconds=lb.deregistration_delay_seconds,
                idle_timeout_seconds=lb.idle_timeout_seconds,
                deletion_protection=settings.deletion_protection,
                certificate_arn=settings.certificate_arn,
                ssl_policy=lb.ssl_policy,
            ),
            opts=child,
        )
        self.compute = EcsService(
            "app",
            EcsServiceArgs(
                namer=namer,
                aws=context,
                subnet_ids=self.network.private_subnet_ids,
                security_group_id=self.security.app.id,
                target_group_arn=self.load_balancer.target_group.arn,
                target_group_arn_suffix=self.load_balancer.target_group.arn_suffix,
                alb_arn_suffix=self.load_balancer.alb.arn_suffix,
                listeners=self.load_balancer.listeners,
                image=svc.image,
                command=svc.command,
                port=svc.port,
                cpu=svc.cpu,
                memory=svc.memory,
                architecture=svc.architecture,
                environment=svc.environment,
                desired_count=svc.desired_count,
                min_count=svc.min_count,
                max_count=svc.max_count,
                cpu_target_percent=svc.cpu_target_percent,
                requests_per_target=svc.requests_per_target,
                log_retention_days=svc.log_retention_days,
            ),
            opts=child,
        )
        self.outputs: dict[str, pulumi.Input[object]] = {
            "vpcId": self.network.vpc.id,
            "publicSubnetIds": self.network.public_subnet_ids,
            "privateSubnetIds": self.network.private_subnet_ids,
            "isolatedSubnetIds": self.network.isolated_subnet_ids,
            "albDnsName": self.load_balancer.alb.dns_name,
            "albArn": self.load_balancer.alb.arn,
            "targetGroupArn": self.load_balancer.target_group.arn,
            "clusterName": self.compute.cluster.name,
            "serviceName": self.compute.service.name,
            "environmentSuffix": settings.environment_suffix,
            "region": context.region,
        }
        self.register_outputs(self.outputs)


def build(settings: Settings) -> TapStack:
    provider = create_provider(settings)
    context, zones = discover(settings, provider)
    return TapStack(
        settings.project,
        settings,
        context,
        zones,
        opts=pulumi.ResourceOptions(
            providers={"aws": provider}, protect=settings.deletion_protection
        ),
    )
