"""The whole service for one stack: the provider, then network, edge and compute.

Everything the components need to know about the account and region is asked of the
provider once, here, so no component can drift to another region or hard-code an ARN.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from lib.asg_service import RUN_SCRIPT, AsgService, AsgServiceArgs
from lib.buckets import ALB_LOG_PREFIX, Buckets, BucketsArgs
from lib.cache import Cache, CacheArgs
from lib.catalog import Offers, check, check_region
from lib.config import Settings, SettingsError
from lib.database import Database, DatabaseArgs
from lib.domain import Domain, DomainArgs
from lib.ecs_service import EcsService, EcsServiceArgs
from lib.kms import Kms, KmsArgs
from lib.load_balancer import LoadBalancer, LoadBalancerArgs
from lib.logs import AppLogs, AppLogsArgs
from lib.naming import Namer
from lib.network import Network, NetworkArgs
from lib.observability import Observability, ObservabilityArgs
from lib.pipeline import Pipeline, PipelineArgs
from lib.policies import AwsContext
from lib.release import Release, ReleaseArgs
from lib.security import SecurityGroups, SecurityGroupsArgs
from lib.waf import Waf, WafArgs


def create_provider(settings: Settings) -> aws.Provider:
    """The one AWS provider; its default tags reach every taggable resource. The stack's
    `aws:*` credentials settings (profile, roles to assume, allowed accounts) reach it too:
    an explicit provider reads none of them by itself."""
    credentials = settings.provider
    return aws.Provider(
        "aws",
        region=settings.region,
        profile=credentials.profile,
        assume_roles=[
            aws.ProviderAssumeRoleArgs(
                role_arn=role.role_arn, session_name=role.session_name, external_id=role.external_id
            )
            for role in credentials.assume_roles
        ]
        or None,
        allowed_account_ids=credentials.allowed_account_ids or None,
        shared_config_files=credentials.shared_config_files or None,
        shared_credentials_files=credentials.shared_credentials_files or None,
        default_tags=aws.ProviderDefaultTagsArgs(tags=settings.required_tags),
    )


@dataclass(frozen=True)
class Environment:
    """What the provider reports about where the stack runs."""

    aws: AwsContext
    zones: tuple[str, ...]
    offers: Offers


def discover(settings: Settings, provider: aws.Provider) -> Environment:
    """Account, partition, AZs and what the region offers for the settings (`lib.catalog`);
    fails before any AWS resource is declared. Only zones of type `availability-zone` count:
    in an account opted into Local Zones, those zones are "available" too, and sort before
    the region's own."""
    invoke = pulumi.InvokeOptions(provider=provider)
    check_region(settings.region, invoke)
    identity = aws.get_caller_identity(opts=invoke)
    partition = aws.get_partition(opts=invoke)
    region = aws.get_region(opts=invoke)
    zones = aws.get_availability_zones(
        state="available",
        filters=[
            aws.GetAvailabilityZonesFilterArgs(name="zone-type", values=["availability-zone"])
        ],
        opts=invoke,
    )
    wanted = settings.network.az_count
    if len(zones.names) < wanted:
        raise SettingsError(
            f"tap:network.azCount = {wanted}: region {settings.region} offers only "
            f"{len(zones.names)} available AZs ({', '.join(zones.names)})"
        )
    context = AwsContext(
        region=region.region, account_id=identity.account_id, partition=partition.partition
    )
    chosen = tuple(sorted(zones.names)[:wanted])
    return Environment(aws=context, zones=chosen, offers=check(settings, chosen, invoke))


class TapStack(pulumi.ComponentResource):
    """Composes the components; the only place that turns settings into component args."""

    def __init__(
        self,
        name: str,
        settings: Settings,
        env: Environment,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("tap:index:TapStack", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        namer = Namer(settings.project, settings.environment_suffix)
        net, lb, svc = settings.network, settings.load_balancer, settings.service
        context, zones, storage = env.aws, env.zones, settings.storage
        protect = settings.deletion_protection

        self.kms = Kms(
            "kms",
            KmsArgs(
                namer=namer,
                aws=context,
                deletion_window_days=storage.kms_deletion_window_days,
                autoscaling_role_suffix=namer.service_linked_role_suffix(context.region)
                if settings.compute == "asg"
                else None,
                protect=protect,
            ),
            opts=child,
        )
        key_arn = self.kms.key.arn

        self.network = Network(
            "network",
            NetworkArgs(
                namer=namer,
                aws=context,
                cidr=net.cidr,
                availability_zones=zones,
                nat_strategy=net.nat_strategy,
                flow_log_retention_days=net.flow_log_retention_days,
                kms_key_arn=key_arn,
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
        self.buckets = Buckets(
            "storage",
            BucketsArgs(
                namer=namer,
                aws=context,
                kms_key_arn=key_arn,
                noncurrent_version_days=storage.noncurrent_version_days,
                log_expiration_days=storage.log_expiration_days,
                force_destroy=not protect,
            ),
            opts=child,
        )
        self.database = Database(
            "database",
            DatabaseArgs(
                namer=namer,
                aws=context,
                settings=settings.database,
                vpc_id=self.network.vpc.id,
                subnet_ids=self.network.isolated_subnet_ids,
                availability_zones=zones,
                app_security_group_id=self.security.app.id,
                kms_key_arn=key_arn,
                protect=protect,
                log_retention_days=svc.log_retention_days,
            ),
            opts=child,
        )
        self.cache = Cache(
            "cache",
            CacheArgs(
                namer=namer,
                settings=settings.cache,
                vpc_id=self.network.vpc.id,
                subnet_ids=self.network.isolated_subnet_ids,
                app_security_group_id=self.security.app.id,
                kms_key_arn=key_arn,
                protect=protect,
                secret_recovery_window_days=storage.secret_recovery_window_days,
            ),
            opts=child,
        )
        domain = (
            Domain(
                "domain",
                DomainArgs(name=settings.domain.name, zone_id=env.offers.zone_id or ""),
                opts=child,
            )
            if settings.domain
            else None
        )
        self.load_balancer = LoadBalancer(
            "edge",
            LoadBalancerArgs(
                namer=namer,
                vpc_id=self.network.vpc.id,
                subnet_ids=self.network.public_subnet_ids,
                security_group_id=self.security.alb.id,
                target_port=svc.port,
                target_type="ip" if settings.compute == "ecs" else "instance",
                health_check_path=lb.health_check_path,
                health_check_interval_seconds=lb.health_check_interval_seconds,
                deregistration_delay_seconds=lb.deregistration_delay_seconds,
                idle_timeout_seconds=lb.idle_timeout_seconds,
                deletion_protection=protect,
                certificate_arn=domain.certificate_arn if domain else settings.certificate_arn,
                ssl_policy=lb.ssl_policy,
                access_logs_bucket=self.buckets.names["alb-logs"],
                access_logs_prefix=ALB_LOG_PREFIX,
                access_logs_ready=[self.buckets.policies["alb-logs"]],
            ),
            opts=child,
        )
        if domain:
            domain.point_at(self.load_balancer.alb)
        self.waf = (
            Waf(
                "waf",
                WafArgs(
                    namer=namer,
                    alb_arn=self.load_balancer.alb.arn,
                    rate_limit=settings.waf.rate_limit,
                    log_retention_days=settings.waf.log_retention_days,
                    kms_key_arn=key_arn,
                ),
                opts=child,
            )
            if settings.waf.enabled
            else None
        )
        app_logs = AppLogs(
            "app-logs",
            AppLogsArgs(
                group_name=namer.log_group("app"),
                retention_days=svc.log_retention_days,
                kms_key_arn=key_arn,
            ),
            opts=child,
        )
        self.release = Release(
            "release", ReleaseArgs(namer=namer, initial_image=svc.image), opts=child
        )
        app = {
            "namer": namer,
            "aws": context,
            "subnet_ids": self.network.private_subnet_ids,
            "security_group_id": self.security.app.id,
            "target_group_arn": self.load_balancer.target_group.arn,
            "target_group_arn_suffix": self.load_balancer.target_group.arn_suffix,
            "alb_arn_suffix": self.load_balancer.alb.arn_suffix,
            "listeners": self.load_balancer.listeners,
            "image": self.release.image,
            "command": svc.command,
            "port": svc.port,
            "environment": {**svc.environment, **self._app_settings(settings)},
            "secrets": self._app_secrets(),
            "secret_arns": [self.database.secret_arn, self.cache.secret.arn],
            "kms_key_arn": key_arn,
            "assets_bucket_arn": self.buckets.buckets["assets"].arn,
            "desired_count": svc.desired_count,
            "min_count": svc.min_count,
            "max_count": svc.max_count,
            "cpu_target_percent": svc.cpu_target_percent,
            "requests_per_target": svc.requests_per_target,
            "log_retention_days": svc.log_retention_days,
            "log_group": app_logs.group,
        }
        if settings.compute == "ecs":
            self.compute: EcsService | AsgService = EcsService(
                "app",
                EcsServiceArgs(
                    **app,
                    cpu=svc.cpu,
                    memory=svc.memory,
                    architecture=svc.architecture,
                    database_secret_arn=self.database.secret_arn,
                ),
                opts=child,
            )
        else:
            self.compute = AsgService(
                "app",
                AsgServiceArgs(
                    **app,
                    instances=settings.instances,
                    artifacts_bucket_arn=self.buckets.buckets["artifacts"].arn,
                    tags=settings.required_tags,
                    service_linked_role_arn=self.kms.autoscaling_role_arn,
                    image_parameter_name=self.release.parameter_name,
                    architecture=env.offers.architecture,
                ),
                opts=child,
            )
        self.pipeline = self._pipeline(settings, namer, context)
        self.observability = self._observability(settings, namer, context)
        self.outputs: dict[str, pulumi.Input[object]] = {
            "vpcId": self.network.vpc.id,
            "publicSubnetIds": self.network.public_subnet_ids,
            "privateSubnetIds": self.network.private_subnet_ids,
            "isolatedSubnetIds": self.network.isolated_subnet_ids,
            "albDnsName": self.load_balancer.alb.dns_name,
            "appUrl": (
                f"https://{settings.domain.name}"
                if settings.domain
                else pulumi.Output.concat(
                    "https://" if settings.https else "http://", self.load_balancer.alb.dns_name
                )
            ),
            "albArn": self.load_balancer.alb.arn,
            "targetGroupArn": self.load_balancer.target_group.arn,
            **self._compute_outputs(),
            "environmentSuffix": settings.environment_suffix,
            "region": context.region,
            "kmsKeyArn": key_arn,
            "dbWriterEndpoint": self.database.endpoint,
            "dbReaderEndpoint": self.database.reader_endpoint,
            "dbPort": settings.database.port,
            "dbSecretArn": self.database.secret_arn,
            "redisPrimaryEndpoint": self.cache.primary_endpoint,
            "redisReaderEndpoint": self.cache.reader_endpoint,
            "redisAuthSecretArn": self.cache.secret.arn,
            "artifactsBucket": self.buckets.names["artifacts"],
            "albLogsBucket": self.buckets.names["alb-logs"],
            "assetsBucket": self.buckets.names["assets"],
            "pipelineName": self.pipeline.pipeline.name,
            "buildProjectName": self.pipeline.build.name,
            "alarmTopicArn": self.observability.topic.arn,
            "dashboardName": self.observability.dashboard.dashboard_name,
        }
        self.register_outputs(self.outputs)

    def _compute_outputs(self) -> dict[str, pulumi.Input[str]]:
        if isinstance(self.compute, EcsService):
            return {
                "clusterName": self.compute.cluster.name,
                "serviceName": self.compute.service.name,
            }
        return {"autoScalingGroupName": self.compute.group.name}

    def _pipeline(self, settings: Settings, namer: Namer, context: AwsContext) -> Pipeline:
        ecs = self.compute if isinstance(self.compute, EcsService) else None
        asg = self.compute if isinstance(self.compute, AsgService) else None
        return Pipeline(
            "delivery",
            PipelineArgs(
                namer=namer,
                aws=context,
                settings=settings.pipeline,
                kms_key_arn=self.kms.key.arn,
                artifacts_bucket=self.buckets.names["artifacts"],
                artifacts_bucket_arn=self.buckets.buckets["artifacts"].arn,
                image=settings.service.image,
                image_parameter=self.release.parameter,
                compute=settings.compute,
                cluster_name=ecs.cluster.name if ecs else None,
                service_name=ecs.service.name if ecs else None,
                pass_role_arns=[ecs.execution_role.arn, ecs.task_role.arn] if ecs else [],
                task_family=ecs.task_definition.family if ecs else None,
                autoscaling_group_name=asg.group.name if asg else None,
                target_group_name=self.load_balancer.target_group.name,
                app_port=settings.service.port,
                health_check_path=settings.load_balancer.health_check_path,
                run_script=RUN_SCRIPT,
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _observability(
        self, settings: Settings, namer: Namer, context: AwsContext
    ) -> Observability:
        if isinstance(self.compute, EcsService):
            namespace = "AWS/ECS"
            compute = {
                "ClusterName": self.compute.cluster.name,
                "ServiceName": self.compute.service.name,
            }
        else:
            namespace, compute = "AWS/EC2", {"AutoScalingGroupName": self.compute.group.name}
        return Observability(
            "observability",
            ObservabilityArgs(
                namer=namer,
                region=context.region,
                kms_key_arn=self.kms.key.arn,
                alarms=settings.alarms,
                load_balancer={"LoadBalancer": self.load_balancer.alb.arn_suffix},
                target_group={"TargetGroup": self.load_balancer.target_group.arn_suffix},
                compute=compute,
                compute_namespace=namespace,
                database=self.database.metric_dimensions,
                cache_nodes=self.cache.member_ids,
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _app_settings(self, settings: Settings) -> dict[str, pulumi.Input[str]]:
        """Where the app finds its data tier; plain values, no credentials."""
        return {
            "DB_HOST": self.database.endpoint,
            "DB_READER_HOST": self.database.reader_endpoint,
            "DB_PORT": str(settings.database.port),
            "DB_NAME": settings.database.database_name,
            "DB_SECRET_ARN": self.database.secret_arn,
            "REDIS_HOST": self.cache.primary_endpoint,
            "REDIS_PORT": str(self.cache.port),
            "REDIS_TLS": "true",
            "REDIS_AUTH_SECRET_ARN": self.cache.secret.arn,
            "ASSETS_BUCKET": self.buckets.names["assets"],
        }

    def _app_secrets(self) -> dict[str, pulumi.Input[str]]:
        """Credentials, resolved by ECS from Secrets Manager (`arn:json-key::`)."""
        db, cache = self.database.secret_arn, self.cache.secret.arn
        return {
            "DB_USERNAME": pulumi.Output.concat(db, ":username::"),
            "DB_PASSWORD": pulumi.Output.concat(db, ":password::"),
            "REDIS_AUTH_TOKEN": pulumi.Output.concat(cache, ":token::"),
        }


def build(settings: Settings) -> TapStack:
    provider = create_provider(settings)
    return TapStack(
        settings.project,
        settings,
        discover(settings, provider),
        opts=pulumi.ResourceOptions(providers={"aws": provider}),
    )
