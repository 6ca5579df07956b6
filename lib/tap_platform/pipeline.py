"""Delivery: CodePipeline (V2) from source through a CodeBuild build to the running service.

Artifacts live in the artifacts bucket, encrypted with its key. The source is an S3 object by
default (upload `source/app.zip`), or a repository through a CodeStar connection. Given an
image repository, the build builds the source's `app/Dockerfile`, pushes the image and hands
on its digest (`tap_platform.buildspecs`). Prod (or any stack that asks) waits for a manual
approval before deploying. ECS deploys with the ECS action; the Auto Scaling runtime deploys
through CodeDeploy behind the target group (`tap_platform.deploy`). A last stage records the
deployed image in the release parameter (see `tap_platform.release`), so the next `pulumi up`
keeps it running.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws
from pulumi_aws.cloudwatch import LogGroup

from tap_platform.buckets import BucketRef
from tap_platform.buildspecs import RECORD_BUILDSPEC, SOURCE_KEY, ImageBuild, buildspec
from tap_platform.deploy import EcsTarget, LaunchTarget, codedeploy_deploy, ecs_deploy
from tap_platform.ecr import RepositoryRef
from tap_platform.logs import log_group
from tap_platform.naming import Namer, Service
from tap_platform.policies import AwsContext, Grants, log_stream_writes, service_role
from tap_platform.release import ImageParameterRef

__all__ = ["SOURCE_KEY", "EcsTarget", "Pipeline", "PipelineArgs"]
DEFAULT_BUILD_IMAGE = "aws/codebuild/amazonlinux-x86_64-standard:5.0"


@dataclass(frozen=True)
class PipelineArgs:
    """What delivery needs: where artifacts live, what it deploys to, and how it builds.

    Attributes:
        namer: builds the projects', pipeline's and roles' names.
        aws: the region, account and partition ARNs are built from.
        kms_key_arn: the key that encrypts the build logs and the build projects' output.
        artifacts: the artifacts bucket (its objects are encrypted with its key).
        image: the image the build hands on when it builds none (no `image_repository`).
        image_parameter: the release parameter the last stage records the image in
            (`Release.ref`).
        target_group_name: the target group CodeDeploy takes instances out of.
        app_port: the port the deployed app answers on.
        health_check_path: the path an instance must answer before it takes traffic.
        run_script: the script on an instance that (re)starts the app from an image.
        ecs: the Fargate service to deploy to (default: None, deploy with CodeDeploy).
        asg: the Auto Scaling group CodeDeploy deploys to, which its role may launch from
            (`AsgService.launch_target`) (default: None, for ECS).
        image_repository: the repository the build pushes the app's image to (default: None:
            no image is built, the build hands on `image`). With one, the build builds
            `<dockerfile_dir>/Dockerfile` from the source in privileged mode, pushes it under
            a tag that is never reused and hands on its digest.
        dockerfile_dir: the source's directory that holds the Dockerfile, built as the
            context (default: app).
        image_platform: the platform the image is built for, the runtime's (default:
            linux/amd64); one other than the build image's own needs emulation there.
        connection_arn: a CodeConnections connection to take the source from (default:
            None, the S3 object `source/app.zip` in the artifacts bucket).
        repository: the repository as owner/name, with the connection (default: None).
        branch: the branch built (default: main).
        require_approval: wait for a manual approval before deploying (default: False).
        build_image: the CodeBuild image (default: Amazon Linux standard 5.0, x86_64).
        compute_type: the CodeBuild size (default: BUILD_GENERAL1_SMALL).
        privileged: Docker inside the build without an `image_repository`, for a build of
            your own that builds images (default: False); a build that builds the image is
            privileged whatever this says, as Docker needs (CodeBuild User Guide, "Docker
            sample").
        log_retention_days: days the build logs are kept (default: 30).
    """

    namer: Namer
    aws: AwsContext
    kms_key_arn: pulumi.Input[str]
    artifacts: BucketRef
    image: str
    image_parameter: ImageParameterRef
    target_group_name: pulumi.Input[str]
    app_port: int
    health_check_path: str
    run_script: str
    ecs: EcsTarget | None = None
    asg: LaunchTarget | None = None
    image_repository: RepositoryRef | None = None
    dockerfile_dir: str = "app"
    image_platform: str = "linux/amd64"
    connection_arn: str | None = None
    repository: str | None = None
    branch: str = "main"
    require_approval: bool = False
    build_image: str = DEFAULT_BUILD_IMAGE
    compute_type: str = "BUILD_GENERAL1_SMALL"
    privileged: bool = False
    log_retention_days: int = 30


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
        build_logs = log_group(
            self,
            f"{name}-build-logs",
            group_name=args.namer.log_group("build"),
            retention_days=args.log_retention_days,
            kms_key_arn=args.kms_key_arn,
        )
        self.build = self._build(name, args, build_logs)
        self.record = self._record(name, args, build_logs)
        deploy_action, deploy_grants = self._deploy(name, args)
        pipeline_role = service_role(
            self,
            f"{name}-pipeline-role",
            role_name=args.namer.role("pipeline", args.aws.region),
            service="codepipeline.amazonaws.com",
            context=args.aws,
            grants={**self._pipeline_grants(args), **deploy_grants},
        )
        self.pipeline = aws.codepipeline.Pipeline(
            f"{name}-pipeline",
            name=args.namer.name("pipeline", Service.PIPELINE),
            pipeline_type="V2",
            execution_mode="QUEUED",
            role_arn=pipeline_role.arn,
            artifact_stores=[
                aws.codepipeline.PipelineArtifactStoreArgs(
                    location=args.artifacts.name,
                    type="S3",
                    encryption_key=aws.codepipeline.PipelineArtifactStoreEncryptionKeyArgs(
                        id=args.kms_key_arn, type="KMS"
                    ),
                )
            ],
            stages=self._stages(args, deploy_action),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.register_outputs(
            {"pipelineName": self.pipeline.name, "buildProjectName": self.build.name}
        )

    def _pipeline_grants(self, args: PipelineArgs) -> Grants:
        """The artifacts, both builds, and the source connection when there is one."""
        grants: Grants = {
            **args.artifacts.grant_read_write("artifacts", versions=True),
            **args.artifacts.grant_versioning_read("artifacts-bucket"),
            "build": (
                ["codebuild:StartBuild", "codebuild:BatchGetBuilds"],
                [self.build.arn, self.record.arn],
            ),
        }
        if args.connection_arn:
            # The action's service prefix follows the ARN's: CodePipeline User Guide,
            # "CodeStarSourceConnection" action, service role permissions.
            prefix = args.connection_arn.split(":")[2]
            grants = {**grants, "source": ([f"{prefix}:UseConnection"], [args.connection_arn])}
        return grants

    def _stages(
        self, args: PipelineArgs, deploy_action: aws.codepipeline.PipelineStageActionArgs
    ) -> list[aws.codepipeline.PipelineStageArgs]:
        build = {"input_artifacts": ["source"], "output_artifacts": ["build"]}
        stages = [
            self._source_stage(args),
            _stage("Build", "Build", "CodeBuild", **build,
                   configuration={"ProjectName": self.build.name}),
        ]  # fmt: skip
        if args.require_approval:
            stages.append(_stage("Approve", "Approval", "Manual"))
        stages.append(aws.codepipeline.PipelineStageArgs(name="Deploy", actions=[deploy_action]))
        stages.append(
            _stage("Record", "Build", "CodeBuild", input_artifacts=["build"],
                   configuration={"ProjectName": self.record.name})
        )  # fmt: skip
        return stages

    def _codebuild_role(
        self, name: str, role: str, args: PipelineArgs, build_logs: LogGroup, grants: Grants
    ) -> aws.iam.Role:
        """What every CodeBuild project needs (CodeBuild User Guide, "Allow CodeBuild to
        interact with other AWS services"): its log streams and what it checks of the
        artifact bucket; `grants` adds the project's own."""
        return service_role(
            self,
            f"{name}-{role}-role",
            role_name=args.namer.role(role, args.aws.region),
            service="codebuild.amazonaws.com",
            context=args.aws,
            grants={
                "logs": log_stream_writes(build_logs.arn),
                **args.artifacts.grant_acl_location_read("artifacts-bucket"),
                **grants,
            },
        )

    def _build(self, name: str, args: PipelineArgs, build_logs: LogGroup) -> aws.codebuild.Project:
        """The build: reads the source, builds and pushes the image when there is a
        repository, and writes the deploy artifact of the runtime."""
        repository = args.image_repository
        role = self._codebuild_role(
            name,
            "build",
            args,
            build_logs,
            {
                **args.artifacts.grant_read_write("artifacts", versions=True),
                **(repository.grant_push("image-push") if repository else {}),
            },
        )
        spec = buildspec(
            "ecs" if args.ecs else "asg",
            args.run_script,
            args.app_port,
            args.health_check_path,
            image=ImageBuild(args.dockerfile_dir, args.image_platform) if repository else None,
        )
        variables: dict[str, pulumi.Input[str]] = (
            {"REPOSITORY_URI": repository.url} if repository else {"IMAGE": args.image}
        )
        environment = {
            "compute_type": args.compute_type,
            "privileged_mode": args.privileged or repository is not None,
        }
        return self._project(
            name, "build", args, role, build_logs, spec=spec, timeout=30,
            variables=variables, environment=environment, stream=None,
        )  # fmt: skip

    def _record(self, name: str, args: PipelineArgs, build_logs: LogGroup) -> aws.codebuild.Project:
        """The project that writes the deployed image into the release parameter: its own
        role, which may read the build's output and write that one parameter."""
        role = self._codebuild_role(
            name,
            "record",
            args,
            build_logs,
            {
                **args.artifacts.grant_read("artifacts", versions=True),
                **args.image_parameter.grant_record(),
            },
        )
        return self._project(
            name, "record", args, role, build_logs, spec=RECORD_BUILDSPEC, timeout=5,
            variables={"IMAGE_PARAMETER": args.image_parameter.name},
            environment={"compute_type": "BUILD_GENERAL1_SMALL"}, stream="record",
        )  # fmt: skip

    def _project(
        self,
        name: str,
        key: str,
        args: PipelineArgs,
        role: aws.iam.Role,
        build_logs: LogGroup,
        *,
        spec: str,
        timeout: int,
        variables: dict[str, pulumi.Input[str]],
        environment: dict[str, Any],
        stream: str | None,
    ) -> aws.codebuild.Project:
        """A project the pipeline runs: encrypted with the key, logging to the build logs."""
        return aws.codebuild.Project(
            f"{name}-{key}",
            name=args.namer.name(key, Service.BUILD_PROJECT),
            service_role=role.arn,
            encryption_key=args.kms_key_arn,
            build_timeout=timeout,
            artifacts=aws.codebuild.ProjectArtifactsArgs(type="CODEPIPELINE"),
            source=aws.codebuild.ProjectSourceArgs(type="CODEPIPELINE", buildspec=spec),
            environment=aws.codebuild.ProjectEnvironmentArgs(
                image=args.build_image,
                type="LINUX_CONTAINER",
                image_pull_credentials_type="CODEBUILD",
                environment_variables=[
                    aws.codebuild.ProjectEnvironmentEnvironmentVariableArgs(
                        name=k, value=v, type="PLAINTEXT"
                    )
                    for k, v in variables.items()
                ],
                **environment,
            ),
            logs_config=aws.codebuild.ProjectLogsConfigArgs(
                cloudwatch_logs=aws.codebuild.ProjectLogsConfigCloudwatchLogsArgs(
                    group_name=build_logs.name, stream_name=stream, status="ENABLED"
                )
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _source_stage(self, args: PipelineArgs) -> aws.codepipeline.PipelineStageArgs:
        configuration: dict[str, pulumi.Input[str]]
        if args.connection_arn:
            provider = "CodeStarSourceConnection"
            configuration = {
                "ConnectionArn": args.connection_arn,
                "FullRepositoryId": args.repository or "",
                "BranchName": args.branch,
            }
        else:
            provider = "S3"
            configuration = {
                "S3Bucket": args.artifacts.name,
                "S3ObjectKey": SOURCE_KEY,
                "PollForSourceChanges": "false",
            }
        return _stage(
            "Source", "Source", provider, output_artifacts=["source"], configuration=configuration
        )

    def _deploy(
        self, name: str, args: PipelineArgs
    ) -> tuple[aws.codepipeline.PipelineStageActionArgs, Grants]:
        if args.ecs:
            return ecs_deploy(args.aws, args.ecs)
        if args.asg is None:
            raise ValueError("PipelineArgs: give ecs or asg to deploy to")
        return codedeploy_deploy(
            self,
            name,
            namer=args.namer,
            context=args.aws,
            target=args.asg,
            target_group_name=args.target_group_name,
        )
