"""The pipeline's deploy action for each runtime, and what its role needs for it.

ECS deploys with CodePipeline's ECS action; the Auto Scaling runtime deploys in place through
CodeDeploy, behind the target group. Each grant follows the action's reference in the
CodePipeline User Guide ("Amazon ECS deploy action reference", "CodeDeploy action
reference"), service role permissions; CodeDeploy's own role adds to AWS's managed policy what
a group that launches from a launch template needs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from tap_platform.naming import Namer, Service
from tap_platform.policies import AwsContext, Grants, service_role

CODEDEPLOY_POLICY = "policy/service-role/AWSCodeDeployRole"
_ACTION = {
    "name": "Deploy",
    "category": "Deploy",
    "owner": "AWS",
    "version": "1",
    "input_artifacts": ["build"],
}


@dataclass(frozen=True)
class EcsTarget:
    """The Fargate service a pipeline deploys to.

    Attributes:
        cluster_name: the service's cluster.
        service_name: the service.
        task_family: the task definition family each deploy registers a revision of.
        pass_role_arns: the task's execution and task roles, which each revision names.
    """

    cluster_name: pulumi.Input[str]
    service_name: pulumi.Input[str]
    task_family: pulumi.Input[str]
    pass_role_arns: Sequence[pulumi.Input[str]]

    def grant_deploy(self, context: AwsContext) -> Grants:
        """What the ECS deploy action needs on this service: the service, task definitions
        (which take no resource-level permission), the tasks, tagging what it registers (ECS
        Developer Guide, "Tagging your resources", permissions) and passing exactly the
        task's roles."""
        arn = pulumi.Output.format(
            "arn:{0}:ecs:{1}:{2}:", context.partition, context.region, context.account_id
        )
        return {
            "deploy": (
                ["ecs:UpdateService", "ecs:DescribeServices"],
                [pulumi.Output.concat(arn, "service/", self.cluster_name, "/", self.service_name)],
            ),
            "task-definitions": (
                ["ecs:RegisterTaskDefinition", "ecs:DescribeTaskDefinition", "ecs:ListTasks"],
                ["*"],
            ),
            "tasks": (
                ["ecs:DescribeTasks"],
                [pulumi.Output.concat(arn, "task/", self.cluster_name, "/*")],
            ),
            "tag-task-definitions": (
                ["ecs:TagResource"],
                [pulumi.Output.concat(arn, "task-definition/", self.task_family, ":*")],
                {"StringEquals": {"ecs:CreateAction": "RegisterTaskDefinition"}},
            ),
            "pass-role": (
                ["iam:PassRole"],
                list(self.pass_role_arns),
                {"StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}},
            ),
        }


def ecs_deploy(
    context: AwsContext, target: EcsTarget
) -> tuple[aws.codepipeline.PipelineStageActionArgs, Grants]:
    """The ECS action, and its grants (`EcsTarget.grant_deploy`)."""
    action = aws.codepipeline.PipelineStageActionArgs(
        provider="ECS",
        configuration={
            "ClusterName": target.cluster_name,
            "ServiceName": target.service_name,
            "FileName": "imagedefinitions.json",
        },
        **_ACTION,
    )
    return action, target.grant_deploy(context)


def codedeploy_deploy(
    parent: pulumi.Resource,
    name: str,
    *,
    namer: Namer,
    context: AwsContext,
    target: LaunchTarget,
    target_group_name: pulumi.Input[str],
) -> tuple[aws.codepipeline.PipelineStageActionArgs, Grants]:
    """A CodeDeploy application and in-place deployment group over the Auto Scaling group,
    rolling back a failed deployment; the action and its grants, one per resource type."""
    child = pulumi.ResourceOptions(parent=parent)
    application = aws.codedeploy.Application(
        f"{name}-deploy-app",
        name=namer.name("app", Service.CODEDEPLOY),
        compute_platform="Server",
        opts=child,
    )
    deploy_role = service_role(
        parent,
        f"{name}-codedeploy-role",
        role_name=namer.role("codedeploy", context.region),
        service="codedeploy.amazonaws.com",
        context=context,
        managed={"policy": CODEDEPLOY_POLICY},
        grants=target.grant_launch(context),
    )
    group = aws.codedeploy.DeploymentGroup(
        f"{name}-deploy-group",
        app_name=application.name,
        deployment_group_name=namer.name("app", Service.CODEDEPLOY),
        service_role_arn=deploy_role.arn,
        autoscaling_groups=[target.group_name],
        deployment_config_name="CodeDeployDefault.OneAtATime",
        deployment_style=aws.codedeploy.DeploymentGroupDeploymentStyleArgs(
            deployment_option="WITH_TRAFFIC_CONTROL", deployment_type="IN_PLACE"
        ),
        load_balancer_info=aws.codedeploy.DeploymentGroupLoadBalancerInfoArgs(
            target_group_infos=[
                aws.codedeploy.DeploymentGroupLoadBalancerInfoTargetGroupInfoArgs(
                    name=target_group_name
                )
            ]
        ),
        auto_rollback_configuration=aws.codedeploy.DeploymentGroupAutoRollbackConfigurationArgs(
            enabled=True, events=["DEPLOYMENT_FAILURE"]
        ),
        opts=child,
    )
    return _codedeploy_action(context, application, group)


# What a launch from the template touches: the resource types RunInstances requires
# (Service Authorization Reference, Amazon EC2, RunInstances), and the ones it tags.
LAUNCHED = ("instance", "volume", "network-interface", "subnet", "security-group")
TAGGED = ("instance", "volume")


@dataclass(frozen=True)
class LaunchTarget:
    """The Auto Scaling group a pipeline deploys to through CodeDeploy.

    Attributes:
        group_name: the group CodeDeploy deploys to.
        launch_template_id: the launch template the group launches from.
        instance_role_arn: the role of the instances that template launches.
    """

    group_name: pulumi.Input[str]
    launch_template_id: pulumi.Input[str]
    instance_role_arn: pulumi.Input[str]

    def grant_launch(self, context: AwsContext) -> Grants:
        """What CodeDeploy's role needs beyond `AWSCodeDeployRole` for a group that launches
        from a launch template: `ec2:RunInstances`, `ec2:CreateTags` and `iam:PassRole` for
        the instance role (CodeDeploy User Guide, "Create a service role for CodeDeploy", its
        note on launch templates). The guide names the actions only; here RunInstances is
        held to this template and what a launch from it touches, tags to what a launch
        creates, the role to EC2."""
        launched: list[pulumi.Input[str]] = [
            pulumi.Output.concat(context.arn("ec2", "launch-template/"), self.launch_template_id),
            f"arn:{context.partition}:ec2:{context.region}::image/*",
            *(context.arn("ec2", f"{kind}/*") for kind in LAUNCHED),
        ]
        return {
            "launch": (["ec2:RunInstances"], launched),
            "launch-tags": (
                ["ec2:CreateTags"],
                [context.arn("ec2", f"{kind}/*") for kind in TAGGED],
                {"StringEquals": {"ec2:CreateAction": "RunInstances"}},
            ),
            "launch-pass-role": (
                ["iam:PassRole"],
                [self.instance_role_arn],
                {"StringEquals": {"iam:PassedToService": "ec2.amazonaws.com"}},
            ),
        }


def _codedeploy_action(
    context: AwsContext,
    application: aws.codedeploy.Application,
    group: aws.codedeploy.DeploymentGroup,
) -> tuple[aws.codepipeline.PipelineStageActionArgs, Grants]:
    arn = pulumi.Output.format(
        "arn:{0}:codedeploy:{1}:{2}:", context.partition, context.region, context.account_id
    )
    grants: Grants = {
        "deploy": (
            ["codedeploy:CreateDeployment", "codedeploy:GetDeployment"],
            [
                pulumi.Output.concat(
                    arn, "deploymentgroup:", application.name, "/", group.deployment_group_name
                )
            ],
        ),
        "deploy-config": (
            ["codedeploy:GetDeploymentConfig"],
            [pulumi.Output.concat(arn, "deploymentconfig:*")],
        ),
        "deploy-application": (
            [
                "codedeploy:GetApplication",
                "codedeploy:GetApplicationRevision",
                "codedeploy:RegisterApplicationRevision",
            ],
            [pulumi.Output.concat(arn, "application:", application.name)],
        ),
    }
    action = aws.codepipeline.PipelineStageActionArgs(
        provider="CodeDeploy",
        configuration={
            "ApplicationName": application.name,
            "DeploymentGroupName": group.deployment_group_name,
        },
        **_ACTION,
    )
    return action, grants
