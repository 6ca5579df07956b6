"""The AWS service integrations the stack relies on, each with the AWS page that requires it.

The README's contract table is this list; `tests/unit/test_contracts.py` evaluates each one
against every synthesized stack and runtime, and plants each one's defect.
"""

from __future__ import annotations

from collections.abc import Iterable

from tap_platform.buckets import ELB_LOG_ACCOUNTS, ELB_LOG_DELIVERY_SERVICE, S3_LOGGING_SERVICE
from tapsim.contracts import Contract, Stack
from tapsim.policy_eval import Request

KEY_USE = ("kms:Encrypt", "kms:Decrypt", "kms:ReEncryptFrom", "kms:GenerateDataKey")
TLS = {"aws:SecureTransport": "true"}
DOCS = "https://docs.aws.amazon.com"
SSE_KMS = (
    "S3 User Guide, Using server-side encryption with AWS KMS keys (permissions): "
    f"{DOCS}/AmazonS3/latest/userguide/UsingKMSEncryption.html"
)


def _requests(
    actions: Iterable[str], resources: Iterable[str], context: dict | None = None
) -> list[Request]:
    return [Request(a, r, context=context or {}) for a in actions for r in resources]


def _via(stack: Stack, service: str) -> dict[str, str]:
    """The context a service adds when it uses the key on a caller's behalf."""
    return {"kms:ViaService": f"{service}.{stack.region}.amazonaws.com"}


def _alarms(stack: Stack) -> list[Request]:
    return [
        Request(
            action,
            stack.key_arn,
            context={
                "aws:SourceAccount": stack.account,
                "aws:SourceArn": stack.arn("cloudwatch", f"alarm:{a.inputs['name']}"),
            },
        )
        for a in stack.run.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")
        for action in ("kms:Decrypt", "kms:GenerateDataKey")
    ]


def _autoscaling_role(stack: Stack) -> str:
    return stack.run.one("aws:iam/serviceLinkedRole:ServiceLinkedRole").state["arn"]


def _log_groups(stack: Stack, names: Iterable[str] | None = None) -> list[Request]:
    groups = [g for g in stack.log_groups() if names is None or g.inputs["name"] in names]
    return [
        Request(action, stack.key_arn, context={"kms:EncryptionContext:aws:logs:arn": arn})
        for arn in (g.state["arn"] for g in groups)
        for action in KEY_USE
    ]


def _log_writes(group_arn: str) -> list[Request]:
    return _requests(
        ("logs:CreateLogStream", "logs:PutLogEvents"), [f"{group_arn}:log-stream:app/1"]
    )


def _secrets(stack: Stack) -> list[Request]:
    outputs = stack.run.outputs
    return [
        *_requests(
            ["secretsmanager:GetSecretValue"],
            [outputs["dbSecretArn"], outputs["redisAuthSecretArn"]],
        ),
        Request("kms:Decrypt", stack.key_arn, context=_via(stack, "secretsmanager")),
    ]


def _database_secret(stack: Stack) -> list[Request]:
    return [
        Request("secretsmanager:GetSecretValue", stack.run.outputs["dbSecretArn"]),
        Request("kms:Decrypt", stack.key_arn, context=_via(stack, "secretsmanager")),
    ]


def _assets(stack: Stack) -> list[Request]:
    bucket = stack.bucket("assets")
    objects = ("s3:GetObject", "s3:PutObject", "s3:DeleteObject")
    return [
        *_requests(objects, [f"{bucket}/images/logo.png"], TLS),
        Request("s3:ListBucket", bucket, context=TLS),
        *_requests(("kms:Decrypt", "kms:GenerateDataKey"), [stack.key_arn], _via(stack, "s3")),
    ]


def _execution(stack: Stack) -> list[Request]:
    repository = stack.arn("ecr", "repository/app")
    pull = ("ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage")
    return [
        Request("ecr:GetAuthorizationToken", "*"),
        *_requests(pull, [repository]),
        *_log_writes(stack.app_log_group()),
        *_secrets(stack),
    ]


def _image_parameter(stack: Stack) -> str:
    return stack.run.one("aws:ssm/parameter:Parameter").state["arn"]


def _build_output(stack: Stack) -> str:
    return f"{stack.bucket('artifacts')}/{stack.run.outputs['pipelineName']}/build/rev.zip"


def _instance(stack: Stack) -> list[Request]:
    return [
        *_log_writes(stack.app_log_group()),
        *_secrets(stack),
        *_requests(("s3:GetObject", "s3:GetObjectVersion"), [_build_output(stack)], TLS),
        Request("ssm:GetParameter", _image_parameter(stack)),
    ]


def _elb_principal(stack: Stack) -> str:
    """Who writes the logs in this region, from AWS's table (lib/data)."""
    account = ELB_LOG_ACCOUNTS.get(stack.region)
    if account:
        return f"arn:{stack.partition}:iam::{account}:root"
    return ELB_LOG_DELIVERY_SERVICE


def _elb_logs(stack: Stack) -> list[Request]:
    key = f"alb/AWSLogs/{stack.account}/elasticloadbalancing/{stack.region}/2026/01/01/log.gz"
    return [Request("s3:PutObject", f"{stack.bucket('albLogs')}/{key}", context=TLS)]


def _s3_access_logs(stack: Stack) -> list[Request]:
    return [
        Request(
            "s3:PutObject",
            f"{stack.bucket('albLogs')}/s3/{role}/2026-01-01-00-00-00-0000",
            context={
                "aws:SourceArn": stack.bucket(role),
                "aws:SourceAccount": stack.account,
                **TLS,
            },
        )
        for role in ("artifacts", "assets")
    ]


def _flow_logs(stack: Stack) -> list[Request]:
    group = stack.log_group(f"/{stack.run.project}/{stack.suffix}/vpc-flow-logs")
    return [
        *_log_writes(group),
        Request("logs:DescribeLogGroups", "*"),
        Request("logs:DescribeLogStreams", group),
    ]


def _monitoring(stack: Stack) -> list[Request]:
    group = stack.arn("logs", "log-group:RDSOSMetrics")
    return _log_writes(group)


def _artifacts(stack: Stack, *, bucket_reads: Iterable[str]) -> list[Request]:
    bucket = stack.bucket("artifacts")
    objects = f"{bucket}/{stack.run.outputs['pipelineName']}/source/rev.zip"
    return [
        *_requests(("s3:GetObject", "s3:GetObjectVersion", "s3:PutObject"), [objects], TLS),
        *_requests(bucket_reads, [bucket], TLS),
        *_requests(("kms:Decrypt", "kms:GenerateDataKey"), [stack.key_arn], _via(stack, "s3")),
    ]


def _build(stack: Stack) -> list[Request]:
    group = stack.log_group(f"/{stack.run.project}/{stack.suffix}/build")
    return [
        *_log_writes(group),
        *_artifacts(stack, bucket_reads=("s3:GetBucketAcl", "s3:GetBucketLocation")),
    ]


def _record(stack: Stack) -> list[Request]:
    bucket = stack.bucket("artifacts")
    return [
        *_log_writes(stack.log_group(f"/{stack.run.project}/{stack.suffix}/build")),
        *_requests(("s3:GetObject", "s3:GetObjectVersion"), [_build_output(stack)], TLS),
        *_requests(("s3:GetBucketAcl", "s3:GetBucketLocation"), [bucket], TLS),
        Request("kms:Decrypt", stack.key_arn, context=_via(stack, "s3")),
        Request("ssm:PutParameter", _image_parameter(stack)),
    ]


def _pipeline(stack: Stack) -> list[Request]:
    projects = [p.state["arn"] for p in stack.run.of_type("aws:codebuild/project:Project")]
    return [
        *_artifacts(stack, bucket_reads=["s3:GetBucketVersioning"]),
        *_requests(("codebuild:StartBuild", "codebuild:BatchGetBuilds"), projects),
    ]


def _connection(stack: Stack) -> list[Request]:
    source = stack.run.one("aws:codepipeline/pipeline:Pipeline").inputs["stages"][0]
    arn = source["actions"][0]["configuration"]["ConnectionArn"]
    return [Request(f"{arn.split(':')[2]}:UseConnection", arn)]


def _ecs_deploy(stack: Stack) -> list[Request]:
    service = stack.run.one("aws:ecs/service:Service").state["arn"]
    cluster = service.split("/")[1]
    family = stack.run.one("aws:ecs/taskDefinition:TaskDefinition").inputs["family"]
    revision = stack.arn("ecs", f"task-definition/{family}:2")
    task = stack.run.one("aws:ecs/taskDefinition:TaskDefinition").inputs
    passed = {"iam:PassedToService": "ecs-tasks.amazonaws.com"}
    describe = ("ecs:DescribeTaskDefinition", "ecs:RegisterTaskDefinition")
    return [
        *_requests(("ecs:DescribeServices", "ecs:UpdateService"), [service]),
        *_requests((*describe, "ecs:ListTasks"), ["*"]),
        Request("ecs:DescribeTasks", stack.arn("ecs", f"task/{cluster}/0123456789abcdef")),
        Request(
            "ecs:TagResource", revision, context={"ecs:CreateAction": "RegisterTaskDefinition"}
        ),
        *_requests(["iam:PassRole"], [task["executionRoleArn"], task["taskRoleArn"]], passed),
    ]


def _codedeploy_action(stack: Stack) -> list[Request]:
    application = stack.run.one("aws:codedeploy/application:Application").inputs["name"]
    group = stack.run.one("aws:codedeploy/deploymentGroup:DeploymentGroup").inputs
    app_arn = stack.arn("codedeploy", f"application:{application}")
    group_arn = stack.arn(
        "codedeploy", f"deploymentgroup:{application}/{group['deploymentGroupName']}"
    )
    config = stack.arn("codedeploy", f"deploymentconfig:{group['deploymentConfigName']}")
    return [
        *_requests(("codedeploy:CreateDeployment", "codedeploy:GetDeployment"), [group_arn]),
        Request("codedeploy:GetDeploymentConfig", config),
        *_requests(
            (
                "codedeploy:GetApplication",
                "codedeploy:GetApplicationRevision",
                "codedeploy:RegisterApplicationRevision",
            ),
            [app_arn],
        ),
    ]


def _codedeploy_service(stack: Stack) -> list[Request]:
    actions = (
        "autoscaling:CompleteLifecycleAction",
        "autoscaling:DescribeAutoScalingGroups",
        "autoscaling:PutLifecycleHook",
        "elasticloadbalancing:DescribeTargetGroups",
        "elasticloadbalancing:RegisterTargets",
        "elasticloadbalancing:DeregisterTargets",
        "ec2:DescribeInstances",
    )
    return _requests(actions, ["*"])


def _asg(stack: Stack) -> bool:
    return stack.compute == "asg"


def _ecs(stack: Stack) -> bool:
    return stack.compute == "ecs"


CONTRACTS: tuple[Contract, ...] = (
    Contract(
        "CloudWatch alarms -> encrypted SNS topic",
        lambda s: "cloudwatch.amazonaws.com",
        _alarms,
        f"SNS Developer Guide, Key management: {DOCS}/sns/latest/dg/sns-key-management.html",
    ),
    Contract(
        "EC2 Auto Scaling -> CMK-encrypted EBS volumes",
        _autoscaling_role,
        lambda s: [
            *_requests((*KEY_USE, "kms:ReEncryptTo", "kms:DescribeKey"), [s.key_arn]),
            Request("kms:CreateGrant", s.key_arn, context={"kms:GrantIsForAWSResource": "true"}),
        ],
        "EC2 Auto Scaling User Guide, Required AWS KMS key policy for use with encrypted "
        f"volumes: {DOCS}/autoscaling/ec2/userguide/key-policy-requirements-EBS-encryption.html",
        _asg,
    ),
    Contract(
        "CloudWatch Logs -> encrypted log groups",
        lambda s: f"logs.{s.region}.amazonaws.com",
        _log_groups,
        "CloudWatch Logs User Guide, Encrypt log data using AWS KMS: "
        f"{DOCS}/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html",
    ),
    Contract(
        "ECS execution role -> image pull, logs, secrets, key",
        lambda s: s.role_arn("exec"),
        _execution,
        "ECS Developer Guide, Task execution IAM role and Secrets Manager secrets: "
        f"{DOCS}/AmazonECS/latest/developerguide/task_execution_IAM_role.html",
        _ecs,
    ),
    Contract(
        "ECS task role -> assets bucket and key",
        lambda s: s.role_arn("task"),
        _assets,
        SSE_KMS,
        _ecs,
    ),
    Contract(
        "ECS task role -> the database secret, re-read after a rotation",
        lambda s: s.role_arn("task"),
        _database_secret,
        "Secrets Manager User Guide, Managed rotation (new connections need the rotated "
        f"credentials): {DOCS}/secretsmanager/latest/userguide/rotate-secrets_managed.html",
        _ecs,
    ),
    Contract(
        "Instance role -> assets bucket and key",
        lambda s: s.role_arn("instance"),
        _assets,
        SSE_KMS,
        _asg,
    ),
    Contract(
        "Instance role -> app logs, secrets, CodeDeploy revisions, release image",
        lambda s: s.role_arn("instance"),
        _instance,
        "CodeDeploy User Guide, Create an IAM instance profile: "
        f"{DOCS}/codedeploy/latest/userguide/getting-started-create-iam-instance-profile.html",
        _asg,
    ),
    Contract(
        "ELB -> access-log bucket",
        _elb_principal,
        _elb_logs,
        "ELB User Guide, Enable access logs: "
        f"{DOCS}/elasticloadbalancing/latest/application/enable-access-logging.html",
    ),
    Contract(
        "S3 server access logging -> log bucket",
        lambda s: S3_LOGGING_SERVICE,
        _s3_access_logs,
        "S3 User Guide, Enabling Amazon S3 server access logging (bucket policy for the logging "
        f"service principal): {DOCS}/AmazonS3/latest/userguide/enable-server-access-logging.html",
    ),
    Contract(
        "VPC flow logs -> their role",
        lambda s: s.role_arn("flow-logs"),
        _flow_logs,
        "VPC User Guide, IAM role for publishing flow logs to CloudWatch Logs: "
        f"{DOCS}/vpc/latest/userguide/flow-logs-iam-role.html",
    ),
    Contract(
        "RDS enhanced monitoring -> its role",
        lambda s: s.role_arn("db-monitoring"),
        _monitoring,
        "RDS User Guide, Setting up Enhanced Monitoring: "
        f"{DOCS}/AmazonRDS/latest/UserGuide/USER_Monitoring.OS.Enabling.html",
        lambda s: any("-db-monitoring-" in name for name in s.roles),
    ),
    Contract(
        "CodeBuild -> logs, artifacts, key",
        lambda s: s.role_arn("build"),
        _build,
        "CodeBuild User Guide, Allow CodeBuild to interact with other AWS services: "
        f"{DOCS}/codebuild/latest/userguide/setting-up-service-role.html",
    ),
    Contract(
        "CodeBuild recorder -> build output, release parameter",
        lambda s: s.role_arn("record"),
        _record,
        "CodeBuild User Guide, Allow CodeBuild to interact with other AWS services; "
        "Systems Manager User Guide, Restricting access to Parameter Store parameters: "
        f"{DOCS}/systems-manager/latest/userguide/sysman-paramstore-access.html",
    ),
    Contract(
        "CodePipeline -> artifacts, key, build",
        lambda s: s.role_arn("pipeline"),
        _pipeline,
        "CodePipeline User Guide, CodePipeline service role policy: "
        f"{DOCS}/codepipeline/latest/userguide/how-to-custom-role.html",
    ),
    Contract(
        "CodePipeline -> source connection",
        lambda s: s.role_arn("pipeline"),
        _connection,
        "CodePipeline User Guide, CodeStarSourceConnection action: "
        f"{DOCS}/codepipeline/latest/userguide/action-reference-CodestarConnectionSource.html",
        lambda s: "ConnectionArn" in str(s.run.one("aws:codepipeline/pipeline:Pipeline").inputs),
    ),
    Contract(
        "ECS deploy action -> register, tag, pass role, update",
        lambda s: s.role_arn("pipeline"),
        _ecs_deploy,
        "CodePipeline User Guide, Amazon ECS deploy action reference: "
        f"{DOCS}/codepipeline/latest/userguide/action-reference-ECS.html",
        _ecs,
    ),
    Contract(
        "CodePipeline -> CodeDeploy",
        lambda s: s.role_arn("pipeline"),
        _codedeploy_action,
        "CodePipeline User Guide, CodeDeploy action reference: "
        f"{DOCS}/codepipeline/latest/userguide/action-reference-CodeDeploy.html",
        _asg,
    ),
    Contract(
        "CodeDeploy -> Auto Scaling group and target group",
        lambda s: s.role_arn("codedeploy"),
        _codedeploy_service,
        "CodeDeploy User Guide, Create a service role: "
        f"{DOCS}/codedeploy/latest/userguide/getting-started-create-service-role.html",
        _asg,
    ),
    Contract(
        "ElastiCache -> slow-log group",
        lambda s: f"logs.{s.region}.amazonaws.com",
        lambda s: _log_groups(s, [f"/{s.run.project}/{s.suffix}/cache-slow-log"]),
        "ElastiCache User Guide, Log delivery: "
        f"{DOCS}/AmazonElastiCache/latest/dg/Log_Delivery.html",
    ),
)
