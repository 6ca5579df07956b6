"""Delivery: CodePipeline (V2) from source through a CodeBuild build to the running service.

Artifacts live in the artifacts bucket, encrypted with the stack's key. The source is an S3
object by default (upload `source/app.zip`), or a repository through a CodeStar connection.
Prod (or any stack that asks) waits for a manual approval before deploying. ECS deploys with
the ECS action; the Auto Scaling runtime deploys through CodeDeploy behind the target group.
A last stage records the deployed image in the release parameter (see `lib.release`), so the
next `pulumi up` keeps it running.
"""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws
import yaml
from pulumi_aws.ssm import Parameter

from tap_platform.logs import log_group
from tap_platform.naming import Namer
from tap_platform.policies import AwsContext, Grants, log_stream_writes, service_role
from tap_platform.settings import PipelineSettings

SOURCE_KEY = "source/app.zip"
CODEDEPLOY_POLICY = "policy/service-role/AWSCodeDeployRole"
# Where CodeDeploy unpacks each revision on an instance.
RELEASE_DIR = "/opt/app/release"


def _write(path: str, lines: Sequence[str]) -> str:
    """A build command that writes `lines` to `path`."""
    return f"printf '%s\\n' {' '.join(shlex.quote(line) for line in lines)} > {path}"


def appspec() -> dict:
    """CodeDeploy AppSpec for EC2 in-place deployments: the revision lands in RELEASE_DIR,
    the old container stops, the run script starts the new image, and the app must answer
    before the instance takes traffic again. Source: CodeDeploy User Guide, "AppSpec file
    structure" (version 0.0, `files`, `hooks` with ApplicationStop, ApplicationStart and
    ValidateService)."""
    return {
        "version": 0.0,
        "os": "linux",
        "files": [{"source": "/", "destination": RELEASE_DIR}],
        "file_exists_behavior": "OVERWRITE",
        "hooks": {
            "ApplicationStop": [{"location": "hooks/stop.sh", "timeout": 120}],
            "ApplicationStart": [{"location": "hooks/start.sh", "timeout": 300}],
            "ValidateService": [{"location": "hooks/validate.sh", "timeout": 300}],
        },
    }


def buildspec(compute: str, run_script: str, port: int, health_check_path: str) -> str:
    """The build writes the deploy artifact each runtime's deploy action reads: the ECS
    action's `imagedefinitions.json`, or CodeDeploy's `appspec.yml` with its hooks and the
    image to run."""
    commands = [
        'echo "Build and test the app here; write the deploy artifact below."',
        "printf '%s\\n' \"$IMAGE\" > image.txt",
    ]
    if compute == "ecs":
        commands.append(
            """printf '[{"name":"app","imageUri":"%s"}]' "$IMAGE" > imagedefinitions.json"""
        )
    else:
        url = f"http://127.0.0.1:{port}{health_check_path}"
        commands += [
            "mkdir -p hooks",
            _write("hooks/stop.sh", ["#!/bin/bash", "docker rm -f app || true"]),
            _write(
                "hooks/start.sh",
                [
                    "#!/bin/bash",
                    "set -euo pipefail",
                    f'{run_script} "$(cat {RELEASE_DIR}/image.txt)"',
                ],
            ),
            _write(
                "hooks/validate.sh",
                [
                    "#!/bin/bash",
                    f"for _ in $(seq 60); do curl -fsS -o /dev/null {url} && exit 0; sleep 5; done",
                    "exit 1",
                ],
            ),
            "chmod +x hooks/*.sh",
            _write("appspec.yml", yaml.safe_dump(appspec(), sort_keys=False).splitlines()),
        ]
    return yaml.safe_dump(
        {
            "version": 0.2,
            "phases": {"build": {"commands": commands}},
            "artifacts": {"files": ["**/*"]},
        },
        sort_keys=False,
        width=1000,
    )


# Runs after the deploy stage, so only an approved, deployed image is recorded.
RECORD_BUILDSPEC = yaml.safe_dump(
    {
        "version": 0.2,
        "phases": {
            "build": {
                "commands": [
                    'aws ssm put-parameter --name "$IMAGE_PARAMETER" --value "$(cat image.txt)" '
                    "--overwrite"
                ]
            }
        },
    },
    sort_keys=False,
    width=1000,
)


@dataclass(frozen=True)
class PipelineArgs:
    namer: Namer
    aws: AwsContext
    settings: PipelineSettings
    kms_key_arn: pulumi.Input[str]
    artifacts_bucket: pulumi.Input[str]
    artifacts_bucket_arn: pulumi.Input[str]
    image: str
    image_parameter: Parameter
    compute: str
    cluster_name: pulumi.Input[str] | None
    service_name: pulumi.Input[str] | None
    pass_role_arns: Sequence[pulumi.Input[str]]
    task_family: pulumi.Input[str] | None
    autoscaling_group_name: pulumi.Input[str] | None
    target_group_name: pulumi.Input[str]
    app_port: int
    health_check_path: str
    run_script: str


def _stage(name: str, category: str, provider: str, **action) -> aws.codepipeline.PipelineStageArgs:
    """A stage of one AWS-owned action of the same name."""
    return aws.codepipeline.PipelineStageArgs(
        name=name,
        actions=[
            aws.codepipeline.PipelineStageActionArgs(
                name=name, category=category, owner="AWS", provider=provider, version="1", **action
            )
        ],
    )


class Pipeline(pulumi.ComponentResource):
    """Build project, pipeline, their least-privilege roles, and CodeDeploy for `asg`."""

    def __init__(self, name: str, args: PipelineArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("tap:delivery:Pipeline", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        namer, cfg = args.namer, args.settings
        bucket_objects = pulumi.Output.concat(args.artifacts_bucket_arn, "/*")

        build_logs = log_group(
            self,
            f"{name}-build-logs",
            group_name=namer.log_group("build"),
            retention_days=cfg.log_retention_days,
            kms_key_arn=args.kms_key_arn,
        )
        build_role = self._codebuild_role(
            name,
            "build",
            args,
            build_logs,
            {
                "artifacts": (
                    ["s3:GetObject", "s3:GetObjectVersion", "s3:PutObject"],
                    [bucket_objects],
                ),
                "key": (["kms:Decrypt", "kms:GenerateDataKey"], [args.kms_key_arn]),
            },
        )
        self.build = aws.codebuild.Project(
            f"{name}-build",
            name=namer.name("build"),
            service_role=build_role.arn,
            encryption_key=args.kms_key_arn,
            build_timeout=30,
            artifacts=aws.codebuild.ProjectArtifactsArgs(type="CODEPIPELINE"),
            source=aws.codebuild.ProjectSourceArgs(
                type="CODEPIPELINE",
                buildspec=buildspec(
                    args.compute, args.run_script, args.app_port, args.health_check_path
                ),
            ),
            environment=aws.codebuild.ProjectEnvironmentArgs(
                compute_type=cfg.compute_type,
                image=cfg.build_image,
                type="LINUX_CONTAINER",
                image_pull_credentials_type="CODEBUILD",
                privileged_mode=cfg.privileged,
                environment_variables=[
                    aws.codebuild.ProjectEnvironmentEnvironmentVariableArgs(
                        name="IMAGE", value=args.image, type="PLAINTEXT"
                    )
                ],
            ),
            logs_config=aws.codebuild.ProjectLogsConfigArgs(
                cloudwatch_logs=aws.codebuild.ProjectLogsConfigCloudwatchLogsArgs(
                    group_name=build_logs.name, status="ENABLED"
                )
            ),
            opts=child,
        )
        self.record = self._record(name, args, build_logs, bucket_objects)
        deploy_action, deploy_grants = self._deploy(name, args)
        pipeline_grants = {
            "artifacts": (
                ["s3:GetObject", "s3:GetObjectVersion", "s3:PutObject"],
                [bucket_objects],
            ),
            "artifacts-bucket": (["s3:GetBucketVersioning"], [args.artifacts_bucket_arn]),
            "key": (["kms:Decrypt", "kms:GenerateDataKey"], [args.kms_key_arn]),
            "build": (
                ["codebuild:StartBuild", "codebuild:BatchGetBuilds"],
                [self.build.arn, self.record.arn],
            ),
            **deploy_grants,
        }
        if cfg.connection_arn:
            # The action's service prefix follows the ARN's: CodePipeline User Guide,
            # "CodeStarSourceConnection" action, service role permissions.
            prefix = cfg.connection_arn.split(":")[2]
            pipeline_grants["source"] = ([f"{prefix}:UseConnection"], [cfg.connection_arn])
        pipeline_role = service_role(
            self,
            f"{name}-pipeline-role",
            role_name=namer.role("pipeline", args.aws.region),
            service="codepipeline.amazonaws.com",
            context=args.aws,
            grants=pipeline_grants,
        )
        stages = [
            self._source_stage(args),
            _stage(
                "Build",
                "Build",
                "CodeBuild",
                input_artifacts=["source"],
                output_artifacts=["build"],
                configuration={"ProjectName": self.build.name},
            ),
        ]
        if cfg.require_approval:
            stages.append(_stage("Approve", "Approval", "Manual"))
        stages.append(aws.codepipeline.PipelineStageArgs(name="Deploy", actions=[deploy_action]))
        stages.append(
            _stage(
                "Record",
                "Build",
                "CodeBuild",
                input_artifacts=["build"],
                configuration={"ProjectName": self.record.name},
            )
        )
        self.pipeline = aws.codepipeline.Pipeline(
            f"{name}-pipeline",
            name=namer.name("pipeline"),
            pipeline_type="V2",
            execution_mode="QUEUED",
            role_arn=pipeline_role.arn,
            artifact_stores=[
                aws.codepipeline.PipelineArtifactStoreArgs(
                    location=args.artifacts_bucket,
                    type="S3",
                    encryption_key=aws.codepipeline.PipelineArtifactStoreEncryptionKeyArgs(
                        id=args.kms_key_arn, type="KMS"
                    ),
                )
            ],
            stages=stages,
            opts=child,
        )
        self.register_outputs(
            {"pipelineName": self.pipeline.name, "buildProjectName": self.build.name}
        )

    def _codebuild_role(
        self,
        name: str,
        role: str,
        args: PipelineArgs,
        build_logs: aws.cloudwatch.LogGroup,
        grants: Grants,
    ) -> aws.iam.Role:
        """What every CodeBuild project needs (CodeBuild User Guide, "Allow CodeBuild to
        interact with other AWS services"): its log streams and the artifact bucket's ACL and
        location; `grants` adds the project's own."""
        return service_role(
            self,
            f"{name}-{role}-role",
            role_name=args.namer.role(role, args.aws.region),
            service="codebuild.amazonaws.com",
            context=args.aws,
            grants={
                "logs": log_stream_writes(build_logs.arn),
                "artifacts-bucket": (
                    ["s3:GetBucketAcl", "s3:GetBucketLocation"],
                    [args.artifacts_bucket_arn],
                ),
                **grants,
            },
        )

    def _record(
        self,
        name: str,
        args: PipelineArgs,
        build_logs: aws.cloudwatch.LogGroup,
        bucket_objects: pulumi.Output[str],
    ) -> aws.codebuild.Project:
        """The project that writes the deployed image into the release parameter: its own
        role, which may read the build's output and write that one parameter."""
        role = self._codebuild_role(
            name,
            "record",
            args,
            build_logs,
            {
                "artifacts": (["s3:GetObject", "s3:GetObjectVersion"], [bucket_objects]),
                "key": (["kms:Decrypt"], [args.kms_key_arn]),
                "parameter": (["ssm:PutParameter"], [args.image_parameter.arn]),
            },
        )
        return aws.codebuild.Project(
            f"{name}-record",
            name=args.namer.name("record"),
            service_role=role.arn,
            encryption_key=args.kms_key_arn,
            build_timeout=5,
            artifacts=aws.codebuild.ProjectArtifactsArgs(type="CODEPIPELINE"),
            source=aws.codebuild.ProjectSourceArgs(type="CODEPIPELINE", buildspec=RECORD_BUILDSPEC),
            environment=aws.codebuild.ProjectEnvironmentArgs(
                compute_type="BUILD_GENERAL1_SMALL",
                image=args.settings.build_image,
                type="LINUX_CONTAINER",
                image_pull_credentials_type="CODEBUILD",
                environment_variables=[
                    aws.codebuild.ProjectEnvironmentEnvironmentVariableArgs(
                        name="IMAGE_PARAMETER", value=args.image_parameter.name, type="PLAINTEXT"
                    )
                ],
            ),
            logs_config=aws.codebuild.ProjectLogsConfigArgs(
                cloudwatch_logs=aws.codebuild.ProjectLogsConfigCloudwatchLogsArgs(
                    group_name=build_logs.name, stream_name="record", status="ENABLED"
                )
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _source_stage(self, args: PipelineArgs) -> aws.codepipeline.PipelineStageArgs:
        cfg = args.settings
        configuration: dict[str, pulumi.Input[str]]
        if cfg.connection_arn:
            provider = "CodeStarSourceConnection"
            configuration = {
                "ConnectionArn": cfg.connection_arn,
                "FullRepositoryId": cfg.repository or "",
                "BranchName": cfg.branch,
            }
        else:
            provider = "S3"
            configuration = {
                "S3Bucket": args.artifacts_bucket,
                "S3ObjectKey": SOURCE_KEY,
                "PollForSourceChanges": "false",
            }
        return _stage(
            "Source", "Source", provider, output_artifacts=["source"], configuration=configuration
        )

    def _deploy(
        self, name: str, args: PipelineArgs
    ) -> tuple[aws.codepipeline.PipelineStageActionArgs, dict]:
        common = {
            "name": "Deploy",
            "category": "Deploy",
            "owner": "AWS",
            "version": "1",
            "input_artifacts": ["build"],
        }
        ctx = args.aws
        if args.compute == "ecs":
            service_arn = pulumi.Output.format(
                "arn:{0}:ecs:{1}:{2}:service/{3}/{4}",
                ctx.partition,
                ctx.region,
                ctx.account_id,
                args.cluster_name,
                args.service_name,
            )
            family = pulumi.Output.format(
                "arn:{0}:ecs:{1}:{2}:task-definition/{3}:*",
                ctx.partition,
                ctx.region,
                ctx.account_id,
                args.task_family,
            )
            # CodePipeline User Guide, "Amazon ECS deploy action reference", service role
            # permissions. Registering a task definition that carries tags also needs
            # ecs:TagResource (ECS Developer Guide, "Tagging your resources", permissions).
            grants = {
                "deploy": (["ecs:UpdateService", "ecs:DescribeServices"], [service_arn]),
                # These three take no resource-level permission.
                "task-definitions": (
                    ["ecs:RegisterTaskDefinition", "ecs:DescribeTaskDefinition", "ecs:ListTasks"],
                    ["*"],
                ),
                "tasks": (
                    ["ecs:DescribeTasks"],
                    [
                        pulumi.Output.format(
                            "arn:{0}:ecs:{1}:{2}:task/{3}/*",
                            ctx.partition,
                            ctx.region,
                            ctx.account_id,
                            args.cluster_name,
                        )
                    ],
                ),
                "tag-task-definitions": (
                    ["ecs:TagResource"],
                    [family],
                    {"StringEquals": {"ecs:CreateAction": "RegisterTaskDefinition"}},
                ),
                "pass-role": (
                    ["iam:PassRole"],
                    list(args.pass_role_arns),
                    {"StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}},
                ),
            }
            action = aws.codepipeline.PipelineStageActionArgs(
                provider="ECS",
                configuration={
                    "ClusterName": args.cluster_name,
                    "ServiceName": args.service_name,
                    "FileName": "imagedefinitions.json",
                },
                **common,
            )
            return action, grants
        child = pulumi.ResourceOptions(parent=self)
        application = aws.codedeploy.Application(
            f"{name}-deploy-app",
            name=args.namer.name("app"),
            compute_platform="Server",
            opts=child,
        )
        deploy_role = service_role(
            self,
            f"{name}-codedeploy-role",
            role_name=args.namer.role("codedeploy", args.aws.region),
            service="codedeploy.amazonaws.com",
            context=ctx,
            managed={"policy": CODEDEPLOY_POLICY},
        )
        group = aws.codedeploy.DeploymentGroup(
            f"{name}-deploy-group",
            app_name=application.name,
            deployment_group_name=args.namer.name("app"),
            service_role_arn=deploy_role.arn,
            autoscaling_groups=[args.autoscaling_group_name],
            deployment_config_name="CodeDeployDefault.OneAtATime",
            deployment_style=aws.codedeploy.DeploymentGroupDeploymentStyleArgs(
                deployment_option="WITH_TRAFFIC_CONTROL", deployment_type="IN_PLACE"
            ),
            load_balancer_info=aws.codedeploy.DeploymentGroupLoadBalancerInfoArgs(
                target_group_infos=[
                    aws.codedeploy.DeploymentGroupLoadBalancerInfoTargetGroupInfoArgs(
                        name=args.target_group_name
                    )
                ]
            ),
            auto_rollback_configuration=aws.codedeploy.DeploymentGroupAutoRollbackConfigurationArgs(
                enabled=True, events=["DEPLOYMENT_FAILURE"]
            ),
            opts=child,
        )
        arn = pulumi.Output.format(
            "arn:{0}:codedeploy:{1}:{2}:", ctx.partition, ctx.region, ctx.account_id
        )
        # One grant per resource type: CodePipeline User Guide, "CodeDeploy action
        # reference", service role permissions.
        grants = {
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
            **common,
        )
        return action, grants
