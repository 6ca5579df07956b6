"""What each integration asks of IAM, as requests the policy evaluator answers: the
builders the contract table (`tapsim.integrations`) names, one per integration."""

from __future__ import annotations

import json
from collections.abc import Iterable

from tap_platform.buckets import ELB_LOG_ACCOUNTS, ELB_LOG_DELIVERY_SERVICE
from tap_platform.ecr import LOGIN, PULL, PUSH, image_repository
from tapsim.contracts import Stack
from tapsim.policy_eval import Request

KEY_USE = ("kms:Encrypt", "kms:Decrypt", "kms:ReEncryptFrom", "kms:GenerateDataKey")
TLS = {"aws:SecureTransport": "true"}


def requests(
    actions: Iterable[str], resources: Iterable[str], context: dict | None = None
) -> list[Request]:
    return [Request(a, r, context=context or {}) for a in actions for r in resources]


def via(stack: Stack, service: str) -> dict[str, str]:
    """The context a service adds when it uses the key on a caller's behalf."""
    return {"kms:ViaService": f"{service}.{stack.region}.amazonaws.com"}


def alarms(stack: Stack) -> list[Request]:
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


def autoscaling_role(stack: Stack) -> str:
    return stack.run.one("aws:iam/serviceLinkedRole:ServiceLinkedRole").state["arn"]


def log_groups(stack: Stack, names: Iterable[str] | None = None) -> list[Request]:
    groups = [g for g in stack.log_groups() if names is None or g.inputs["name"] in names]
    return [
        Request(action, stack.key_arn, context={"kms:EncryptionContext:aws:logs:arn": arn})
        for arn in (g.state["arn"] for g in groups)
        for action in KEY_USE
    ]


def log_writes(group_arn: str) -> list[Request]:
    return requests(
        ("logs:CreateLogStream", "logs:PutLogEvents"), [f"{group_arn}:log-stream:app/1"]
    )


def connects(stack: Stack) -> list[Request]:
    """What the app reads each time it connects: an IAM token for its own database user and
    the cache's AUTH secret, as a rotation leaves them (never the master secret)."""
    outputs = stack.run.outputs
    found = []
    if "dbAppUser" in outputs:
        user = f"dbuser:{outputs['dbResourceId']}/{outputs['dbAppUser']}"
        found.append(Request("rds-db:connect", stack.arn("rds-db", user)))
    if "redisAuthSecretArn" in outputs:
        found += [
            Request("secretsmanager:GetSecretValue", outputs["redisAuthSecretArn"]),
            Request("kms:Decrypt", stack.key_arn, context=via(stack, "secretsmanager")),
        ]
    return found


def injected(stack: Stack, ssm_action: str) -> list[Request]:
    """The secrets and parameters `tap:service.secrets` names, as AWS holds them: a secret's
    ARN ends in six random characters (a name or ARN without them matches any), and a
    customer key is asked through the service that stores the value."""
    service = json.loads(stack.run.config.get("tap:service") or "{}")
    found = []
    for ref in (service.get("secrets") or {}).values():
        source, key = (ref, None) if isinstance(ref, str) else (ref["from"], ref.get("key"))
        arns = [source]
        if source.startswith("secretsmanager:"):
            arns = [stack.arn("secretsmanager", f"secret:{source.split(':', 1)[1]}-AbC123")]
        elif source.startswith("ssm:"):
            arns = [stack.arn("ssm", f"parameter/{source.split(':', 1)[1].removeprefix('/')}")]
        elif ":secret:" in source:
            # Whole, or a name whose suffix was left off: its text cannot tell which.
            arns.append(f"{source}-AbC123")
        for arn in arns:
            is_ssm = ":ssm:" in arn
            found.append(Request(ssm_action if is_ssm else "secretsmanager:GetSecretValue", arn))
        if key:
            found.append(Request("kms:Decrypt", key, context=via(stack, arns[0].split(":")[2])))
    return found


def assets(stack: Stack) -> list[Request]:
    bucket = stack.bucket("assets")
    objects = ("s3:GetObject", "s3:PutObject", "s3:DeleteObject")
    return [
        *requests(objects, [f"{bucket}/images/logo.png"], TLS),
        Request("s3:ListBucket", bucket, context=TLS),
        *requests(("kms:Decrypt", "kms:GenerateDataKey"), [stack.key_arn], via(stack, "s3")),
    ]


def execution(stack: Stack) -> list[Request]:
    return [
        *log_writes(stack.app_log_group()),
        *injected(stack, "ssm:GetParameters"),
    ]


def built_repository(stack: Stack) -> str | None:
    """The repository the pipeline pushes to, when the stack has one."""
    found = stack.run.of_type("aws:ecr/repository:Repository")
    return found[0].state["arn"] if found else None


def pulled_repositories(stack: Stack) -> list[str]:
    """Where the runtime pulls the image from: the built image's repository, and the first
    image's (`tap:service.image`, the release parameter's seed) when that is private ECR."""
    first = stack.run.one("aws:ssm/parameter:Parameter").inputs["insecureValue"]
    seed = image_repository(first, stack.partition)
    return [arn for arn in (built_repository(stack), seed and str(seed.arn)) if arn]


def image_pull(stack: Stack) -> list[Request]:
    """Docker signs in with a token, then reads the image's layers."""
    return [Request(LOGIN[0], "*"), *requests(PULL, pulled_repositories(stack))]


def image_push(stack: Stack) -> list[Request]:
    repository = built_repository(stack)
    return [Request(LOGIN[0], "*"), *requests(PUSH, [repository] if repository else [])]


def image_parameter(stack: Stack) -> str:
    return stack.run.one("aws:ssm/parameter:Parameter").state["arn"]


def build_output(stack: Stack) -> str:
    return f"{stack.bucket('artifacts')}/{stack.run.outputs['pipelineName']}/build/rev.zip"


def instance(stack: Stack) -> list[Request]:
    return [
        *log_writes(stack.app_log_group()),
        *injected(stack, "ssm:GetParameter"),
        *connects(stack),
        *requests(("s3:GetObject", "s3:GetObjectVersion"), [build_output(stack)], TLS),
        Request("ssm:GetParameter", image_parameter(stack)),
    ]


def elb_principal(stack: Stack) -> str:
    """Who writes the logs in this region, from AWS's table (lib/data)."""
    account = ELB_LOG_ACCOUNTS.get(stack.region)
    if account:
        return f"arn:{stack.partition}:iam::{account}:root"
    return ELB_LOG_DELIVERY_SERVICE


def elb_logs(stack: Stack) -> list[Request]:
    key = f"alb/AWSLogs/{stack.account}/elasticloadbalancing/{stack.region}/2026/01/01/log.gz"
    return [Request("s3:PutObject", f"{stack.bucket('albLogs')}/{key}", context=TLS)]


def s3_access_logs(stack: Stack) -> list[Request]:
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


def flow_logs(stack: Stack) -> list[Request]:
    group = stack.log_group(f"/{stack.run.project}/{stack.suffix}/vpc-flow-logs")
    return [
        *log_writes(group),
        Request("logs:DescribeLogGroups", "*"),
        Request("logs:DescribeLogStreams", group),
    ]


def monitoring(stack: Stack) -> list[Request]:
    group = stack.arn("logs", "log-group:RDSOSMetrics")
    return log_writes(group)


def artifacts(stack: Stack, *, bucket_reads: Iterable[str]) -> list[Request]:
    bucket = stack.bucket("artifacts")
    objects = f"{bucket}/{stack.run.outputs['pipelineName']}/source/rev.zip"
    return [
        *requests(("s3:GetObject", "s3:GetObjectVersion", "s3:PutObject"), [objects], TLS),
        *requests(bucket_reads, [bucket], TLS),
        *requests(("kms:Decrypt", "kms:GenerateDataKey"), [stack.key_arn], via(stack, "s3")),
    ]


def build(stack: Stack) -> list[Request]:
    group = stack.log_group(f"/{stack.run.project}/{stack.suffix}/build")
    return [
        *log_writes(group),
        *artifacts(stack, bucket_reads=("s3:GetBucketAcl", "s3:GetBucketLocation")),
    ]


def record(stack: Stack) -> list[Request]:
    bucket = stack.bucket("artifacts")
    return [
        *log_writes(stack.log_group(f"/{stack.run.project}/{stack.suffix}/build")),
        *requests(("s3:GetObject", "s3:GetObjectVersion"), [build_output(stack)], TLS),
        *requests(("s3:GetBucketAcl", "s3:GetBucketLocation"), [bucket], TLS),
        Request("kms:Decrypt", stack.key_arn, context=via(stack, "s3")),
        Request("ssm:PutParameter", image_parameter(stack)),
    ]


def pipeline(stack: Stack) -> list[Request]:
    # The pipeline's own stages: the build and the record (not the database's user build).
    projects = [
        p.state["arn"]
        for p in stack.run.of_type("aws:codebuild/project:Project")
        if p.name.startswith("delivery-")
    ]
    return [
        *artifacts(stack, bucket_reads=["s3:GetBucketVersioning"]),
        *requests(("codebuild:StartBuild", "codebuild:BatchGetBuilds"), projects),
    ]


def connection(stack: Stack) -> list[Request]:
    source = stack.run.one("aws:codepipeline/pipeline:Pipeline").inputs["stages"][0]
    arn = source["actions"][0]["configuration"]["ConnectionArn"]
    return [Request(f"{arn.split(':')[2]}:UseConnection", arn)]


def ecs_deploy(stack: Stack) -> list[Request]:
    service = stack.run.one("aws:ecs/service:Service").state["arn"]
    cluster = service.split("/")[1]
    family = stack.run.one("aws:ecs/taskDefinition:TaskDefinition").inputs["family"]
    revision = stack.arn("ecs", f"task-definition/{family}:2")
    task = stack.run.one("aws:ecs/taskDefinition:TaskDefinition").inputs
    passed = {"iam:PassedToService": "ecs-tasks.amazonaws.com"}
    describe = ("ecs:DescribeTaskDefinition", "ecs:RegisterTaskDefinition")
    return [
        *requests(("ecs:DescribeServices", "ecs:UpdateService"), [service]),
        *requests((*describe, "ecs:ListTasks"), ["*"]),
        Request("ecs:DescribeTasks", stack.arn("ecs", f"task/{cluster}/0123456789abcdef")),
        Request(
            "ecs:TagResource", revision, context={"ecs:CreateAction": "RegisterTaskDefinition"}
        ),
        *requests(["iam:PassRole"], [task["executionRoleArn"], task["taskRoleArn"]], passed),
    ]


def codedeploy_action(stack: Stack) -> list[Request]:
    application = stack.run.one("aws:codedeploy/application:Application").inputs["name"]
    group = stack.run.one("aws:codedeploy/deploymentGroup:DeploymentGroup").inputs
    app_arn = stack.arn("codedeploy", f"application:{application}")
    group_arn = stack.arn(
        "codedeploy", f"deploymentgroup:{application}/{group['deploymentGroupName']}"
    )
    config = stack.arn("codedeploy", f"deploymentconfig:{group['deploymentConfigName']}")
    return [
        *requests(("codedeploy:CreateDeployment", "codedeploy:GetDeployment"), [group_arn]),
        Request("codedeploy:GetDeploymentConfig", config),
        *requests(
            (
                "codedeploy:GetApplication",
                "codedeploy:GetApplicationRevision",
                "codedeploy:RegisterApplicationRevision",
            ),
            [app_arn],
        ),
    ]


def codedeploy_service(stack: Stack) -> list[Request]:
    actions = (
        "autoscaling:CompleteLifecycleAction",
        "autoscaling:DescribeAutoScalingGroups",
        "autoscaling:PutLifecycleHook",
        "elasticloadbalancing:DescribeTargetGroups",
        "elasticloadbalancing:RegisterTargets",
        "elasticloadbalancing:DeregisterTargets",
        "ec2:DescribeInstances",
    )
    return requests(actions, ["*"])


def launch_template(stack: Stack) -> list[Request]:
    """What launching from the group's template asks of IAM: RunInstances on the template
    and what a launch touches, tagging what it creates, and passing the instance role."""
    template = stack.run.one("aws:ec2/launchTemplate:LaunchTemplate")
    group = stack.run.one("aws:autoscaling/group:Group").inputs
    launched = {
        "instance": "i-0123456789abcdef0",
        "volume": "vol-0123456789abcdef0",
        "network-interface": "eni-0123456789abcdef0",
        "subnet": group["vpcZoneIdentifiers"][0],
        "security-group": template.inputs["networkInterfaces"][0]["securityGroups"][0],
    }
    image = f"arn:{stack.partition}:ec2:{stack.region}::image/ami-0123456789abcdef0"
    resources = [stack.arn("ec2", f"launch-template/{template.id}"), image]
    resources += [stack.arn("ec2", f"{kind}/{id_}") for kind, id_ in launched.items()]
    tagged = [stack.arn("ec2", f"{kind}/{launched[kind]}") for kind in ("instance", "volume")]
    return [
        *requests(["ec2:RunInstances"], resources),
        *requests(["ec2:CreateTags"], tagged, {"ec2:CreateAction": "RunInstances"}),
        Request(
            "iam:PassRole",
            stack.role_arn("instance"),
            context={"iam:PassedToService": "ec2.amazonaws.com"},
        ),
    ]


def asg(stack: Stack) -> bool:
    return stack.compute == "asg"


def ecs(stack: Stack) -> bool:
    return stack.compute == "ecs"


def plain_rds(stack: Stack) -> bool:
    return bool(stack.run.of_type("aws:rds/instance:Instance"))


def user_build(stack: Stack) -> list[Request]:
    """A build in the private subnets makes the app's user on plain RDS: network interfaces
    there, its logs, and the master secret with its key."""
    outputs = stack.run.outputs
    subnet = stack.arn("ec2", f"subnet/{outputs['privateSubnetIds'][0]}")
    describe = (
        "ec2:DescribeDhcpOptions", "ec2:DescribeNetworkInterfaces",
        "ec2:DescribeSecurityGroups", "ec2:DescribeSubnets", "ec2:DescribeVpcs",
    )  # fmt: skip
    group = stack.log_group(f"/{stack.run.project}/{stack.suffix}/db-setup")
    interface = stack.arn("ec2", "network-interface/eni-0123456789abcdef0")
    return [
        *requests(describe, ["*"]),
        # EC2 authorizes CreateNetworkInterface on the interface, its subnet and its groups.
        *requests(
            ["ec2:CreateNetworkInterface"],
            [interface, subnet, stack.arn("ec2", "security-group/sg-0123456789abcdef0")],
        ),
        Request("ec2:DeleteNetworkInterface", interface),
        Request(
            "ec2:CreateNetworkInterfacePermission",
            stack.arn("ec2", "network-interface/eni-0123456789abcdef0"),
            context={"ec2:AuthorizedService": "codebuild.amazonaws.com", "ec2:Subnet": subnet},
        ),
        *log_writes(group),
        Request("secretsmanager:GetSecretValue", outputs["dbSecretArn"]),
        Request("kms:Decrypt", stack.key_arn, context=via(stack, "secretsmanager")),
    ]
