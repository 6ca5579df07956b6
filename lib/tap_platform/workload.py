"""The service side of a stack: data tier, the app on its runtime, delivery and alarms.

It runs on what an environment shares (`lib.shared.SharedEnvironment`), built beside it in an
`all` stack or read from the environment's stack by a service. The database, the cache and
the pipeline are each optional; what the app is told, granted and watched follows what
exists.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from tap_platform.app import InjectedSecret, injected_secret
from tap_platform.asg_service import RUN_SCRIPT, AsgService, AsgServiceArgs
from tap_platform.buckets import Buckets
from tap_platform.cache import Cache, CacheArgs
from tap_platform.database import Database, DatabaseArgs
from tap_platform.ecr import Repository, RepositoryArgs, RepositoryRef, image_repository
from tap_platform.ecs_service import EcsService, EcsServiceArgs
from tap_platform.logs import AppLogs, AppLogsArgs
from tap_platform.naming import Namer
from tap_platform.observability import Observability, ObservabilityArgs, Thresholds
from tap_platform.pipeline import Pipeline, PipelineArgs
from tap_platform.policies import AwsContext, Grants
from tap_platform.release import Release, ReleaseArgs
from tap_platform.settings import Settings
from tap_platform.shared import SharedEnvironment


@dataclass(frozen=True)
class Placement:
    """Where the app sits: the stack's own parts it needs besides the environment."""

    namer: Namer
    context: AwsContext
    shared: SharedEnvironment
    app_security_group_id: pulumi.Input[str]
    target_group: aws.lb.TargetGroup
    # What must exist before the app registers with the target group (listeners or rule).
    routed_by: list[pulumi.Resource]
    key_arn: pulumi.Input[str]
    autoscaling_role_arn: pulumi.Input[str] | None
    architecture: str
    buckets: Buckets


@dataclass
class Workload:
    database: Database | None
    cache: Cache | None
    release: Release
    compute: EcsService | AsgService
    pipeline: Pipeline | None
    observability: Observability
    repository: Repository | None = None


def build_workload(parent: pulumi.Resource, settings: Settings, at: Placement) -> Workload:
    child = pulumi.ResourceOptions(parent=parent)
    database = database_for(settings, at, child) if settings.database.enabled else None
    cache = cache_for(settings, at, child) if settings.cache.enabled else None
    svc = settings.service
    logs = AppLogs(
        "app-logs",
        AppLogsArgs(group_name=at.namer.log_group("app"), retention_days=svc.log_retention_days,
                    kms_key_arn=at.key_arn),
        opts=child,
    )  # fmt: skip
    release = Release("release", ReleaseArgs(namer=at.namer, initial_image=svc.image), opts=child)
    repository = _repository(settings, at, child) if settings.pipeline.enabled else None
    compute = _compute(
        settings, at, database=database, cache=cache, logs=logs, release=release,
        pulls=pulled_from(settings, at.context, repository), child=child,
    )  # fmt: skip
    pipeline = (
        _pipeline(settings, at, release, compute, repository=repository, child=child)
        if repository is not None
        else None
    )
    observability = _observability(
        settings, at, database=database, cache=cache, compute=compute, child=child
    )
    return Workload(database, cache, release, compute, pipeline, observability, repository)


def _repository(settings: Settings, at: Placement, child: pulumi.ResourceOptions) -> Repository:
    """Where the pipeline pushes the images it builds: one per service stack."""
    return Repository(
        "image",
        RepositoryArgs(namer=at.namer, kms_key_arn=at.key_arn,
                       force_delete=not settings.deletion_protection),
        opts=child,
    )  # fmt: skip


def pulled_from(
    settings: Settings, context: AwsContext, repository: Repository | None
) -> list[RepositoryRef]:
    """The private repositories the runtime pulls from: the pipeline's, and the first image's
    (`tap:service.image`) when that is a private ECR image, which runs until the first build."""
    first = image_repository(settings.service.image, context.partition)
    return [r for r in (repository.ref if repository else None, first) if r is not None]


def database_for(settings: Settings, at: Placement, child: pulumi.ResourceOptions) -> Database:
    """The stack's database, from its settings: the one mapping of `tap:database`, also
    what tests plan a data-tier change on without the rest of the stack."""
    db = settings.database
    return Database(
        "database",
        DatabaseArgs(
            namer=at.namer, aws=at.context, vpc_id=at.shared.vpc_id,
            subnet_ids=at.shared.isolated_subnet_ids,
            setup_subnet_ids=at.shared.private_subnet_ids,
            availability_zones=at.shared.availability_zones,
            app_security_group_id=at.app_security_group_id, kms_key_arn=at.key_arn,
            engine=db.engine, engine_version=db.engine_version, port=db.port,
            master_username=db.master_username, database_name=db.database_name,
            serverless=db.serverless, min_capacity=db.min_capacity,
            max_capacity=db.max_capacity, instance_class=db.instance_class,
            reader_count=db.reader_count, allocated_storage_gb=db.allocated_storage_gb,
            multi_az=db.multi_az, backup_retention_days=db.backup_retention_days,
            performance_insights=db.performance_insights,
            monitoring_interval_seconds=db.monitoring_interval_seconds,
            rotation_days=db.rotation_days,
            log_retention_days=settings.service.log_retention_days,
            protect=settings.deletion_protection, apply_immediately=db.apply_immediately,
        ),
        opts=child,
    )  # fmt: skip


def cache_for(settings: Settings, at: Placement, child: pulumi.ResourceOptions) -> Cache:
    """The stack's cache, from its settings: the one mapping of `tap:cache`."""
    return Cache(
        "cache",
        CacheArgs(
            namer=at.namer, vpc_id=at.shared.vpc_id, subnet_ids=at.shared.isolated_subnet_ids,
            app_security_group_id=at.app_security_group_id, kms_key_arn=at.key_arn,
            engine=settings.cache.engine, engine_version=settings.cache.engine_version,
            node_type=settings.cache.node_type, replicas=settings.cache.replicas,
            snapshot_retention_days=settings.cache.snapshot_retention_days,
            log_retention_days=settings.cache.log_retention_days,
            secret_recovery_window_days=settings.storage.secret_recovery_window_days,
            protect=settings.deletion_protection,
            apply_immediately=settings.cache.apply_immediately,
        ),
        opts=child,
    )  # fmt: skip


def app_settings(
    settings: Settings, database: Database | None, cache: Cache | None, assets: pulumi.Input[str]
) -> dict[str, pulumi.Input[str]]:
    """Where the app finds its data tier: plain values, no credentials, only for the parts
    the stack holds."""
    values: dict[str, pulumi.Input[str]] = {}
    if database:
        values |= {
            "DB_HOST": database.endpoint,
            "DB_READER_HOST": database.reader_endpoint,
            "DB_PORT": str(settings.database.port),
            "DB_NAME": settings.database.database_name,
            "DB_USER": database.app_username,
            "DB_AUTH": "iam",
        }
    if cache:
        values |= {
            "REDIS_HOST": cache.primary_endpoint,
            "REDIS_PORT": str(cache.port),
            "REDIS_TLS": "true",
            "REDIS_AUTH_SECRET_ARN": cache.secret.arn,
        }
    # Fargate sets the region in every container, Docker on an instance does not: the app
    # signs its database tokens for it.
    region = {"AWS_REGION": settings.region, "AWS_DEFAULT_REGION": settings.region}
    return values | region | {"ASSETS_BUCKET": assets, "PORT": str(settings.service.port)}


def injected(settings: Settings, context: AwsContext) -> dict[str, InjectedSecret]:
    """The variables `tap:service.secrets` maps to existing secrets and parameters."""
    return {
        name: injected_secret(ref.from_, ref.key, context)
        for name, ref in settings.service.secrets.items()
    }


def connect_grants(database: Database | None, cache: Cache | None) -> Grants:
    """What the app reads itself each time it connects: its database user's IAM token and
    the cache's AUTH secret, which a rotation changes under a running app."""
    return {
        **(database.grant_connect("database-connect") if database else {}),
        **(cache.grant_read_secret("cache-secret") if cache else {}),
    }


def _compute(
    settings: Settings,
    at: Placement,
    *,
    database: Database | None,
    cache: Cache | None,
    logs: AppLogs,
    release: Release,
    pulls: list[RepositoryRef],
    child: pulumi.ResourceOptions,
) -> EcsService | AsgService:
    svc = settings.service
    app = {
        "namer": at.namer, "aws": at.context, "subnet_ids": at.shared.private_subnet_ids,
        "security_group_id": at.app_security_group_id,
        "target_group_arn": at.target_group.arn,
        "target_group_arn_suffix": at.target_group.arn_suffix,
        "alb_arn_suffix": at.shared.alb_arn_suffix, "listeners": at.routed_by,
        "image": release.image, "command": svc.command, "port": svc.port,
        "environment": {**svc.environment,
                        **app_settings(settings, database, cache, at.buckets.names["assets"])},
        "secrets": injected(settings, at.context),
        "connect_grants": connect_grants(database, cache),
        "kms_key_arn": at.key_arn, "assets": at.buckets.ref("assets"),
        "desired_count": svc.desired_count, "min_count": svc.min_count,
        "max_count": svc.max_count, "cpu_target_percent": svc.cpu_target_percent,
        "requests_per_target": svc.requests_per_target,
        "log_retention_days": svc.log_retention_days, "log_group": logs.group,
        "image_repositories": pulls,
    }  # fmt: skip
    if settings.compute == "ecs":
        return EcsService(
            "app",
            EcsServiceArgs(**app, cpu=svc.cpu, memory=svc.memory, architecture=svc.architecture),
            opts=child,
        )  # fmt: skip
    instances = settings.instances
    return AsgService(
        "app",
        AsgServiceArgs(**app, instance_type=instances.instance_type,
                       root_volume_gb=instances.root_volume_gb,
                       health_check_grace_seconds=instances.health_check_grace_seconds,
                       artifacts=at.buckets.ref("artifacts")
                       if "artifacts" in at.buckets.buckets else None,
                       tags=settings.required_tags,
                       service_linked_role_arn=at.autoscaling_role_arn or "",
                       image_parameter_name=release.parameter_name,
                       architecture=at.architecture),
        opts=child,
    )  # fmt: skip


def _pipeline(
    settings: Settings,
    at: Placement,
    release: Release,
    compute: EcsService | AsgService,
    *,
    repository: Repository,
    child: pulumi.ResourceOptions,
) -> Pipeline:
    ecs = compute if isinstance(compute, EcsService) else None
    asg = compute if isinstance(compute, AsgService) else None
    cfg = settings.pipeline
    arch = settings.service.architecture if ecs else at.architecture
    return Pipeline(
        "delivery",
        PipelineArgs(
            namer=at.namer, aws=at.context, kms_key_arn=at.key_arn,
            artifacts=at.buckets.ref("artifacts"), image=settings.service.image,
            image_parameter=release.ref, target_group_name=at.target_group.name,
            app_port=settings.service.port,
            health_check_path=settings.load_balancer.health_check_path, run_script=RUN_SCRIPT,
            ecs=ecs.deploy_target if ecs else None,
            asg=asg.launch_target if asg else None,
            image_repository=repository.ref,
            image_platform="linux/arm64" if arch.lower() == "arm64" else "linux/amd64",
            connection_arn=cfg.connection_arn, repository=cfg.repository, branch=cfg.branch,
            require_approval=cfg.require_approval, build_image=cfg.build_image,
            compute_type=cfg.compute_type, privileged=cfg.privileged,
            log_retention_days=cfg.log_retention_days,
        ),
        opts=child,
    )  # fmt: skip


def _observability(
    settings: Settings,
    at: Placement,
    *,
    database: Database | None,
    cache: Cache | None,
    compute: EcsService | AsgService,
    child: pulumi.ResourceOptions,
) -> Observability:
    if isinstance(compute, EcsService):
        namespace = "AWS/ECS"
        dims = {"ClusterName": compute.cluster.name, "ServiceName": compute.service.name}
    else:
        namespace, dims = "AWS/EC2", {"AutoScalingGroupName": compute.group.name}
    return Observability(
        "observability",
        ObservabilityArgs(
            namer=at.namer, region=at.context.region, kms_key_arn=at.key_arn,
            thresholds=thresholds(settings),
            load_balancer={"LoadBalancer": at.shared.alb_arn_suffix},
            target_group={"TargetGroup": at.target_group.arn_suffix}, compute=dims,
            compute_namespace=namespace,
            database=database.metric_dimensions if database else None,
            cache_nodes=cache.member_ids if cache else [],
            watch_load_balancer=settings.role == "all", topic_arn=at.shared.alarm_topic_arn,
        ),
        opts=child,
    )  # fmt: skip


def thresholds(settings: Settings) -> Thresholds:
    """The tier's alarm settings, as the observability component takes them."""
    return Thresholds(**settings.alarms.model_dump())
