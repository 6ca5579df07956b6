"""The AWS service integrations the stack relies on, each with the AWS page that requires it.

The contract table of docs/security.md is this list; `tests/unit/test_contracts.py`
evaluates each one against every synthesized stack and runtime, and plants each one's
defect. What each asks of IAM is built in `tapsim.integration_requests`.
"""

from __future__ import annotations

from tap_platform.buckets import S3_LOGGING_SERVICE
from tapsim import integration_requests as r
from tapsim.contracts import Contract
from tapsim.integration_requests import KEY_USE
from tapsim.policy_eval import Request

DOCS = "https://docs.aws.amazon.com"
IMAGE_PULL = (
    "ECR User Guide, Using Amazon ECR images with Amazon ECS (`ecr:BatchGetImage`, "
    "`ecr:GetDownloadUrlForLayer`, `ecr:GetAuthorizationToken`): "
    f"{DOCS}/AmazonECR/latest/userguide/ECR_on_ECS.html"
)
SSE_KMS = (
    "S3 User Guide, Using server-side encryption with AWS KMS keys (permissions): "
    f"{DOCS}/AmazonS3/latest/userguide/UsingKMSEncryption.html"
)


CONTRACTS: tuple[Contract, ...] = (
    Contract(
        "CloudWatch alarms -> encrypted SNS topic",
        lambda s: "cloudwatch.amazonaws.com",
        r.alarms,
        f"SNS Developer Guide, Key management: {DOCS}/sns/latest/dg/sns-key-management.html",
    ),
    Contract(
        "EC2 Auto Scaling -> CMK-encrypted EBS volumes",
        r.autoscaling_role,
        lambda s: [
            *r.requests((*KEY_USE, "kms:ReEncryptTo", "kms:DescribeKey"), [s.key_arn]),
            Request("kms:CreateGrant", s.key_arn, context={"kms:GrantIsForAWSResource": "true"}),
        ],
        "EC2 Auto Scaling User Guide, Required AWS KMS key policy for use with encrypted "
        f"volumes: {DOCS}/autoscaling/ec2/userguide/key-policy-requirements-EBS-encryption.html",
        r.asg,
    ),
    Contract(
        "CloudWatch Logs -> encrypted log groups",
        lambda s: f"logs.{s.region}.amazonaws.com",
        r.log_groups,
        "CloudWatch Logs User Guide, Encrypt log data using AWS KMS: "
        f"{DOCS}/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html",
    ),
    Contract(
        "ECS execution role -> logs, the app's secrets and parameters, keys",
        lambda s: s.role_arn("exec"),
        r.execution,
        "ECS Developer Guide, Task execution IAM role and Secrets Manager secrets: "
        f"{DOCS}/AmazonECS/latest/developerguide/task_execution_IAM_role.html",
        r.ecs,
    ),
    Contract(
        "ECS execution role -> pull the image from ECR",
        lambda s: s.role_arn("exec"),
        r.image_pull,
        IMAGE_PULL,
        lambda s: r.ecs(s) and bool(r.pulled_repositories(s)),
    ),
    Contract(
        "ECS task role -> assets bucket and key",
        lambda s: s.role_arn("task"),
        r.assets,
        SSE_KMS,
        r.ecs,
    ),
    Contract(
        "ECS task role -> its own database user (IAM token) and the cache secret, at connect",
        lambda s: s.role_arn("task"),
        r.connects,
        "RDS User Guide, Creating and using an IAM policy for IAM database access: "
        f"{DOCS}/AmazonRDS/latest/UserGuide/UsingWithRDS.IAMDBAuth.IAMPolicy.html",
        r.ecs,
    ),
    Contract(
        "CodeBuild in the VPC -> network interfaces and the master secret (plain RDS user)",
        lambda s: s.role_arn("db-setup"),
        r.user_build,
        "CodeBuild User Guide, Allow AWS CodeBuild access to AWS services required to create a "
        f"VPC network interface: {DOCS}/codebuild/latest/userguide/auth-and-access-control-iam-"
        "identity-based-access-control.html",
        r.plain_rds,
    ),
    Contract(
        "Instance role -> assets bucket and key",
        lambda s: s.role_arn("instance"),
        r.assets,
        SSE_KMS,
        r.asg,
    ),
    Contract(
        "Instance role -> app logs, secrets at start and connect, revisions, release image",
        lambda s: s.role_arn("instance"),
        r.instance,
        "CodeDeploy User Guide, Create an IAM instance profile: "
        f"{DOCS}/codedeploy/latest/userguide/getting-started-create-iam-instance-profile.html",
        r.asg,
    ),
    Contract(
        "Instance role -> pull the image from ECR",
        lambda s: s.role_arn("instance"),
        r.image_pull,
        "ECR User Guide, Private registry authentication (Docker signs in with "
        f"`ecr:GetAuthorizationToken`): {DOCS}/AmazonECR/latest/userguide/registry_auth.html; "
        + IMAGE_PULL,
        lambda s: r.asg(s) and bool(r.pulled_repositories(s)),
    ),
    Contract(
        "ELB -> access-log bucket",
        r.elb_principal,
        r.elb_logs,
        "ELB User Guide, Enable access logs: "
        f"{DOCS}/elasticloadbalancing/latest/application/enable-access-logging.html",
    ),
    Contract(
        "S3 server access logging -> log bucket",
        lambda s: S3_LOGGING_SERVICE,
        r.s3_access_logs,
        "S3 User Guide, Enabling Amazon S3 server access logging (bucket policy for the logging "
        f"service principal): {DOCS}/AmazonS3/latest/userguide/enable-server-access-logging.html",
    ),
    Contract(
        "VPC flow logs -> their role",
        lambda s: s.role_arn("flow-logs"),
        r.flow_logs,
        "VPC User Guide, IAM role for publishing flow logs to CloudWatch Logs: "
        f"{DOCS}/vpc/latest/userguide/flow-logs-iam-role.html",
    ),
    Contract(
        "RDS enhanced monitoring -> its role",
        lambda s: s.role_arn("db-monitoring"),
        r.monitoring,
        "RDS User Guide, Setting up Enhanced Monitoring: "
        f"{DOCS}/AmazonRDS/latest/UserGuide/USER_Monitoring.OS.Enabling.html",
        lambda s: any("-db-monitoring-" in name for name in s.roles),
    ),
    Contract(
        "CodeBuild -> logs, artifacts, key",
        lambda s: s.role_arn("build"),
        r.build,
        "CodeBuild User Guide, Allow CodeBuild to interact with other AWS services: "
        f"{DOCS}/codebuild/latest/userguide/setting-up-service-role.html",
    ),
    Contract(
        "CodeBuild -> push the built image to ECR",
        lambda s: s.role_arn("build"),
        r.image_push,
        "ECR User Guide, IAM permissions for pushing an image to an Amazon ECR private "
        f"repository: {DOCS}/AmazonECR/latest/userguide/image-push-iam.html",
        lambda s: r.built_repository(s) is not None,
    ),
    Contract(
        "CodeBuild recorder -> build output, release parameter",
        lambda s: s.role_arn("record"),
        r.record,
        "CodeBuild User Guide, Allow CodeBuild to interact with other AWS services; "
        "Systems Manager User Guide, Restricting access to Parameter Store parameters: "
        f"{DOCS}/systems-manager/latest/userguide/sysman-paramstore-access.html",
    ),
    Contract(
        "CodePipeline -> artifacts, key, build",
        lambda s: s.role_arn("pipeline"),
        r.pipeline,
        "CodePipeline User Guide, CodePipeline service role policy: "
        f"{DOCS}/codepipeline/latest/userguide/how-to-custom-role.html",
    ),
    Contract(
        "CodePipeline -> source connection",
        lambda s: s.role_arn("pipeline"),
        r.connection,
        "CodePipeline User Guide, CodeStarSourceConnection action: "
        f"{DOCS}/codepipeline/latest/userguide/action-reference-CodestarConnectionSource.html",
        lambda s: "ConnectionArn" in str(s.run.one("aws:codepipeline/pipeline:Pipeline").inputs),
    ),
    Contract(
        "ECS deploy action -> register, tag, pass role, update",
        lambda s: s.role_arn("pipeline"),
        r.ecs_deploy,
        "CodePipeline User Guide, Amazon ECS deploy action reference: "
        f"{DOCS}/codepipeline/latest/userguide/action-reference-ECS.html",
        r.ecs,
    ),
    Contract(
        "CodePipeline -> CodeDeploy",
        lambda s: s.role_arn("pipeline"),
        r.codedeploy_action,
        "CodePipeline User Guide, CodeDeploy action reference: "
        f"{DOCS}/codepipeline/latest/userguide/action-reference-CodeDeploy.html",
        r.asg,
    ),
    Contract(
        "CodeDeploy -> Auto Scaling group and target group",
        lambda s: s.role_arn("codedeploy"),
        r.codedeploy_service,
        "CodeDeploy User Guide, Create a service role: "
        f"{DOCS}/codedeploy/latest/userguide/getting-started-create-service-role.html",
        r.asg,
    ),
    Contract(
        "CodeDeploy -> Auto Scaling group launching from a launch template",
        lambda s: s.role_arn("codedeploy"),
        r.launch_template,
        "CodeDeploy User Guide, Create a service role for CodeDeploy (a group created with a "
        "launch template needs `ec2:RunInstances`, `ec2:CreateTags` and `iam:PassRole`): "
        f"{DOCS}/codedeploy/latest/userguide/getting-started-create-service-role.html",
        r.asg,
    ),
    Contract(
        "ElastiCache -> slow-log group",
        lambda s: f"logs.{s.region}.amazonaws.com",
        lambda s: r.log_groups(s, [f"/{s.run.project}/{s.suffix}/cache-slow-log"]),
        "ElastiCache User Guide, Log delivery: "
        f"{DOCS}/AmazonElastiCache/latest/dg/Log_Delivery.html",
    ),
)
