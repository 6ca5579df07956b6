"""The app on ECS Fargate: cluster, task definition, service and its autoscaling.

The execution role may only write the service's log group, pull images and read exactly the
secrets the app is set at start; the task role may only use the assets bucket and what the
app reads when it connects (its database user, the cache's AUTH secret), so the app holds no
AWS permission it was not given on purpose.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from tap_platform.app import CONTAINER_NAME, AppArgs
from tap_platform.deploy import EcsTarget
from tap_platform.naming import Service
from tap_platform.policies import Grants, log_stream_writes, service_role
from tap_platform.service_logs import ServiceLogGroup


@dataclass(frozen=True)
class EcsServiceArgs(AppArgs):
    """What Fargate needs besides what every runtime does (`AppArgs`).

    Attributes:
        cpu: the task's CPU units, a Fargate size.
        memory: the task's memory in MiB, a size Fargate pairs with `cpu`.
        architecture: X86_64 or ARM64.
    """

    cpu: int
    memory: int
    architecture: str


def container_definitions(args: EcsServiceArgs, log_group: pulumi.Input[str]) -> pulumi.Output[str]:
    """One read-only, non-privileged container that logs to CloudWatch in the stack's region.

    Plain settings go in `environment`; credentials only ever in `secrets`, which ECS resolves
    from Secrets Manager at start, so they never appear in the task definition.
    """
    definition: dict[str, object] = {
        "name": CONTAINER_NAME,
        "image": args.image,
        "essential": True,
        "readonlyRootFilesystem": True,
        "privileged": False,
        "portMappings": [{"containerPort": args.port, "protocol": "tcp"}],
        "environment": [{"name": k, "value": v} for k, v in sorted(args.environment.items())],
        "secrets": [{"name": k, "valueFrom": v.reference} for k, v in sorted(args.secrets.items())],
        "logConfiguration": {
            "logDriver": "awslogs",
            "options": {
                "awslogs-group": log_group,
                "awslogs-region": args.aws.region,
                "awslogs-stream-prefix": CONTAINER_NAME,
            },
        },
    }
    if args.command:
        definition["command"] = list(args.command)
    return pulumi.Output.json_dumps([definition])


class EcsService(pulumi.ComponentResource):
    """Fargate service in the private subnets, behind the ALB's target group."""

    def __init__(
        self, name: str, args: EcsServiceArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("tap:compute:EcsService", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        namer = args.namer

        self.cluster = self._cluster(name, args)
        self.log_group = args.log_group
        self._roles(name, args)
        self.task_definition = aws.ecs.TaskDefinition(
            f"{name}-task",
            family=namer.name("app", Service.ECS),
            cpu=str(args.cpu),
            memory=str(args.memory),
            network_mode="awsvpc",
            requires_compatibilities=["FARGATE"],
            runtime_platform=aws.ecs.TaskDefinitionRuntimePlatformArgs(
                operating_system_family="LINUX", cpu_architecture=args.architecture
            ),
            execution_role_arn=self.execution_role.arn,
            task_role_arn=self.task_role.arn,
            container_definitions=container_definitions(args, self.log_group.name),
            opts=child,
        )
        self.service = self._service(name, args)
        self._autoscaling(name, args)
        self.register_outputs({"clusterName": self.cluster.name, "serviceName": self.service.name})

    @property
    def deploy_target(self) -> EcsTarget:
        """The service as a pipeline deploys to it, with its grants (`grant_deploy`)."""
        return EcsTarget(
            cluster_name=self.cluster.name,
            service_name=self.service.name,
            task_family=self.task_definition.family,
            pass_role_arns=[self.execution_role.arn, self.task_role.arn],
        )

    def _cluster(self, name: str, args: EcsServiceArgs) -> aws.ecs.Cluster:
        """The cluster, with Container Insights, whose log group is the stack's own."""
        cluster_name = args.namer.name("cluster", Service.ECS)
        # Container Insights writes to this fixed group (ECS Developer Guide, "Amazon ECS
        # Container Insights"); made first, it is encrypted and expires, and one a late write
        # makes again after a destroy is taken by the next stack (`ServiceLogGroup`).
        insights = ServiceLogGroup(
            f"{name}-insights-logs",
            group_name=f"/aws/ecs/containerinsights/{cluster_name}/performance",
            retention_days=args.log_retention_days,
            kms_key_arn=args.kms_key_arn,
            aws=args.aws,
            opts=pulumi.ResourceOptions(parent=self),
        )
        return aws.ecs.Cluster(
            f"{name}-cluster",
            name=cluster_name,
            settings=[aws.ecs.ClusterSettingArgs(name="containerInsights", value="enabled")],
            opts=pulumi.ResourceOptions(parent=self, depends_on=[insights]),
        )

    def _service(self, name: str, args: EcsServiceArgs) -> aws.ecs.Service:
        """Private tasks behind the target group; a failed deployment rolls back, and the
        count belongs to autoscaling once the service runs."""
        return aws.ecs.Service(
            f"{name}-service",
            name=args.namer.name("app", Service.ECS),
            cluster=self.cluster.arn,
            task_definition=self.task_definition.arn,
            desired_count=args.desired_count,
            launch_type="FARGATE",
            platform_version="LATEST",
            network_configuration=aws.ecs.ServiceNetworkConfigurationArgs(
                subnets=args.subnet_ids,
                security_groups=[args.security_group_id],
                assign_public_ip=False,
            ),
            load_balancers=[
                aws.ecs.ServiceLoadBalancerArgs(
                    target_group_arn=args.target_group_arn,
                    container_name=CONTAINER_NAME,
                    container_port=args.port,
                )
            ],
            deployment_circuit_breaker=aws.ecs.ServiceDeploymentCircuitBreakerArgs(
                enable=True, rollback=True
            ),
            deployment_minimum_healthy_percent=100,
            deployment_maximum_percent=200,
            health_check_grace_period_seconds=60,
            enable_execute_command=False,
            enable_ecs_managed_tags=True,
            propagate_tags="SERVICE",
            # `pulumi up` goes on once the tasks run steadily, so the rule that sends them
            # requests (made after this) finds them serving.
            wait_for_steady_state=True,
            opts=pulumi.ResourceOptions(
                parent=self,
                depends_on=list(args.listeners),
                ignore_changes=["desiredCount"],
            ),
        )

    def _roles(self, name: str, args: EcsServiceArgs) -> None:
        """The execution role starts the task (logs, image, the secrets it sets at start); the
        task role is the app's own (its assets, and what it reads each time it connects)."""
        self.execution_role = self._task_role(name, "execution", "exec", args, {
            "logs": log_stream_writes(self.log_group.arn),
            **args.pull_grants(),
            **args.injected_grants("ssm:GetParameters"),
        })  # fmt: skip
        self.task_role = self._task_role(name, "task", "task", args, {
            **args.app_grants(),
            **args.connect_grants,
        })  # fmt: skip

    def _task_role(
        self, name: str, key: str, role: str, args: EcsServiceArgs, grants: Grants
    ) -> aws.iam.Role:
        return service_role(
            self,
            f"{name}-{key}-role",
            role_name=args.namer.role(role, args.aws.region),
            service="ecs-tasks.amazonaws.com",
            context=args.aws,
            grants=grants,
        )

    def _autoscaling(self, name: str, args: EcsServiceArgs) -> None:
        child = pulumi.ResourceOptions(parent=self)
        target = aws.appautoscaling.Target(
            f"{name}-scaling-target",
            service_namespace="ecs",
            scalable_dimension="ecs:service:DesiredCount",
            resource_id=pulumi.Output.format(
                "service/{0}/{1}", self.cluster.name, self.service.name
            ),
            min_capacity=args.min_count,
            max_capacity=args.max_count,
            opts=child,
        )
        metrics = {
            "cpu": (
                "ECSServiceAverageCPUUtilization",
                args.cpu_target_percent,
                None,
            ),
            "requests": (
                "ALBRequestCountPerTarget",
                args.requests_per_target,
                args.request_count_label(),
            ),
        }
        for key, (metric, value, label) in metrics.items():
            aws.appautoscaling.Policy(
                f"{name}-scale-{key}",
                name=args.namer.name(f"scale-{key}", Service.SCALING_POLICY),
                policy_type="TargetTrackingScaling",
                service_namespace=target.service_namespace,
                scalable_dimension=target.scalable_dimension,
                resource_id=target.resource_id,
                target_tracking_scaling_policy_configuration=aws.appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationArgs(
                    target_value=value,
                    scale_in_cooldown=120,
                    scale_out_cooldown=60,
                    predefined_metric_specification=aws.appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationPredefinedMetricSpecificationArgs(
                        predefined_metric_type=metric, resource_label=label
                    ),
                ),
                opts=child,
            )
